//! Pre-flight checks through the built-in sandbox, which models policies, groups, memberships and
//! bucket flags: each check is shown failing, then passing once the cloud is fixed the way the
//! finding says (the remedy's own statement is what the test adds).

use crate::helpers::{Session, spawn_app};
use app::api::functions::FunctionSummary;
use app::api::preflight::{CheckKind, Finding, Outcome, PreflightReport};
use reqwest::Method;
use serde_json::{Value, json};
use server::oci::identity::{AddUserToGroupDetails, CreateGroupDetails, CreatePolicyDetails};
use server::oci::objectstorage::{CreateBucketDetails, UpdateBucketDetails};

const DEV: &str = "ocid1.compartment.oc1..sandboxdev";
const OBJECTS: &str = r#"{"eventType": ["com.oraclecloud.objectstorage.createobject"]}"#;

async fn preflight(admin: &Session, base: &str, body: Value) -> (u16, Value) {
    let response = admin.send(Method::POST, &format!("{base}/preflight")).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn report(admin: &Session, base: &str, body: Value) -> PreflightReport {
    let (status, body) = preflight(admin, base, body).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

fn one(report: &PreflightReport, kind: CheckKind, subject: &str) -> Finding {
    let found: Vec<_> = report.findings.iter().filter(|f| f.kind == kind && f.subject.contains(subject)).collect();
    assert_eq!(found.len(), 1, "one {kind:?} about {subject}: {:#?}", report.findings);
    found[0].clone()
}

struct Setup {
    base: String,
    topic: String,
    function: String,
}

async fn setup(admin: &Session) -> Setup {
    let (base, _) = crate::helpers::sandbox(admin).await;
    let created = admin
        .send(Method::POST, &format!("{base}/topics"))
        .json(&json!({"compartment_id": DEV, "name": "infra-alerts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let topic = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let functions: Vec<FunctionSummary> =
        admin.get(&format!("{base}/functions?compartment_id={DEV}")).send().await.unwrap().json().await.unwrap();
    let function = functions.iter().find(|f| f.name == "event-logger").expect("a sample function").id.clone();
    Setup { base, topic, function }
}

fn draft(name: &str, condition: &str, actions: Value) -> Value {
    json!({"compartment_id": DEV, "rules": [{"name": name, "condition": condition, "actions": actions}]})
}

/// A Functions rule without the Events policy is flagged with the statement to add; adding that
/// statement clears it. The topic without subscribers is a warning; the connection's user, an
/// administrator, passes every permission check.
#[tokio::test]
async fn a_functions_rule_needs_the_events_policy() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let s = setup(&admin).await;
    let body = draft(
        "to-logger",
        r#"{"eventType": "com.oraclecloud.computeapi.launchinstance.end"}"#,
        json!([{"kind": "FAAS", "target_id": s.function}, {"kind": "ONS", "target_id": s.topic}]),
    );
    let before = report(&admin, &s.base, body.clone()).await;
    let events = one(&before, CheckKind::EventsPolicy, "event-logger");
    assert_eq!(events.outcome, Outcome::Warning, "{events:?}");
    assert_eq!(events.rules, ["to-logger"]);
    let statement = events.remedy.as_ref().and_then(|r| r.statement.clone()).expect("the statement to add");
    assert_eq!(statement, "Allow service cloudEvents to use functions-family in compartment dev");
    assert!(events.remedy.as_ref().unwrap().cli.as_ref().unwrap().contains("oci iam policy create"), "{events:?}");
    let function = one(&before, CheckKind::Target, "event-logger");
    assert_eq!(function.outcome, Outcome::Pass, "{function:?}");
    assert_eq!(one(&before, CheckKind::Target, "infra-alerts").outcome, Outcome::Pass);
    let subscribers = one(&before, CheckKind::Subscription, "infra-alerts");
    assert_eq!(subscribers.outcome, Outcome::Warning);
    assert!(subscribers.message.contains("no subscriptions"), "{subscribers:?}");
    let manage = one(&before, CheckKind::UserPolicy, "manage cloudevents-rules in compartment dev");
    assert_eq!(manage.outcome, Outcome::Pass);
    assert!(manage.message.contains("Tenant Admin Policy"), "{manage:?}");
    assert!(!before.is_blocked(), "{before:#?}");
    assert_eq!(before.findings.first().map(|f| f.outcome), Some(Outcome::Warning), "worst first");

    let client = &app.builtin.client;
    let tenancy = server::builtin::tenancy_of(admin.me.teams[0].team_id);
    let details = CreatePolicyDetails {
        compartment_id: tenancy,
        name: "events-to-functions".into(),
        statements: vec![statement],
        description: "as the finding said".into(),
    };
    client.create_policy(&details).await.expect("the policy is added");
    let after = report(&admin, &s.base, body).await;
    let events = one(&after, CheckKind::EventsPolicy, "event-logger");
    assert_eq!(events.outcome, Outcome::Pass, "{events:?}");
    assert!(events.message.contains("events-to-functions"), "{events:?}");
}

/// The connection's user taken out of Administrators and put in a group that may only manage
/// rules: publishing to the topic is blocking, with the statement naming that group; the grant
/// added, it passes. A target that does not exist is blocking too.
#[tokio::test]
async fn the_connections_own_permissions_and_missing_targets_block() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let s = setup(&admin).await;
    let client = &app.builtin.client;
    let tenancy = server::builtin::tenancy_of(admin.me.teams[0].team_id);
    let user = server::builtin::BUILTIN_USER;
    let memberships = client.list_user_group_memberships(&tenancy, user, None).await.unwrap().body;
    assert_eq!(memberships.len(), 1, "the key's user starts as an administrator");
    client.remove_user_from_group(&memberships[0].id).await.unwrap();
    let body = draft(
        "to-topic",
        r#"{"eventType": "com.oraclecloud.computeapi.launchinstance.end"}"#,
        json!([{"kind": "ONS", "target_id": s.topic}]),
    );
    let groupless = report(&admin, &s.base, body.clone()).await;
    let unknown = one(&groupless, CheckKind::UserPolicy, "permissions");
    assert_eq!(unknown.outcome, Outcome::Unknown, "no group seen is not taken for no permission: {unknown:?}");
    assert!(unknown.message.contains("identity domain"), "{unknown:?}");
    assert!(!groupless.is_blocked());
    let group = client
        .create_group(&CreateGroupDetails {
            compartment_id: tenancy.clone(),
            name: "EventAdmins".into(),
            description: "rules".into(),
        })
        .await
        .unwrap()
        .body;
    client.add_user_to_group(&AddUserToGroupDetails { user_id: user.into(), group_id: group.id }).await.unwrap();
    let rules_only = CreatePolicyDetails {
        compartment_id: tenancy.clone(),
        name: "event-admins".into(),
        statements: vec![
            "Allow group EventAdmins to manage cloudevents-rules in compartment dev".into(),
            "Allow group EventAdmins to inspect compartments in tenancy".into(),
        ],
        description: String::new(),
    };
    client.create_policy(&rules_only).await.unwrap();

    let before = report(&admin, &s.base, body.clone()).await;
    assert!(before.is_blocked());
    let publish = one(&before, CheckKind::UserPolicy, "use ons-topics");
    assert_eq!(publish.outcome, Outcome::Blocking, "{publish:?}");
    assert!(publish.message.contains("EventAdmins"), "{publish:?}");
    let statement = publish.remedy.and_then(|r| r.statement).unwrap();
    assert_eq!(statement, "Allow group EventAdmins to use ons-topics in compartment dev");
    assert_eq!(one(&before, CheckKind::UserPolicy, "manage cloudevents-rules").outcome, Outcome::Pass);

    let grant = CreatePolicyDetails {
        compartment_id: tenancy,
        name: "publish".into(),
        statements: vec![statement],
        description: String::new(),
    };
    client.create_policy(&grant).await.unwrap();
    let after = report(&admin, &s.base, body).await;
    assert_eq!(one(&after, CheckKind::UserPolicy, "use ons-topics").outcome, Outcome::Pass);
    assert!(!after.is_blocked(), "{after:#?}");

    let nowhere = "ocid1.onstopic.oc1.iad.aaaaaaaanosuchtopic";
    let missing = report(&admin, &s.base, draft("lost", "{}", json!([{"kind": "ONS", "target_id": nowhere}]))).await;
    let target = one(&missing, CheckKind::Target, nowhere);
    assert_eq!(target.outcome, Outcome::Blocking, "{target:?}");
    assert!(missing.is_blocked());
}

/// A rule on object events names the buckets of its compartment that would never fire it, and
/// only those its condition does not rule out; turning the flag on clears the finding.
#[tokio::test]
async fn buckets_without_object_events_are_named() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let s = setup(&admin).await;
    let client = &app.builtin.client;
    let namespace = client.get_namespace().await.unwrap().body;
    for (name, emits) in [("uploads", false), ("invoices", true), ("scratch", false)] {
        let details = CreateBucketDetails {
            name: name.into(),
            compartment_id: DEV.into(),
            object_events_enabled: emits,
            freeform_tags: Default::default(),
        };
        client.create_bucket(&namespace, &details).await.unwrap();
    }
    let actions = json!([{"kind": "ONS", "target_id": s.topic}]);
    let all = report(&admin, &s.base, draft("objects", OBJECTS, actions.clone())).await;
    let finding = one(&all, CheckKind::BucketEvents, "buckets");
    assert_eq!(finding.outcome, Outcome::Warning, "{finding:?}");
    assert!(finding.message.starts_with("scratch, uploads never fire"), "{finding:?}");
    assert!(!finding.message.contains("invoices"), "{finding:?}");

    let only_uploads = r#"{"eventType": "com.oraclecloud.objectstorage.createobject", "data": {"additionalDetails": {"bucketName": ["uploads", "invoices"]}}}"#;
    let narrowed = report(&admin, &s.base, draft("uploads", only_uploads, actions.clone())).await;
    let finding = one(&narrowed, CheckKind::BucketEvents, "buckets");
    assert!(finding.message.starts_with("uploads never fires"), "{finding:?}");
    assert_eq!(
        finding.remedy.and_then(|r| r.cli).as_deref(),
        Some("oci os bucket update --bucket-name uploads --object-events-enabled true")
    );
    let enable = UpdateBucketDetails { object_events_enabled: Some(true) };
    client.update_bucket(&namespace, "uploads", &enable).await.unwrap();
    let fixed = report(&admin, &s.base, draft("uploads", only_uploads, actions.clone())).await;
    let finding = one(&fixed, CheckKind::BucketEvents, "buckets");
    assert_eq!(finding.outcome, Outcome::Pass, "{finding:?}");
    assert!(finding.message.contains("All 2 buckets"), "{finding:?}");

    let compute = report(
        &admin,
        &s.base,
        draft("compute", r#"{"eventType": "com.oraclecloud.computeapi.launchinstance.end"}"#, actions),
    )
    .await;
    assert!(compute.findings.iter().all(|f| f.kind != CheckKind::BucketEvents), "not a rule about objects");
}

/// Without drafts, the compartment's rules as OCI has them are checked; bad requests are refused
/// naming the field, before anything is read.
#[tokio::test]
async fn existing_rules_are_checked_and_bad_requests_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let s = setup(&admin).await;
    let rule = json!({"compartment_id": DEV, "name": "existing", "condition": "{}", "actions": [{"kind": "FAAS", "target_id": s.function}]});
    let created = admin.send(Method::POST, &format!("{}/rules", s.base)).json(&rule).send().await.unwrap();
    assert_eq!(created.status(), 200);
    let checked = report(&admin, &s.base, json!({"compartment_id": DEV})).await;
    assert_eq!(one(&checked, CheckKind::EventsPolicy, "event-logger").rules, ["existing"]);

    let many: Vec<Value> = (0..51).map(|i| json!({"name": format!("r{i}"), "condition": "{}"})).collect();
    for (body, field) in [
        (json!({"compartment_id": "not-an-ocid"}), "compartment_id"),
        (json!({"compartment_id": DEV, "rules": many}), "rules"),
        (draft("x", "{}", json!([{"kind": "ONS", "target_id": "nope"}])), "rules[0].actions[0].target_id"),
        (draft("two\nlines", "{}", json!([])), "rules[0].name"),
        (draft("long", &"x".repeat(4001), json!([])), "rules[0].condition"),
        (json!({"rules": []}), "compartment_id"),
    ] {
        let (status, error) = preflight(&admin, &s.base, body.clone()).await;
        assert_eq!((status, error["field"].as_str()), (400, Some(field)), "{body}: {error}");
    }
    let (status, _) = preflight(&admin, "/api/v1/teams/1/connections/999", json!({"compartment_id": DEV})).await;
    assert_eq!(status, 404);
}
