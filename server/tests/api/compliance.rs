//! The CIS monitoring pack through `/api/v1`: deployed to three compartments in two regions of the
//! built-in sandbox in one apply, judged cell by cell, broken three ways out of band (a rule
//! disabled, a subscription deleted, an event type taken out of a condition), each turning exactly
//! its cells to fail with its reason, exported as evidence, and a rule made out of band that covers
//! a recommendation making its cell pass.

use crate::helpers::{Session, TestApp, sandbox, spawn_app, until};
use app::api::compliance::{CellStatus, CheckDetail};
use app::api::deployment_sets::{SetDetail, SetRun};
use app::api::deployments::RunState;
use app::api::inboxes::Inbox;
use reqwest::Method;
use serde_json::{Value, json};
use server::oci::client::OciClient;
use server::oci::events::{
    ActionDetails, ActionDetailsList, ActionTarget, CreateRuleDetails, ListRulesRequest, UpdateRuleDetails,
};
use server::oci::identity::CreateCompartmentDetails;
use server::oci::region::Region;
use std::collections::BTreeSet;

const PROD: &str = "ocid1.compartment.oc1..sandboxprod";
const REGIONS: [&str; 2] = ["us-ashburn-1", "eu-frankfurt-1"];

struct Pack<'a> {
    app: &'a TestApp,
    admin: &'a Session,
    team: i64,
    set_id: i64,
    check_id: i64,
    /// Compartment name → OCID.
    compartments: Vec<(String, String)>,
    /// The inbox subscribed to every target's topic.
    inbox: i64,
}

impl Pack<'_> {
    fn client(&self, region: &str) -> OciClient {
        self.app.builtin.client.in_region(&Region::parse(region).expect("a region"))
    }

    fn compartment(&self, name: &str) -> &str {
        &self.compartments.iter().find(|(n, _)| n == name).expect("a compartment").1
    }

    async fn check(&self) -> CheckDetail {
        let path = format!("/api/v1/teams/{}/compliance/{}/check", self.team, self.check_id);
        let (status, body) = self.admin.call(Method::POST, &path, json!({})).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).expect("a check")
    }

    /// The pack's rule for recommendation `rec` in `region` and compartment `name`.
    async fn rule(&self, region: &str, name: &str, rec: &str) -> String {
        let request =
            ListRulesRequest { compartment_id: self.compartment(name).into(), limit: Some(50), ..Default::default() };
        let rules = self.client(region).list_rules(&request).await.expect("rules").body;
        let suffix = format!("-cis-{}-", rec.replace('.', "-"));
        rules.into_iter().find(|r| r.display_name.contains(&suffix)).expect("the pack's rule").id
    }
}

fn failing(detail: &CheckDetail) -> BTreeSet<(String, String, String)> {
    detail
        .cells
        .iter()
        .filter(|c| c.status != CellStatus::Pass)
        .map(|c| (c.recommendation.clone(), c.region.clone(), c.compartment_name.clone()))
        .collect()
}

fn reason<'a>(detail: &'a CheckDetail, rec: &str, region: &str, compartment: &str) -> &'a str {
    &detail
        .cells
        .iter()
        .find(|c| c.recommendation == rec && c.region == region && c.compartment_name == compartment)
        .expect("the cell")
        .reason
}

/// Deploys the pack to three new compartments in both regions, subscribes an inbox, and makes a
/// compliance check of the same scope.
async fn deploy<'a>(app: &'a TestApp, admin: &'a Session) -> Pack<'a> {
    let team = admin.me.teams[0].team_id;
    let (base, _) = sandbox(admin).await;
    let connection_id: i64 = base.rsplit('/').next().and_then(|id| id.parse().ok()).expect("a connection id");
    let (status, inbox) =
        admin.call(Method::POST, &format!("/api/v1/teams/{team}/inboxes"), json!({"name": "cis"})).await;
    assert_eq!(status, 200, "{inbox}");
    let inbox: Inbox = serde_json::from_value(inbox).expect("an inbox");
    let (status, created) = admin
        .call(
            Method::POST,
            &format!("/api/v1/teams/{team}/templates"),
            json!({"source": {"starter": "cis-oci-monitoring"}}),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let mut compartments = Vec::new();
    for name in ["payments", "ledger", "search"] {
        let details =
            CreateCompartmentDetails { compartment_id: PROD.into(), name: name.into(), description: name.into() };
        let id = app.builtin.client.create_compartment(&details).await.expect("a compartment").body.id;
        compartments.push((name.to_owned(), id));
    }
    let ids: Vec<&str> = compartments.iter().map(|(_, id)| id.as_str()).collect();
    let scope = json!({"regions": REGIONS, "compartments": ids});
    let request = json!({
        "template_id": created["template"]["id"],
        "version": 1,
        "connection_id": connection_id,
        "scope": scope,
        "parameters": {"prefix": "sec", "webhooks": [inbox.url]},
    });
    let sets = format!("/api/v1/teams/{team}/deployment-sets");
    let (status, review) = admin.call(Method::POST, &format!("{sets}/plan"), request.clone()).await;
    assert_eq!(status, 200, "{review}");
    let mut create = request;
    create["name"] = json!("cis");
    create["digest"] = review["digest"].clone();
    let (status, body) = admin.call(Method::POST, &sets, create).await;
    assert_eq!(status, 200, "{body}");
    let started: SetRun = serde_json::from_value(body).expect("a set run");
    assert_eq!(started.runs.len(), 6, "three compartments in two regions, one apply");
    let detail_path = format!("{sets}/{}", started.set_id);
    until(|| async {
        let detail: SetDetail = admin.read(&detail_path).await;
        detail.targets.iter().all(|t| t.last_run.as_ref().is_some_and(|r| r.state == RunState::Succeeded))
    })
    .await;
    // Changes of status are told to the ledger compartment's topic in Ashburn, which the inbox hears.
    let ledger = &compartments[1].1;
    let notify = app.builtin.client.list_all_topics(ledger).await.expect("topics")[0].topic_id.clone();
    let (status, check) = admin
        .call(
            Method::POST,
            &format!("/api/v1/teams/{team}/compliance"),
            json!({
                "name": "CIS monitoring",
                "connection_id": connection_id,
                "scope": scope,
                "set_id": started.set_id,
                "notify_topic_id": notify,
            }),
        )
        .await;
    assert_eq!(status, 200, "{check}");
    let check_id = check["summary"]["id"].as_i64().expect("a check id");
    let pack = Pack { app, admin, team, set_id: started.set_id, check_id, compartments, inbox: inbox.id };
    // The inbox confirms each target's subscription (the sandbox's delivery is asynchronous).
    until(|| async { pack.check().await.summary.failing == 0 }).await;
    pack
}

#[tokio::test]
async fn the_pack_passes_everywhere_and_each_break_fails_exactly_its_cells_with_its_reason() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let pack = deploy(&app, &admin).await;
    let all = pack.check().await;
    assert_eq!(all.cells.len(), 13 * 6, "13 recommendations × 2 regions × 3 compartments");
    assert!(all.cells.iter().all(|c| c.status == CellStatus::Pass), "{:?}", failing(&all));
    assert_eq!(all.summary.set_id, Some(pack.set_id));
    let identity = all.cells.iter().find(|c| c.recommendation == "4.3").expect("a 4.3 cell");
    assert!(identity.reason.contains("-cis-4-3-") && identity.request_ids.len() == 2, "{identity:?}");

    // Three breaks, in three targets, made behind Signalbox's back.
    let disabled = pack.rule("us-ashburn-1", "payments", "4.5").await;
    let off = UpdateRuleDetails { is_enabled: Some(false), ..Default::default() };
    pack.client("us-ashburn-1").update_rule(&disabled, &off, None).await.expect("disabled");

    let frankfurt = pack.client("eu-frankfurt-1");
    let subscriptions =
        frankfurt.list_all_subscriptions(pack.compartment("ledger"), None).await.expect("subscriptions");
    assert_eq!(subscriptions.len(), 1);
    frankfurt.delete_subscription(&subscriptions[0].id, None).await.expect("deleted");

    let narrowed = pack.rule("eu-frankfurt-1", "search", "4.8").await;
    let condition =
        json!({"eventType": ["com.oraclecloud.virtualnetwork.createvcn", "com.oraclecloud.virtualnetwork.updatevcn"]});
    let change = UpdateRuleDetails { condition: Some(condition.to_string()), ..Default::default() };
    frankfurt.update_rule(&narrowed, &change, None).await.expect("narrowed");

    let broken = pack.check().await;
    let mut expected: BTreeSet<(String, String, String)> = BTreeSet::new();
    expected.insert(("4.5".into(), "us-ashburn-1".into(), "payments".into()));
    expected.insert(("4.8".into(), "eu-frankfurt-1".into(), "search".into()));
    for rec in app::compliance::RECOMMENDATIONS {
        expected.insert((rec.id.into(), "eu-frankfurt-1".into(), "ledger".into()));
    }
    assert_eq!(failing(&broken), expected);
    assert!(reason(&broken, "4.5", "us-ashburn-1", "payments").contains("matches every event type but is disabled"));
    let gone = reason(&broken, "4.7", "eu-frankfurt-1", "ledger");
    assert!(gone.contains("has no subscription: its notifications reach no one"), "{gone}");
    let topic = reason(&broken, "4.2", "eu-frankfurt-1", "ledger");
    assert!(topic.contains("None of the 1 topics in ledger has an ACTIVE subscription"), "{topic}");
    let missing = reason(&broken, "4.8", "eu-frankfurt-1", "search");
    assert!(missing.contains("matches 2 of the 3 event types; it misses virtualnetwork.deletevcn"), "{missing}");
    assert_eq!(broken.summary.failing, 15);

    // Each change of status is one audit row.
    let changes: Vec<String> = sqlx::query_scalar(
        "SELECT target_name FROM audit_events WHERE action = 'compliance.status_change' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("audit rows");
    assert_eq!(changes.len(), 15, "{changes:?}");
    assert!(changes.contains(&"CIS 4.5 · us-ashburn-1 · payments".to_owned()));
    // And told to the check's topic, in one message that the inbox received.
    let deliveries = format!("/api/v1/teams/{}/inboxes/{}/deliveries", pack.team, pack.inbox);
    until(|| async {
        let page: Value = admin.read(&deliveries).await;
        page["deliveries"].as_array().into_iter().flatten().any(|d| {
            let body = d["body"].as_str().unwrap_or_default();
            body.contains("CIS 4.5 in payments (us-ashburn-1): pass → fail")
        })
    })
    .await;

    // The evidence lists every cell, the failing ones with their reasons, with OCI's request ids.
    let session = &admin;
    let export = |format: &str| {
        let path = format!("/api/v1/teams/{}/compliance/{}/evidence?format={format}", pack.team, pack.check_id);
        async move {
            let admin = session;
            let response = admin.get(&path).send().await.expect("sent");
            assert_eq!(response.status(), 200);
            let disposition = response.headers()["content-disposition"].to_str().expect("text").to_owned();
            assert!(disposition.starts_with("attachment;"), "{disposition}");
            response.text().await.expect("a body")
        }
    };
    let csv = export("csv").await;
    assert_eq!(csv.lines().count(), 1 + 13 * 6);
    let line = csv
        .lines()
        .find(|l| l.contains(",4.5,") && l.contains("us-ashburn-1") && l.contains("payments"))
        .expect("the 4.5 line");
    assert!(line.contains(",fail,") && line.contains("is disabled"), "{line}");
    let passing = csv.lines().find(|l| l.contains(",pass,")).expect("a passing line");
    assert!(passing.split(',').any(|field| field.contains('/')), "request ids: {passing}");
    let json: Value = serde_json::from_str(&export("json").await).expect("json");
    assert_eq!(json["cells"].as_array().map(Vec::len), Some(78));
    let (status, body) = admin
        .call(
            Method::GET,
            &format!("/api/v1/teams/{}/compliance/{}/evidence?format=xml", pack.team, pack.check_id),
            Value::Null,
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("format")));

    // A rule made out of band in the compartment above, covering 4.5 and notifying a topic with a
    // confirmed subscription, makes the disabled rule's cell pass: the matcher decides, not the name.
    let ashburn = pack.client("us-ashburn-1");
    let topics = ashburn.list_all_topics(pack.compartment("ledger")).await.expect("topics");
    let live_topic = &topics[0].topic_id;
    let types = ["creategroup", "deletegroup", "updategroup", "addusertogroup"]
        .map(|t| format!("com.oraclecloud.identitycontrolplane.{t}"));
    let by_hand = CreateRuleDetails {
        display_name: "made-by-hand".into(),
        description: None,
        is_enabled: true,
        condition: json!({"eventType": types}).to_string(),
        compartment_id: PROD.into(),
        actions: ActionDetailsList {
            actions: vec![ActionDetails {
                target: ActionTarget::Notifications { topic_id: Some(live_topic.clone()) },
                is_enabled: true,
                description: None,
            }],
        },
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    ashburn.create_rule(&by_hand).await.expect("the out-of-band rule");
    let fixed = pack.check().await;
    assert!(!failing(&fixed).contains(&("4.5".into(), "us-ashburn-1".into(), "payments".into())));
    let cell = fixed
        .cells
        .iter()
        .find(|c| c.recommendation == "4.5" && c.region == "us-ashburn-1" && c.compartment_name == "payments")
        .expect("cell");
    assert_eq!(cell.rule_name.as_deref(), Some("made-by-hand"));
    assert!(cell.reason.contains("(in prod)"), "{}", cell.reason);
    // It covers the other compartments under prod in Ashburn too; Frankfurt is another region.
    assert_eq!(failing(&fixed).len(), 14);

    // The fix from the view is the set's plan: it puts back what is missing, nowhere else.
    let sets = format!("/api/v1/teams/{}/deployment-sets/{}", pack.team, pack.set_id);
    let (status, plan) = admin.call(Method::POST, &format!("{sets}/plan"), json!({})).await;
    assert_eq!(status, 200, "{plan}");
    let changed: Vec<(String, String)> = plan["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter(|t| t["review"]["plan"]["changes"].as_array().is_some_and(|c| c.iter().any(|c| c["action"] != "no_op")))
        .map(|t| {
            (
                t["region"].as_str().unwrap_or_default().to_owned(),
                t["compartment_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            ("eu-frankfurt-1".to_owned(), "ledger".to_owned()),
            ("eu-frankfurt-1".to_owned(), "search".to_owned()),
            ("us-ashburn-1".to_owned(), "payments".to_owned())
        ]
    );
    let (status, body) = admin.call(Method::POST, &format!("{sets}/apply"), json!({"digest": plan["digest"]})).await;
    assert_eq!(status, 200, "{body}");
    until(|| async { pack.check().await.summary.failing == 0 }).await;
}

#[tokio::test]
async fn checks_refuse_bad_input_and_other_teams() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let (base, compartment) = sandbox(&admin).await;
    let connection_id: i64 = base.rsplit('/').next().and_then(|id| id.parse().ok()).expect("a connection id");
    let path = format!("/api/v1/teams/{team}/compliance");
    let good = json!({"name": "ok", "connection_id": connection_id, "scope": {"compartments": [compartment]}});
    for (change, field) in [
        (json!({"name": " "}), "name"),
        (json!({"name": "a\nb"}), "name"),
        (json!({"connection_id": 999_999}), "connection_id"),
        (json!({"scope": {"regions": ["nowhere"], "compartments": [compartment]}}), "scope.regions[0]"),
        (json!({"scope": {}}), "scope.compartments"),
        (json!({"set_id": 999_999}), "set_id"),
        (json!({"notify_topic_id": "ocid1.eventrule.oc1..x"}), "notify_topic_id"),
        (json!({"delivery_days": 0}), "delivery_days"),
        (json!({"delivery_days": 91}), "delivery_days"),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().expect("an object") {
            body[k] = v.clone();
        }
        let (status, answer) = admin.call(Method::POST, &path, body.clone()).await;
        assert_eq!((status, answer["field"].as_str()), (400, Some(field)), "{body}: {answer}");
    }
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM compliance_checks").fetch_one(&app.pool).await.expect("count");
    assert_eq!(rows, 0, "nothing stored from bad input");
    let (status, created) = admin.call(Method::POST, &path, good.clone()).await;
    assert_eq!(status, 200, "{created}");
    let (status, _) = admin.call(Method::POST, &path, good).await;
    assert_eq!(status, 409, "a taken name");
    let id = created["summary"]["id"].as_i64().expect("an id");

    // Viewers look and check again; they do not create or delete.
    let viewer = app.member(&admin, "vic", team, "viewer").await;
    assert_eq!(viewer.get(&format!("{path}/{id}")).send().await.expect("sent").status(), 200);
    let (status, _) = viewer.call(Method::POST, &format!("{path}/{id}/check"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(viewer.send(Method::DELETE, &format!("{path}/{id}")).send().await.expect("sent").status(), 403);
    // Another team's admin: not under their team, refused under this one, for every method.
    let other = app.create_team(&admin, "Elsewhere").await;
    let mallory = app.member(&admin, "mallory", other, "admin").await;
    for method in [Method::GET, Method::HEAD, Method::DELETE] {
        let theirs =
            mallory.send(method.clone(), &format!("/api/v1/teams/{other}/compliance/{id}")).send().await.expect("sent");
        assert_eq!(theirs.status(), 404, "{method}");
        let ours = mallory.send(method.clone(), &format!("{path}/{id}")).send().await.expect("sent");
        assert_eq!(ours.status(), 403, "{method}");
    }
    let evidence = mallory.get(&format!("/api/v1/teams/{other}/compliance/{id}/evidence")).send().await.expect("sent");
    assert_eq!(evidence.status(), 404);
    assert_eq!(admin.send(Method::DELETE, &format!("{path}/{id}")).send().await.expect("sent").status(), 204);
    assert_eq!(admin.get(&format!("{path}/{id}")).send().await.expect("sent").status(), 404);
}
