//! The inventory behind the lists: changes made through Signalbox are stored from OCI's answer
//! (write-through) without a sync, out-of-band changes arrive with a sync, what OCI no longer
//! lists disappears, a failed sync is shown as failed beside what was read before, lists page by
//! keyset with filters and orders, and nobody reads another team's connection through it.

use crate::helpers::{Session, TestApp, spawn_app, until};
use app::api::inventory::Page;
use app::api::rules::RuleSummary;
use app::api::topics::Topic;
use reqwest::Method;
use serde_json::{Value, json};
use server::oci::events::{ActionDetails, ActionDetailsList, ActionTarget, CreateRuleDetails};
use server::sandbox::FaultSpec;
use std::time::{Duration, Instant};

const DEV: &str = "ocid1.compartment.oc1..sandboxdev";
const PROD: &str = "ocid1.compartment.oc1..sandboxprod";

struct Fixture {
    app: TestApp,
    admin: Session,
    team: i64,
    connection: i64,
    base: String,
    topic: String,
}

impl Fixture {
    async fn new() -> Self {
        let app = spawn_app().await;
        let admin = app.admin().await;
        let team = admin.me.teams[0].team_id;
        let list: Vec<app::api::connections::Connection> =
            admin.read(&format!("/api/v1/teams/{team}/connections")).await;
        let connection = list[0].id;
        let base = format!("/api/v1/teams/{team}/connections/{connection}");
        let (status, topic) =
            admin.call(Method::POST, &format!("{base}/topics"), json!({"compartment_id": DEV, "name": "alerts"})).await;
        assert_eq!(status, 200, "{topic}");
        let topic = topic["id"].as_str().unwrap().to_owned();
        Self { app, admin, team, connection, base, topic }
    }

    async fn rules(&self, query: &str) -> Page<RuleSummary> {
        let response =
            self.admin.get(&format!("{}/rules?compartment_id={DEV}{query}", self.base)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{query}");
        response.json().await.unwrap()
    }

    async fn freshness(&self, refresh: bool) -> app::api::inventory::Freshness {
        self.admin.read(&format!("{}/inventory/freshness?compartment_id={DEV}&refresh={refresh}", self.base)).await
    }

    async fn create_rule(&self, name: &str, enabled: bool) -> Value {
        let body = json!({
            "compartment_id": DEV,
            "name": name,
            "condition": r#"{"eventType":"com.oraclecloud.computeapi.launchinstance.end"}"#,
            "is_enabled": enabled,
            "actions": [{"kind": "ONS", "target_id": self.topic}],
        });
        let (status, created) = self.admin.call(Method::POST, &format!("{}/rules", self.base), body).await;
        assert_eq!(status, 200, "{created}");
        created
    }

    /// A rule made in the sandbox without Signalbox knowing, as another tool would.
    async fn create_out_of_band(&self, name: &str) -> String {
        let details = CreateRuleDetails {
            display_name: name.into(),
            description: None,
            is_enabled: true,
            condition: r#"{"eventType":"com.oraclecloud.objectstorage.createobject"}"#.into(),
            compartment_id: DEV.into(),
            actions: ActionDetailsList {
                actions: vec![ActionDetails {
                    target: ActionTarget::Notifications { topic_id: Some(self.topic.clone()) },
                    is_enabled: true,
                    description: None,
                }],
            },
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
        };
        self.app.builtin.client.create_rule(&details).await.unwrap().body.id
    }

    /// When the inventory last stored what OCI said of `id` (Unix ms).
    async fn read_at(&self, id: &str) -> i64 {
        sqlx::query_scalar("SELECT read_at FROM inventory_items WHERE id = $1")
            .bind(id)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    async fn subscribe(&self, email: &str) {
        let path = format!("{}/topics/{}/subscriptions", self.base, self.topic);
        let (status, sub) = self.admin.call(Method::POST, &path, json!({"protocol": "EMAIL", "endpoint": email})).await;
        assert_eq!(status, 200, "{sub}");
    }

    async fn faults(&self, spec: FaultSpec) {
        self.faults_of("events", spec).await;
    }

    async fn faults_of(&self, service: &str, spec: FaultSpec) {
        let sandbox = self.app.builtin.for_team(self.team).await.unwrap().sandbox;
        sandbox.set_faults([(service.to_owned(), spec)].into()).unwrap();
    }
}

fn names(page: &Page<RuleSummary>) -> Vec<&str> {
    page.items.iter().map(|r| r.name.as_str()).collect()
}

#[tokio::test]
async fn changes_made_through_signalbox_are_stored_from_ocis_answer_without_a_sync() {
    let f = Fixture::new().await;
    let first = f.rules("").await;
    assert!(first.items.is_empty());
    let synced = first.freshness.synced_at.expect("the first look syncs");

    let created = f.create_rule("write-through", true).await;
    let id = created["id"].as_str().unwrap();
    let (state, body, actions): (String, String, Option<String>) =
        sqlx::query_as("SELECT state, body, actions FROM inventory_items WHERE kind = 'rule' AND id = $1 AND gone = 0")
            .bind(id)
            .fetch_one(&f.app.pool)
            .await
            .unwrap();
    let answered = f.app.builtin.client.get_rule(id).await.unwrap().body;
    assert_eq!(state, answered.lifecycle_state.as_str(), "the state OCI answered");
    let stored: RuleSummary = serde_json::from_str(&body).unwrap();
    assert_eq!((stored.name.as_str(), stored.created_at), ("write-through", answered.time_created));
    assert!(actions.unwrap().contains(&f.topic), "the actions OCI answered");

    let listed = f.rules("").await;
    assert_eq!(names(&listed), ["write-through"]);
    assert_eq!(listed.freshness.synced_at, Some(synced), "shown from the write, not from a new sync");

    let path = format!("{}/rules/{id}", f.base);
    let (status, _) = f.admin.call(Method::PATCH, &path, json!({"is_enabled": false})).await;
    assert_eq!(status, 200);
    assert!(!f.rules("").await.items[0].is_enabled);
    let deleted = f.admin.send(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let after = f.rules("").await;
    assert!(after.items.is_empty() && after.total == 0, "{:?}", names(&after));
    assert_eq!(after.freshness.synced_at, Some(synced));

    // Topics too, with their subscription counts.
    f.subscribe("ops@example.com").await;
    let topics: Page<Topic> = f.admin.read(&format!("{}/topics?compartment_id={DEV}", f.base)).await;
    assert_eq!(topics.items.len(), 1);
    assert_eq!(topics.items[0].subscriptions.pending, 1, "{:?}", topics.items[0]);
}

#[tokio::test]
async fn out_of_band_changes_arrive_with_a_sync_and_what_oci_no_longer_lists_disappears() {
    let f = Fixture::new().await;
    f.create_rule("known", true).await;
    assert_eq!(names(&f.rules("").await), ["known"]);

    let outside = f.create_out_of_band("made-elsewhere").await;
    let stale = f.rules("").await;
    assert_eq!(names(&stale), ["known"], "the inventory answers without asking OCI");
    let refreshed = f.rules("&refresh=true").await;
    assert_eq!(names(&refreshed), ["known", "made-elsewhere"]);
    assert!(refreshed.freshness.synced_at > stale.freshness.synced_at);

    // Its actions are read beside the page (OCI's list has none); the target filter finds it then.
    let mut found = Vec::new();
    for _ in 0..100 {
        found = f.rules(&format!("&target_id={}", f.topic)).await.items;
        if found.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(found.len(), 2, "both rules send to the topic");

    f.app.builtin.client.delete_rule(&outside, None).await.unwrap();
    assert_eq!(names(&f.rules("&refresh=true").await), ["known"], "a rule deleted out of band disappears");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory_items WHERE id = $1")
        .bind(&outside)
        .fetch_one(&f.app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "not even a row lingers");

    // A topic deleted out of band goes from the topic list too.
    f.app.builtin.client.delete_topic(&f.topic, None).await.unwrap();
    let topics: Page<Topic> = f.admin.read(&format!("{}/topics?compartment_id={DEV}&refresh=true", f.base)).await;
    assert!(topics.items.iter().all(|t| t.id != f.topic), "{:?}", topics.items);
}

#[tokio::test]
async fn a_failed_sync_is_shown_as_failed_beside_what_was_read_before() {
    let f = Fixture::new().await;
    f.create_rule("still-here", true).await;
    let good = f.rules("").await;
    assert!(good.freshness.error.is_none());

    f.faults(FaultSpec { error_rate: 1.0, ..FaultSpec::default() }).await;
    let failed = f.rules("&refresh=true").await;
    assert_eq!(names(&failed), ["still-here"], "what was read before is still shown");
    let error = failed.freshness.error.as_deref().expect("the failure is said");
    assert!(error.contains("500") || error.contains("InternalError"), "{error}");
    assert!(failed.freshness.failed_at.is_some());
    assert_eq!(failed.freshness.synced_at, good.freshness.synced_at, "not reported as fresher than it is");

    // A compartment never read has nothing to show: the page gets the error itself.
    let response = f.admin.get(&format!("{}/rules?compartment_id={PROD}", f.base)).send().await.unwrap();
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "cloud_error", "{body}");

    f.faults(FaultSpec::default()).await;
    let recovered = f.rules("&refresh=true").await;
    assert!(recovered.freshness.error.is_none() && recovered.freshness.failed_at.is_none());
    assert!(recovered.freshness.synced_at > good.freshness.synced_at);
}

#[tokio::test]
async fn a_rules_page_reads_the_inventory_and_says_how_fresh_it_is() {
    let f = Fixture::new().await;
    let id = f.create_rule("before", true).await["id"].as_str().unwrap().to_owned();
    let path = format!("{}/rules/{id}", f.base);
    let first = f.freshness(false).await;
    assert!(first.synced_at.is_some() && first.error.is_none(), "{first:?}");

    // Renamed out of band: the page shows the stored copy until the compartment is read again.
    let update = server::oci::events::UpdateRuleDetails { display_name: Some("after".into()), ..Default::default() };
    f.app.builtin.client.update_rule(&id, &update, None).await.unwrap();
    let stored: app::api::rules::Rule = f.admin.read(&path).await;
    assert_eq!((stored.name.as_str(), stored.actions.len()), ("before", 1), "answered from the inventory");
    let refreshed = f.freshness(true).await;
    assert!(refreshed.synced_at > first.synced_at, "{refreshed:?}");
    let read: app::api::rules::Rule = f.admin.read(&path).await;
    assert_eq!((read.name.as_str(), read.actions.len()), ("after", 1));

    // A refresh that fails is said in the answer; what was read stays.
    f.faults(FaultSpec { error_rate: 1.0, ..FaultSpec::default() }).await;
    let failed = f.freshness(true).await;
    assert!(failed.failed() && failed.synced_at == refreshed.synced_at, "{failed:?}");
    f.faults(FaultSpec::default()).await;

    // Deleted out of band while Notifications fails every sync: the stored copy cannot be
    // trusted, so the page asks Events, gets 404, and the rule leaves the list at once.
    f.app.builtin.client.delete_rule(&id, None).await.unwrap();
    let sandbox = f.app.builtin.for_team(f.team).await.unwrap().sandbox;
    let broken = FaultSpec { error_rate: 1.0, ..FaultSpec::default() };
    sandbox.set_faults([("notifications".to_owned(), broken)].into()).unwrap();
    assert!(f.freshness(true).await.failed());
    let response = f.admin.get(&path).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(f.rules("").await.total, 0, "gone from the list without a sync");
    sandbox.set_faults(Default::default()).unwrap();

    for query in [
        "",
        "?compartment_id=",
        "?compartment_id=ocid1.topic.oc1..x",
        "?compartment_id=ocid1.compartment.oc1..x&refresh=yes",
    ] {
        let response = f.admin.get(&format!("{}/inventory/freshness{query}", f.base)).send().await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(body["field"] == "compartment_id" || body["field"] == "refresh", "{query}: {body}");
    }
}

#[tokio::test]
async fn lists_page_by_keyset_with_filters_and_orders() {
    let f = Fixture::new().await;
    for i in 0..7 {
        f.create_rule(&format!("rule-{i}"), i % 2 == 0).await;
    }
    let first = f.rules("&limit=3").await;
    assert_eq!((names(&first), first.total, first.previous.is_none()), (vec!["rule-0", "rule-1", "rule-2"], 7, true));
    let second = f.rules(&format!("&limit=3&after={}", first.next.as_deref().unwrap())).await;
    assert_eq!(names(&second), ["rule-3", "rule-4", "rule-5"]);
    let third = f.rules(&format!("&limit=3&after={}", second.next.as_deref().unwrap())).await;
    assert_eq!((names(&third), third.next.is_none()), (vec!["rule-6"], true));
    let back = f.rules(&format!("&limit=3&before={}", third.previous.as_deref().unwrap())).await;
    assert_eq!(names(&back), ["rule-3", "rule-4", "rule-5"]);
    let start = f.rules(&format!("&limit=3&before={}", back.previous.as_deref().unwrap())).await;
    assert_eq!((names(&start), start.previous.is_none()), (vec!["rule-0", "rule-1", "rule-2"], true));

    // A rule created between pages is neither skipped nor shown twice.
    f.create_rule("rule-35", true).await;
    let moved_on = f.rules(&format!("&limit=3&after={}", first.next.as_deref().unwrap())).await;
    assert_eq!(names(&moved_on), ["rule-3", "rule-35", "rule-4"]);

    let newest = f.rules("&sort=newest&limit=2").await;
    assert_eq!(names(&newest), ["rule-35", "rule-6"]);
    let older = f.rules(&format!("&sort=newest&limit=2&after={}", newest.next.unwrap())).await;
    assert_eq!(names(&older), ["rule-5", "rule-4"]);
    let oldest = f.rules("&sort=oldest&limit=2").await;
    assert_eq!(names(&oldest), ["rule-0", "rule-1"]);
    let later = f.rules(&format!("&sort=oldest&limit=2&after={}", oldest.next.unwrap())).await;
    assert_eq!(names(&later), ["rule-2", "rule-3"]);

    let disabled = f.rules("&enabled=false&limit=2").await;
    assert_eq!((names(&disabled), disabled.total), (vec!["rule-1", "rule-3"], 3));
    let text = f.rules("&q=RULE-3").await;
    assert_eq!(names(&text), ["rule-3", "rule-35"]);
    assert_eq!(f.rules("&state=ACTIVE").await.total, 8);
    assert_eq!(f.rules("&action_type=FAAS").await.total, 0);

    for (query, field) in [
        ("&limit=0", "limit"),
        ("&limit=201", "limit"),
        ("&after=not-a-cursor!", "after"),
        ("&before=%FF", "before"),
        (&format!("&after={0}&before={0}", first.next.as_deref().unwrap()), "before"),
        ("&sort=sideways", "sort"),
        ("&target_id=ocid1.instance.oc1..x", "target_id"),
        ("&state=SLEEPING", "state"),
    ] {
        let response = f.admin.get(&format!("{}/rules?compartment_id={DEV}{query}", f.base)).send().await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], field, "{query}: {body}");
    }
    let topics = f.admin.get(&format!("{}/topics?compartment_id={DEV}&limit=500", f.base)).send().await.unwrap();
    assert_eq!(topics.status(), 400);
}

#[tokio::test]
async fn another_teams_connection_cannot_be_read_through_the_inventory() {
    let f = Fixture::new().await;
    f.create_rule("secret-rule", true).await;
    assert_eq!(f.rules("").await.total, 1);
    let other = f.app.create_team(&f.admin, "Other").await;
    let bob = f.app.member(&f.admin, "bob", other, "admin").await;
    let mut lists = vec!["compartments".to_owned()];
    for compartment in [DEV, PROD] {
        for kind in ["rules", "topics", "functions", "subscriptions", "inventory/freshness"] {
            lists.push(format!("{kind}?compartment_id={compartment}"));
        }
    }
    for list in &lists {
        for team in [other, f.team] {
            for method in [Method::GET, Method::HEAD] {
                let path = format!("/api/v1/teams/{team}/connections/{}/{list}", f.connection);
                let response = bob.client.request(method.clone(), f.app.url(&path)).send().await.unwrap();
                let status = response.status().as_u16();
                assert!(matches!(status, 403 | 404), "{method} {path}: {status}");
                let body = response.text().await.unwrap();
                assert!(!body.contains("secret-rule") && !body.contains("alerts"), "{method} {path}: {body}");
            }
        }
    }
    let watched: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory_syncs WHERE compartment_id = $1")
        .bind(PROD)
        .fetch_one(&f.app.pool)
        .await
        .unwrap();
    assert_eq!(watched, 0, "a refused look leaves nothing behind");
}

#[tokio::test]
async fn the_change_feed_brings_out_of_band_changes_within_seconds_and_tells_open_pages() {
    let f = Fixture::new().await;
    f.create_rule("known", true).await;
    assert_eq!(names(&f.rules("").await), ["known"]);

    // An open page listens for changes to its compartment.
    let mut stream = f.admin.get(&format!("{}/inventory/changes?compartment_id={DEV}", f.base)).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let (told, mut heard) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(chunk)) = stream.chunk().await {
            if String::from_utf8_lossy(&chunk).contains("event: changed") && told.send(Instant::now()).is_err() {
                return;
            }
        }
    });

    let changed_at = Instant::now();
    let outside = f.create_out_of_band("made-elsewhere").await;
    let seen_after = until(|| async { names(&f.rules("").await).contains(&"made-elsewhere") }).await;
    assert!(seen_after < Duration::from_secs(10), "shown {seen_after:?} after the change");
    let told_at = tokio::time::timeout(Duration::from_secs(10), heard.recv()).await.unwrap().unwrap();
    assert!(told_at - changed_at < Duration::from_secs(10));

    // A delete out of band disappears the same way, without anyone pressing Refresh.
    f.app.builtin.client.delete_rule(&outside, None).await.unwrap();
    let gone_after = until(|| async { names(&f.rules("").await) == ["known"] }).await;
    assert!(gone_after < Duration::from_secs(10), "gone {gone_after:?} after the delete");

    // A subscription confirmed by its endpoint (the link followed outside Signalbox) turns ACTIVE.
    f.subscribe("ops@example.com").await;
    let topics = || async {
        let page: Page<Topic> = f.admin.read(&format!("{}/topics?compartment_id={DEV}", f.base)).await;
        page.items[0].subscriptions
    };
    assert_eq!(topics().await.pending, 1);
    let sandbox = f.app.builtin.for_team(f.team).await.unwrap().sandbox;
    let mail = sandbox.outbox().into_iter().find(|m| m.to == "ops@example.com").expect("a confirmation mail");
    let link = mail.body.split_whitespace().find(|w| w.contains("/confirmation?")).expect("a confirmation link");
    let confirmed = f.app.client.get(link).send().await.unwrap();
    assert!(confirmed.status().is_success(), "{}", confirmed.status());
    let active_after = until(|| async { topics().await.active == 1 }).await;
    assert!(active_after < Duration::from_secs(10), "active {active_after:?} after the confirmation");
}

/// The Events path: the `live-inventory` starter, deployed with one of the team's inboxes, makes
/// a change made elsewhere show within a second, even with the audit feed down. An event is only
/// a hint: a forged one posted to the inbox is read from OCI and changes nothing OCI does not
/// say, and another team's inbox reads nothing of this team's.
#[tokio::test]
async fn change_events_delivered_to_an_inbox_bring_changes_within_a_second() {
    let f = Fixture::new().await;
    let (status, inbox) =
        f.admin.call(Method::POST, &format!("/api/v1/teams/{}/inboxes", f.team), json!({"name": "changes"})).await;
    assert_eq!(status, 200, "{inbox}");
    let inbox_url = inbox["url"].as_str().unwrap().to_owned();
    let deployments = format!("/api/v1/teams/{}/deployments", f.team);
    let (status, template) = f
        .admin
        .call(
            Method::POST,
            &format!("/api/v1/teams/{}/templates", f.team),
            json!({"source": {"starter": "live-inventory"}}),
        )
        .await;
    assert_eq!(status, 200, "{template}");
    let mut target = json!({
        "template_id": template["template"]["id"],
        "version": 1,
        "connection_id": f.connection,
        "compartment_id": DEV,
        "parameters": {"prefix": "sbx", "inbox_url": inbox_url},
    });
    let (status, review) = f.admin.call(Method::POST, &format!("{deployments}/plan"), target.clone()).await;
    assert_eq!(status, 200, "{review}");
    target["name"] = json!("live inventory");
    target["digest"] = review["digest"].clone();
    let (status, run) = f.admin.call(Method::POST, &deployments, target).await;
    assert_eq!(status, 200, "{run}");
    let subscriptions = format!("{}/topics?compartment_id={DEV}&q=sbx-inventory-changes", f.base);
    until(|| async {
        let page: Page<Topic> = f.admin.read(&subscriptions).await;
        page.items.first().is_some_and(|t| t.subscriptions.active == 1)
    })
    .await;
    assert_eq!(names(&f.rules("").await), ["sbx-inventory-changes"]);

    // The audit feed is down: only the Events path can bring the change.
    f.faults_of("audit", FaultSpec { error_rate: 1.0, ..Default::default() }).await;
    let outside = f.create_out_of_band("made-elsewhere").await;
    let seen_after = until(|| async { names(&f.rules("").await).contains(&"made-elsewhere") }).await;
    assert!(seen_after < Duration::from_secs(10), "shown {seen_after:?} after the change");
    eprintln!("an out-of-band create showed {seen_after:?} after it was made, through Events");
    let heard = f.freshness(false).await.heard_at.expect("the freshness says changes arrive live");
    f.app.builtin.client.delete_rule(&outside, None).await.unwrap();
    let gone_after = until(|| async { !names(&f.rules("").await).contains(&"made-elsewhere") }).await;
    assert!(gone_after < Duration::from_secs(10), "gone {gone_after:?} after the delete");

    // A forged event says the live rule was deleted: it is read from OCI, which still has it.
    let live_rule = f.rules("").await.items[0].id.clone();
    let forged = json!({
        "eventType": "com.oraclecloud.eventsservice.deleterule",
        "eventTime": chrono::Utc::now().to_rfc3339(),
        "data": {"compartmentId": DEV, "resourceId": live_rule},
    });
    let read_at = || f.read_at(&live_rule);
    let read_before = read_at().await;
    let posted =
        f.app.client.post(&inbox_url).header("x-oci-ns-messageid", "forged-1").json(&forged).send().await.unwrap();
    assert_eq!(posted.status(), 200);
    until(|| async { read_at().await > read_before }).await;
    assert!(f.freshness(false).await.heard_at > Some(heard));
    assert_eq!(names(&f.rules("").await), ["sbx-inventory-changes"], "OCI still has it, so the list does");

    // Another team's inbox hears of this team's rule: none of its connections keeps it.
    let other_team = f.app.create_team(&f.admin, "others").await;
    let (status, other) =
        f.admin.call(Method::POST, &format!("/api/v1/teams/{other_team}/inboxes"), json!({"name": "x"})).await;
    assert_eq!(status, 200, "{other}");
    let heard = f.freshness(false).await.heard_at;
    let read_before = read_at().await;
    let posted = f
        .app
        .client
        .post(other["url"].as_str().unwrap())
        .header("x-oci-ns-messageid", "forged-2")
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(f.freshness(false).await.heard_at, heard);
    assert_eq!(read_at().await, read_before, "nothing read again for the other team's inbox");
}

/// The change feed does not read again what this server wrote itself (its copy is OCI's answer
/// to the write), and still reads what others changed in the same window: after an apply of
/// thousands of resources it would otherwise read every one of them again.
#[tokio::test]
async fn the_feed_skips_this_servers_own_writes() {
    let f = Fixture::new().await;
    assert!(names(&f.rules("").await).is_empty());
    let mine = f.create_rule("mine", true).await;
    let mine = mine["id"].as_str().unwrap().to_owned();
    let read_at = || f.read_at(&mine);
    let written = read_at().await;
    f.create_out_of_band("theirs").await;
    // The feed read that brings their rule covers the audit events of both writes.
    let seen_after = until(|| async { names(&f.rules("").await).contains(&"theirs") }).await;
    assert!(seen_after < Duration::from_secs(10), "shown {seen_after:?} after the change");
    assert_eq!(read_at().await, written, "this server's own write is not read again");
}
