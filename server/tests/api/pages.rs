use crate::helpers::spawn_app;

/// The dashboard is rendered on the server with the API's data already in the HTML.
#[tokio::test]
async fn dashboard_renders_system_data_server_side() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let response = admin.get("/").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Dashboard · Signalbox</title>"), "title");
    let data_dir = std::fs::canonicalize(app.data_dir.path()).unwrap();
    assert!(html.contains(&data_dir.display().to_string()), "data directory path is in the HTML");
    assert!(html.contains(env!("CARGO_PKG_VERSION")), "version is in the HTML");
    let backend_fact = match server::db::Backend::of(&app.pool) {
        server::db::Backend::Sqlite => "WAL journal",
        server::db::Backend::Postgres => "PostgreSQL (shared)",
    };
    assert!(html.contains(backend_fact), "database facts are in the HTML");
    assert!(!html.contains("Loading…"), "no loading skeleton for data the server had");
}

/// Pages render completely, request after request, on a runtime with worker threads like the
/// server's. The dashboard's Transition once reported its pending state from an effect that
/// could run after the router dropped the page's first render, panic, and cut responses short.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_completely_under_load() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    for path in ["/".to_owned(), format!("/t/{team}/rules"), format!("/t/{team}/topics")] {
        for _ in 0..100 {
            let response = admin.get(&path).header("accept", "text/html").send().await;
            let html = match response {
                Ok(response) => response.text().await,
                Err(e) => Err(e),
            };
            let html = html.unwrap_or_else(|e| panic!("{path}: {e:?}"));
            // The stream's last script says no chunk is still to come.
            assert!(html.trim_end().ends_with("__INCOMPLETE_CHUNKS=[];</script>"), "{path} was cut short");
        }
    }
}

/// Pages render while another server is built in the same process. Building a router generates
/// Leptos's route list, which suspends resource loading process-wide for its duration (leptos
/// #4773): a page whose data started loading in that window used to wait forever. Test suites,
/// and any embedder running two servers, build routers while others serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_another_server_is_built() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let building = tokio::spawn(async {
        loop {
            drop(spawn_app().await);
        }
    });
    for _ in 0..400 {
        let html = admin
            .get("/")
            .header("accept", "text/html")
            .timeout(std::time::Duration::from_secs(15))
            .send()
            .await
            .unwrap_or_else(|e| panic!("/: {e:?}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("/ stalled: {e:?}"));
        assert!(html.trim_end().ends_with("__INCOMPLETE_CHUNKS=[];</script>"), "/ was cut short");
    }
    building.abort();
}

/// Every navigation target renders a page; unknown paths render the 404 page with status 404.
#[tokio::test]
async fn sections_render_and_unknown_pages_are_404() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    for (path, title) in [
        (format!("/t/{team}/pipelines"), "Pipelines"),
        (format!("/t/{team}/rules"), "Rules"),
        (format!("/t/{team}/topics"), "Topics"),
        (format!("/t/{team}/health"), "Health"),
        (format!("/t/{team}/inboxes"), "Inboxes"),
        (format!("/t/{team}/sandbox"), "Sandbox"),
        (format!("/t/{team}/audit/cloud"), "Cloud audit"),
        ("/audit".to_owned(), "Audit"),
        ("/settings".to_owned(), "Settings"),
    ] {
        let path = path.as_str();
        let response = admin.get(path).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.text().await.unwrap().contains(&format!("<title>{title} · Signalbox</title>")), "{path}");
    }
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

/// Without a session, private pages redirect to the sign-in page, keeping the target.
#[tokio::test]
async fn private_pages_redirect_to_sign_in() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = client.get(app.url("/rules")).header("accept", "text/html").send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/login?next=/rules");
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<title>Sign in · Signalbox</title>"));
}

/// Team pages live under `/t/{team}`: an address without a team is sent to the user's home team
/// (the one they last chose, else their first) with its query kept; an address naming a team the
/// user is not in, or something that is not a team, is a 404 that says so, for every section.
#[tokio::test]
async fn team_pages_open_in_a_team_the_user_is_in() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (ada, first, second, outside) = app.member_of_two_teams(&admin).await;
    let not_following =
        reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).cookie_store(true);
    let ada_raw = app.login_with(not_following, "ada", crate::helpers::MEMBER_PASSWORD).await;
    let location = |response: &reqwest::Response| {
        response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned()
    };

    // As a browser asks: a redirect is an HTTP redirect for HTML requests only.
    let page = |path: &str| ada_raw.get(path).header("accept", "text/html");
    let response = page("/rules?connection=7&state=ACTIVE").send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    // Nothing chosen yet: the first of the user's teams as listed (by name: Payments, Platform).
    let me: app::api::auth::Me = ada_raw.read("/api/v1/auth/me").await;
    assert_eq!(me.teams[0].team_id, second);
    assert_eq!(location(&response), format!("/t/{second}/rules?connection=7&state=ACTIVE"));
    // Chosen with the switcher: that team from now on.
    assert_eq!(
        ada_raw
            .call(reqwest::Method::PUT, "/api/v1/auth/preferred-team", serde_json::json!({"team_id": first}))
            .await
            .0,
        204
    );
    for (old, new) in [
        ("/rules/ocid1.eventrule.oc1..x?connection=1", format!("/t/{first}/rules/ocid1.eventrule.oc1..x?connection=1")),
        ("/topics", format!("/t/{first}/topics")),
        ("/pipelines/deploy?template=3", format!("/t/{first}/pipelines/deploy?template=3")),
        ("/audit/cloud", format!("/t/{first}/audit/cloud")),
        ("/health", format!("/t/{first}/health")),
        ("/inboxes?inbox=4", format!("/t/{first}/inboxes?inbox=4")),
        ("/sandbox", format!("/t/{first}/sandbox")),
    ] {
        let response = page(old).send().await.unwrap();
        assert!(response.status().is_redirection(), "{old}: {}", response.status());
        assert_eq!(location(&response), new, "{old}");
    }
    // Characters a header cannot carry, encoded in the address, are not decoded into one.
    for old in ["/rules/%0D%0ASet-Cookie:%20x=1", "/topics/%00", "/rules?q=%0A%0D", "/pipelines/%E2%80%AE"] {
        let response = page(old).send().await.unwrap();
        assert!(response.status().is_redirection(), "{old}: {}", response.status());
        let to = location(&response);
        assert!(to.starts_with(&format!("/t/{first}/")), "{old}: {to}");
        assert!(response.headers().get("set-cookie").is_none(), "{old}");
    }

    // Opening a team's page makes it the team she works in; a team she is not in does not.
    for team in [second, first] {
        let response = ada.get(&format!("/t/{team}/topics")).send().await.unwrap();
        assert_eq!(response.status(), 200, "team {team}");
        let me: app::api::auth::Me = ada.read("/api/v1/auth/me").await;
        assert_eq!(me.preferred_team, Some(team));
    }
    assert_eq!(ada.get(&format!("/t/{outside}/topics")).send().await.unwrap().status(), 404);
    let me: app::api::auth::Me = ada.read("/api/v1/auth/me").await;
    assert_eq!(me.preferred_team, Some(first));
    let sections = [
        "/rules",
        "/rules/ocid1.eventrule.oc1..x",
        "/topics",
        "/topics/x",
        "/pipelines",
        "/pipelines/deploy",
        "/pipelines/templates/1",
        "/pipelines/deployments/1",
        "/health",
        "/inboxes",
        "/sandbox",
        "/audit/cloud",
    ];
    for team in [outside.to_string(), "999999".into(), "-1".into(), "abc".into(), "1e3".into(), "%20".into()] {
        for section in sections {
            let path = format!("/t/{team}{section}");
            let response = ada.get(&path).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
            let html = response.text().await.unwrap();
            assert!(html.contains("You are not a member of this team"), "{path}");
            assert!(
                html.contains(&format!("href=\"/t/{first}{}\"", section_root(section))),
                "{path} offers the home team"
            );
        }
    }
}

/// The section a path of [`team_pages_open_in_a_team_the_user_is_in`] belongs to.
fn section_root(section: &str) -> &str {
    if section.starts_with("/audit/cloud") {
        return "/audit/cloud";
    }
    let end = section[1..].find('/').map_or(section.len(), |i| i + 1);
    &section[..end]
}

/// HTML is compressed for clients that accept it.
#[tokio::test]
async fn pages_are_compressed() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/login")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
}
