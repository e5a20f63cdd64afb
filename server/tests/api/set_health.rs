//! Health and Verify of a fan-out deployment's targets in every region: the set's health checks
//! each target in its own region and sums them up; a rule disabled in one region breaks exactly
//! that target; a check of the same compartment in the home region leaves the other region's
//! statuses alone; the Health page's check and Verify take `?region=`; a bad region is a 400.

use crate::helpers::{Session, TestApp, sandbox, spawn_app, until};
use app::api::deployment_sets::{SetDetail, SetHealth, SetRun};
use app::api::deployments::RunState;
use app::api::health::{HealthOverview, HealthReport, HealthStatus, VerifyReport};
use app::api::inboxes::Inbox;
use reqwest::Method;
use serde_json::{Value, json};
use server::oci::client::OciClient;
use server::oci::events::{ListRulesRequest, UpdateRuleDetails};
use server::oci::identity::CreateCompartmentDetails;
use server::oci::region::Region;
use server::sandbox::FaultSpec;

const PROD: &str = "ocid1.compartment.oc1..sandboxprod";
const FRANKFURT: &str = "eu-frankfurt-1";

/// A topic per compartment with the inbox subscribed, and a rule sending launches to it.
fn template() -> Value {
    json!({
        "format": "signalbox.template/v1",
        "name": "Per-project alerts",
        "parameters": [{"name": "hook", "label": "Webhook", "type": "string", "required": true}],
        "topics": [{"key": "alerts", "name": "alerts-{{target.compartment}}"}],
        "subscriptions": [{"key": "hook", "topic": "alerts", "protocol": "CUSTOM_HTTPS", "endpoint": "{{hook}}"}],
        "rules": [{
            "key": "launches",
            "name": "launches",
            "condition": {"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]},
            "actions": [{"kind": "ONS", "topic": "alerts"}]
        }]
    })
}

struct Deployed<'a> {
    app: &'a TestApp,
    admin: &'a Session,
    team: i64,
    base: String,
    set: String,
    inbox: Inbox,
    /// `proj-a`, `proj-b`.
    compartments: [String; 2],
}

impl Deployed<'_> {
    fn client(&self, region: &str) -> OciClient {
        self.app.builtin.client.in_region(&Region::parse(region).expect("a region"))
    }

    async fn rule(&self, region: &str, compartment: &str) -> String {
        let request = ListRulesRequest { compartment_id: compartment.into(), limit: Some(50), ..Default::default() };
        let rules = self.client(region).list_rules(&request).await.expect("rules").body;
        assert_eq!(rules.len(), 1, "one rule per target");
        rules[0].id.clone()
    }

    async fn check(&self) -> SetHealth {
        let (status, body) = self.admin.call(Method::POST, &format!("{}/health", self.set), json!({})).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).expect("a set's health")
    }

    async fn stored(&self) -> SetHealth {
        self.admin.read(&format!("{}/health", self.set)).await
    }
}

/// Deploys the template to two new compartments in the home region and Frankfurt.
async fn deploy<'a>(app: &'a TestApp, admin: &'a Session) -> Deployed<'a> {
    let team = admin.me.teams[0].team_id;
    let (base, _) = sandbox(admin).await;
    let connection_id: i64 = base.rsplit('/').next().and_then(|id| id.parse().ok()).expect("a connection id");
    let (status, inbox) =
        admin.call(Method::POST, &format!("/api/v1/teams/{team}/inboxes"), json!({"name": "on-call"})).await;
    assert_eq!(status, 200, "{inbox}");
    let inbox: Inbox = serde_json::from_value(inbox).expect("an inbox");
    let (status, created) = admin
        .call(Method::POST, &format!("/api/v1/teams/{team}/templates"), json!({"source": {"document": template()}}))
        .await;
    assert_eq!(status, 200, "{created}");
    let mut compartments = Vec::new();
    for name in ["proj-a", "proj-b"] {
        let details =
            CreateCompartmentDetails { compartment_id: PROD.into(), name: name.into(), description: name.into() };
        compartments.push(app.builtin.client.create_compartment(&details).await.expect("a compartment").body.id);
    }
    let request = json!({
        "template_id": created["template"]["id"],
        "version": 1,
        "connection_id": connection_id,
        "scope": {"regions": ["us-ashburn-1", FRANKFURT], "compartments": compartments},
        "parameters": {"hook": inbox.url},
    });
    let sets = format!("/api/v1/teams/{team}/deployment-sets");
    let (status, review) = admin.call(Method::POST, &format!("{sets}/plan"), request.clone()).await;
    assert_eq!(status, 200, "{review}");
    let mut create = request;
    create["name"] = json!("projects");
    create["digest"] = review["digest"].clone();
    let (status, body) = admin.call(Method::POST, &sets, create).await;
    assert_eq!(status, 200, "{body}");
    let started: SetRun = serde_json::from_value(body).expect("a set run");
    let set = format!("{sets}/{}", started.set_id);
    until(|| async {
        let detail: SetDetail = admin.read(&set).await;
        detail.targets.iter().all(|t| t.last_run.as_ref().is_some_and(|r| r.state == RunState::Succeeded))
    })
    .await;
    let compartments = [compartments[0].clone(), compartments[1].clone()];
    let d = Deployed { app, admin, team, base, set, inbox, compartments };
    // The inbox confirms each subscription once the sandbox asks it to.
    until(|| async {
        let mut active = 0;
        for region in ["us-ashburn-1", FRANKFURT] {
            for compartment in &d.compartments {
                let subscriptions = d.client(region).list_all_subscriptions(compartment, None).await.expect("listed");
                active += subscriptions.iter().filter(|s| s.lifecycle_state.as_str() == "ACTIVE").count();
            }
        }
        active == 4
    })
    .await;
    d
}

fn statuses(health: &SetHealth) -> Vec<(String, String, Option<HealthStatus>)> {
    health.targets.iter().map(|t| (t.region.clone(), t.compartment_id.clone(), t.status)).collect()
}

#[tokio::test]
async fn a_sets_health_checks_every_target_in_its_own_region() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let d = deploy(&app, &admin).await;
    let [a, b] = &d.compartments;

    // Before any check every target is unchecked, its rule counted.
    let before = d.stored().await;
    assert_eq!((before.healthy, before.unchecked, before.targets.len()), (0, 4, 4), "{before:?}");
    assert!(before.targets.iter().all(|t| t.unchecked == 1 && t.status.is_none()));
    assert_eq!(before.checked_at, None);

    // Each target is healthy in its region.
    assert_eq!(d.check().await.healthy, 4);
    let healthy = d.stored().await;
    assert_eq!((healthy.healthy, healthy.degraded, healthy.broken, healthy.unchecked), (4, 0, 0, 0));
    let mut regions: Vec<&str> = healthy.targets.iter().map(|t| t.region.as_str()).collect();
    regions.sort();
    assert_eq!(regions, [FRANKFURT, FRANKFURT, "us-ashburn-1", "us-ashburn-1"]);
    assert!(healthy.checked_at.is_some());

    // Frankfurt's proj-a rule is disabled out of band: that target alone is broken, first, named.
    let frankfurt_a = d.rule(FRANKFURT, a).await;
    let off = UpdateRuleDetails { is_enabled: Some(false), ..Default::default() };
    d.client(FRANKFURT).update_rule(&frankfurt_a, &off, None).await.expect("disabled");
    let broken = d.check().await;
    assert_eq!((broken.healthy, broken.broken), (3, 1), "{:?}", statuses(&broken));
    let first = &broken.targets[0];
    assert_eq!((first.region.as_str(), first.compartment_id.as_str()), (FRANKFURT, a.as_str()));
    assert_eq!(first.status, Some(HealthStatus::Broken));
    assert!(first.pipelines[0].reasons.iter().any(|r| r.contains("is disabled")), "{first:?}");
    assert_eq!(first.pipelines[0].region.as_deref(), Some(FRANKFURT));
    let changes: Vec<(String, String)> = sqlx::query_as(
        "SELECT target_id, detail FROM audit_events WHERE action = 'pipeline.health_change' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("audit rows");
    assert_eq!(changes, [(frankfurt_a.clone(), "healthy → broken".to_owned())], "one change, audited once");

    // The Health page's check of proj-a in the home region (by default, or by naming it) stores
    // the home rows only: Frankfurt's broken status stays.
    let connection = &d.base;
    for query in [format!("compartment_id={a}"), format!("compartment_id={a}&region=us-ashburn-1")] {
        let (status, body) = admin.call(Method::POST, &format!("{connection}/health?{query}"), json!({})).await;
        assert_eq!(status, 200, "{body}");
        let report: HealthReport = serde_json::from_value(body).expect("a report");
        assert_eq!(report.pipelines.len(), 1);
        assert_eq!(report.pipelines[0].status, HealthStatus::Healthy, "the home region's rule is on");
    }
    assert_eq!(statuses(&d.stored().await), statuses(&broken), "the other region's statuses are kept");
    let overview: HealthOverview = admin.read(&format!("/api/v1/teams/{}/health", d.team)).await;
    assert_eq!((overview.healthy, overview.broken), (3, 1));
    assert_eq!(overview.pipelines[0].region.as_deref(), Some(FRANKFURT));

    // The Health page's check in Frankfurt sees the disabled rule; a bad region is named.
    let (status, body) = admin
        .call(Method::POST, &format!("{connection}/health?compartment_id={a}&region={FRANKFURT}"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let report: HealthReport = serde_json::from_value(body).expect("a report");
    assert_eq!(
        (report.pipelines[0].rule_id.as_str(), report.pipelines[0].status),
        (frankfurt_a.as_str(), HealthStatus::Broken)
    );
    for bad in ["mars-1", "eu-frankfurt-1/../x", "EU-FRANKFURT-1", "eu-frankfurt-1%00", "x".repeat(300).as_str()] {
        let path = format!("{connection}/health?compartment_id={a}&region={bad}");
        let (status, body) = admin.call(Method::POST, &path, json!({})).await;
        assert_eq!((status, body["field"].as_str()), (400, Some("region")), "{bad}: {body}");
    }
    assert_eq!(statuses(&d.stored().await), statuses(&broken), "a refused check stores nothing");

    // Verify follows the rule's region: Frankfurt's proj-b pipeline delivers into the inbox; the
    // same rule looked for in the home region does not exist.
    let frankfurt_b = d.rule(FRANKFURT, b).await;
    let verify = format!("{connection}/rules/{frankfurt_b}/verify");
    let (status, body) =
        admin.call(Method::POST, &format!("{verify}?region={FRANKFURT}"), json!({"inbox_id": d.inbox.id})).await;
    assert_eq!(status, 200, "{body}");
    let report: VerifyReport = serde_json::from_value(body).expect("a verify report");
    assert!(report.ok, "{report:?}");
    let (status, body) = admin.call(Method::POST, &verify, json!({"inbox_id": d.inbox.id})).await;
    assert_eq!(status, 404, "not in the home region: {body}");
    let (status, body) =
        admin.call(Method::POST, &format!("{verify}?region=nowhere"), json!({"inbox_id": d.inbox.id})).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("region")), "{body}");
}

#[tokio::test]
async fn a_set_whose_target_cannot_be_read_names_it_and_checks_the_others() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let d = deploy(&app, &admin).await;
    assert_eq!(d.check().await.healthy, 4);
    let [a, _] = &d.compartments;

    // Frankfurt's proj-a topic is deleted out of band: its action delivers nothing, so the target
    // breaks; a viewer can check and read the set's health, the counts stay per target.
    let topics = d.client(FRANKFURT).list_all_topics(a).await.expect("topics");
    d.client(FRANKFURT).delete_topic(&topics[0].topic_id, None).await.expect("deleted");
    let viewer = app.member(&admin, "vera", d.team, "viewer").await;
    let (status, body) = viewer.call(Method::POST, &format!("{}/health", d.set), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let health: SetHealth = serde_json::from_value(body).expect("a set's health");
    assert_eq!((health.healthy, health.broken), (3, 1), "{:?}", statuses(&health));
    let first = &health.targets[0];
    assert_eq!((first.region.as_str(), first.compartment_id.as_str()), (FRANKFURT, a.as_str()));
    assert!(first.pipelines[0].reasons.iter().any(|r| r.contains("does not exist")), "{first:?}");
    assert!(health.targets.iter().all(|t| t.error.is_none()));

    // Frankfurt's Events service fails every call: its targets are named with why (after a few
    // quick retries) and keep their last statuses; the home region's are checked all the same (the
    // home proj-a rule, now off, turns broken).
    let home_rule = d.rule("us-ashburn-1", a).await;
    let off = UpdateRuleDetails { is_enabled: Some(false), ..Default::default() };
    d.client("us-ashburn-1").update_rule(&home_rule, &off, None).await.expect("disabled");
    let tenancy = app.builtin.sandbox.tenancy().to_owned();
    let regional = app.builtin.host.regional_tenant(&tenancy, &Region::parse(FRANKFURT).expect("a region"));
    let failing = FaultSpec { error_rate: 1.0, ..FaultSpec::default() };
    regional.set_faults([("events".to_owned(), failing)].into()).expect("faults set");
    let partial = d.check().await;
    regional.set_faults(Default::default()).expect("faults cleared");
    let failed: Vec<&str> = partial.targets.iter().filter(|t| t.error.is_some()).map(|t| t.region.as_str()).collect();
    assert_eq!(failed, [FRANKFURT, FRANKFURT], "{:?}", statuses(&partial));
    let said = partial.targets.iter().find_map(|t| t.error.clone()).expect("an error");
    assert!(said.contains("InternalError"), "{said}");
    assert_eq!(
        (partial.broken, partial.healthy),
        (2, 2),
        "the home rule off; Frankfurt's last statuses (one broken, one healthy) kept: {:?}",
        statuses(&partial)
    );

    // Another team's admin cannot read or check it, under either team's path.
    let other = app.create_team(&admin, "Elsewhere").await;
    let mallory = app.member(&admin, "mallory", other, "admin").await;
    let theirs = d.set.replacen(&format!("/teams/{}/", d.team), &format!("/teams/{other}/"), 1);
    for method in [Method::GET, Method::HEAD, Method::POST] {
        let status = mallory.send(method.clone(), &format!("{theirs}/health")).send().await.expect("sent").status();
        assert_eq!(status, 404, "{method} under their own team");
        let status = mallory.send(method.clone(), &format!("{}/health", d.set)).send().await.expect("sent").status();
        assert_eq!(status, 403, "{method} under this team");
    }
}
