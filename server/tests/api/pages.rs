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
    assert!(html.contains("WAL journal"), "database facts are in the HTML");
    assert!(!html.contains("Loading…"), "no loading skeleton for data the server had");
}

/// Pages render completely, request after request, on a runtime with worker threads like the
/// server's. The dashboard's Transition once reported its pending state from an effect that
/// could run after the router dropped the page's first render, panic, and cut responses short.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_completely_under_load() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for path in ["/", "/rules", "/topics"] {
        for _ in 0..100 {
            let response = admin.get(path).header("accept", "text/html").send().await;
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
    for (path, title) in [
        ("/pipelines", "Pipelines"),
        ("/rules", "Rules"),
        ("/topics", "Topics"),
        ("/audit", "Audit"),
        ("/sandbox", "Sandbox"),
        ("/settings", "Settings"),
    ] {
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

/// HTML is compressed for clients that accept it.
#[tokio::test]
async fn pages_are_compressed() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/login")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
}
