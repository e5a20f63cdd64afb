//! Impact analysis through the built-in sandbox: a week of events seeded in its log (instance
//! launches in several compartments, object events in two buckets, and events outside the
//! window or outside the rule's compartment), a condition narrowed, and the counts, the days and
//! the examples held against what was worked out by hand from the seed. Then Audit as the
//! history of a connection to a cloud on loopback: calls made there come back as the Events
//! types they correspond to.

use crate::helpers::{Session, spawn_app};
use app::api::impact::{HistorySource, ImpactReport, TypeCount};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::Method;
use serde_json::{Value, json};

const PROD: &str = "ocid1.compartment.oc1..sandboxprod";
const WEB: &str = "ocid1.compartment.oc1..sandboxweb";
const DEV: &str = "ocid1.compartment.oc1..sandboxdev";
const SHARED: &str = "ocid1.compartment.oc1..sandboxshared";
const LAUNCH: &str = "com.oraclecloud.computeapi.launchinstance.begin";
const LAUNCHED: &str = "com.oraclecloud.computeapi.launchinstance.end";
const CREATE_OBJECT: &str = "com.oraclecloud.objectstorage.createobject";
const DELETE_OBJECT: &str = "com.oraclecloud.objectstorage.deleteobject";

/// The seed: (hours ago, type, compartment, compartment name, resource, bucket).
fn seed() -> Vec<(i64, &'static str, &'static str, &'static str, &'static str, &'static str)> {
    vec![
        (6 * 24, LAUNCH, PROD, "prod", "batch-1", ""),   // 1: in the window, prod
        (5 * 24, LAUNCH, WEB, "web", "web-1", ""),       // 2: web is below prod
        (2 * 24, LAUNCH, WEB, "web", "web-2", ""),       // 3
        (3 * 24, LAUNCH, DEV, "dev", "dev-1", ""),       // 4: another compartment
        (5 * 24 - 1, LAUNCHED, WEB, "web", "web-1", ""), // 5: another type
        (4 * 24, CREATE_OBJECT, PROD, "prod", "a.log", "logs"), // 6
        (24 + 2, CREATE_OBJECT, WEB, "web", "b.png", "images"), // 7
        (1, CREATE_OBJECT, PROD, "prod", "c.log", "logs"), // 8
        (24, DELETE_OBJECT, PROD, "prod", "a.log", "logs"), // 9
        (9 * 24, LAUNCH, PROD, "prod", "old-1", ""),     // 10: before the window
        (12, "com.oraclecloud.objectstorage.createbucket", SHARED, "shared", "tmp", "tmp"), // 11: elsewhere
    ]
}

const BEFORE: &str = r#"{"eventType": ["com.oraclecloud.computeapi.launchinstance.begin", "com.oraclecloud.objectstorage.createobject", "com.oraclecloud.objectstorage.deleteobject"]}"#;
/// Narrowed to the web compartment, and widened to launches that finished.
const AFTER: &str = r#"{"eventType": ["com.oraclecloud.computeapi.launchinstance.begin", "com.oraclecloud.computeapi.launchinstance.end", "com.oraclecloud.objectstorage.createobject"], "data": {"compartmentName": "web"}}"#;

fn emit_seed(app: &crate::helpers::TestApp, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    seed()
        .into_iter()
        .enumerate()
        .map(|(i, (hours, event_type, compartment, name, resource, bucket))| {
            let at = now - TimeDelta::hours(hours);
            let mut data = json!({"compartmentId": compartment, "compartmentName": name, "resourceName": resource});
            if !bucket.is_empty() {
                data["additionalDetails"] = json!({"bucketName": bucket, "namespace": "sandbox"});
            }
            let event = json!({
                "eventType": event_type,
                "eventID": format!("seed-{}", i + 1),
                "eventTime": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "source": "seed",
                "data": data,
            });
            app.builtin.sandbox.emit(event).expect("the sandbox routes it");
            at
        })
        .collect()
}

async fn impact(admin: &Session, base: &str, body: Value) -> (u16, Value) {
    let response = admin.send(Method::POST, &format!("{base}/impact")).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn narrowing_a_condition_counts_what_it_gains_and_loses_against_a_seeded_week() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, _) = crate::helpers::sandbox(&admin).await;
    let now = Utc::now();
    let times = emit_seed(&app, now);

    let (status, body) = impact(&admin, &base, json!({"compartment_id": PROD, "before": BEFORE, "after": AFTER})).await;
    assert_eq!(status, 200, "{body}");
    let report: ImpactReport = serde_json::from_value(body).unwrap();
    // In the window and in prod or below it: 1, 2, 3, 5, 6, 7, 8, 9 (not 4, 10, 11).
    assert_eq!(report.looked_at, 8);
    assert_eq!(report.days, 7);
    // Before: 1, 2, 3, 6, 7, 8, 9. After: 2, 3, 5, 7. Gained: 5. Lost: 1, 6, 8, 9.
    assert_eq!((report.before, report.after, report.gained, report.lost), (7, 4, 1, 4));
    assert_eq!(report.delta(), "+1 / −4");
    let by_type = |t: &str| report.by_type.iter().find(|c| c.event_type == t).cloned();
    assert_eq!(by_type(LAUNCH), Some(TypeCount { event_type: LAUNCH.into(), before: 3, after: 2 }));
    assert_eq!(by_type(CREATE_OBJECT), Some(TypeCount { event_type: CREATE_OBJECT.into(), before: 3, after: 1 }));
    assert_eq!(by_type(DELETE_OBJECT), Some(TypeCount { event_type: DELETE_OBJECT.into(), before: 1, after: 0 }));
    assert_eq!(by_type(LAUNCHED), Some(TypeCount { event_type: LAUNCHED.into(), before: 0, after: 1 }));
    assert_eq!(report.by_type.len(), 4, "types neither matched are left out: {:?}", report.by_type);

    // Each day of the window once, oldest first; every match on the day its event happened.
    let first = report.since.date_naive();
    assert_eq!(report.daily.first().map(|d| d.day), Some(first));
    assert_eq!(report.daily.last().map(|d| d.day), Some(report.until.date_naive()));
    let matched_before = [0, 1, 2, 5, 6, 7, 8];
    let matched_after = [1, 2, 4, 6];
    for day in &report.daily {
        let on = |seeded: &[usize]| seeded.iter().filter(|&&i| times[i].date_naive() == day.day).count() as u64;
        assert_eq!((day.before, day.after), (on(&matched_before), on(&matched_after)), "{day:?}");
    }
    assert_eq!(report.daily.iter().map(|d| d.before).sum::<u64>(), 7);

    // Examples newest first, explained field by field.
    let lost: Vec<_> = report.lost_examples.iter().map(|e| e.resource_name.clone().unwrap_or_default()).collect();
    assert_eq!(lost, ["c.log", "a.log", "a.log", "batch-1"], "8, 9, 6, 1");
    let newest = &report.lost_examples[0];
    assert_eq!(newest.event_type, CREATE_OBJECT);
    assert_eq!(newest.source, HistorySource::SandboxLog);
    assert!(newest.before.iter().all(|c| c.matched), "{:?}", newest.before);
    let why = newest.after.iter().find(|c| c.path == "data.compartmentName").expect("the field that no longer matches");
    assert_eq!((why.found.as_str(), why.matched, why.wanted.clone()), ("\"prod\"", false, vec!["web".to_owned()]));
    assert_eq!(report.gained_examples.len(), 1);
    let gained = &report.gained_examples[0];
    assert_eq!((gained.event_type.as_str(), gained.resource_name.as_deref()), (LAUNCHED, Some("web-1")));
    let why = gained.before.iter().find(|c| c.path == "eventType").unwrap();
    assert!(!why.matched && why.found.contains("launchinstance.end"), "{why:?}");
    assert!(gained.after.iter().all(|c| c.matched));
    assert_eq!(report.sources.len(), 1);
    assert_eq!((report.sources[0].source, report.sources[0].events), (HistorySource::SandboxLog, 8));
    assert!(report.unseen.is_empty(), "the sandbox's log holds every type: {:?}", report.unseen);
    assert!(!report.cached);

    // A new rule gains everything it matches; the history is read once and reused.
    let (status, body) = impact(&admin, &base, json!({"compartment_id": WEB, "after": "{}", "days": 3})).await;
    assert_eq!(status, 200, "{body}");
    let fresh: ImpactReport = serde_json::from_value(body).unwrap();
    // In web within 3 days: 3 (2 days ago) and 7 (26 hours ago).
    assert_eq!((fresh.looked_at, fresh.before, fresh.after, fresh.gained, fresh.lost), (2, 0, 2, 2, 0));
    let (_, again) = impact(&admin, &base, json!({"compartment_id": WEB, "after": "{}", "days": 3})).await;
    assert_eq!(again["cached"], true);
}

/// Bad input is refused naming the field, before any event is read.
#[tokio::test]
async fn bad_requests_name_the_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, _) = crate::helpers::sandbox(&admin).await;
    let long = format!(r#"{{"eventType": "{}"}}"#, "x".repeat(4100));
    let cases = [
        (json!({"compartment_id": PROD, "after": "{}", "days": 0}), "days"),
        (json!({"compartment_id": PROD, "after": "{}", "days": 15}), "days"),
        (json!({"compartment_id": PROD, "after": "{}", "days": -1}), "days"),
        (json!({"compartment_id": PROD, "after": "{\"eventType\": }"}), "after"),
        (json!({"compartment_id": PROD, "before": "[1]", "after": "{}"}), "before"),
        (json!({"compartment_id": PROD, "after": long}), "after"),
        (json!({"compartment_id": PROD}), "after"),
        (json!({"compartment_id": "prod", "after": "{}"}), "compartment_id"),
        (json!({"compartment_id": PROD, "after": "{\"a\": \"\u{0}\"}"}), "after"),
    ];
    for (body, field) in cases {
        let (status, answer) = impact(&admin, &base, body.clone()).await;
        assert_eq!((status, answer["field"].as_str()), (400, Some(field)), "{body} → {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| m.len() > 20), "{answer}");
    }
    let (status, answer) = impact(&admin, &base, json!({"compartment_id": PROD, "after": "{\"eventType\": }"})).await;
    assert!(answer["message"].as_str().unwrap().contains("line 1"), "{status} {answer}");
    let missing = admin
        .send(Method::POST, "/api/v1/teams/1/connections/999/impact")
        .json(&json!({"compartment_id": PROD, "after": "{}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

/// A connection to a cloud on loopback has no event log: the history is its Audit. An instance
/// launched and an object written there come back as the Events types they correspond to; reads
/// do not; and the types Audit cannot show are named.
#[tokio::test]
async fn audit_is_the_history_of_a_real_cloud() {
    use server::oci::compute::LaunchInstanceDetails;
    use server::oci::objectstorage::CreateBucketDetails;
    const USER: &str = "ocid1.user.oc1..aaaaaaaaimpacttester";
    let cloud = crate::cloud::start(server::sandbox::SandboxConfig::default(), USER).await;
    let url = cloud.url.clone();
    let app = crate::helpers::spawn_app_with(move |config| config.oci_endpoint = Some(url)).await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let (status, created) = {
        let response = admin
            .send(Method::POST, &format!("/api/v1/teams/{team}/connections"))
            .json(&json!({
                "name": "loopback",
                "source": {
                    "from": "fields",
                    "tenancy": cloud.tenancy.tenancy(),
                    "user": USER,
                    "fingerprint": cloud.fingerprint(),
                    "region": "us-ashburn-1",
                },
                "private_key": cloud.private_pem,
            }))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200, "{created}");
    let base = format!("/api/v1/teams/{team}/connections/{}", created["id"]);

    let namespace = cloud.client.get_namespace().await.unwrap().body;
    let bucket = CreateBucketDetails { compartment_id: DEV.into(), name: "uploads".into(), ..Default::default() };
    cloud.client.create_bucket(&namespace, &bucket).await.unwrap();
    cloud.client.put_object(&namespace, "uploads", "report.csv", b"a,b".to_vec()).await.unwrap();
    let launch = LaunchInstanceDetails {
        compartment_id: DEV.into(),
        availability_domain: None,
        shape: "VM.Standard.E4.Flex".into(),
        display_name: Some("api-1".into()),
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    cloud.client.launch_instance(&launch).await.unwrap();
    cloud.client.list_instances(DEV, None).await.unwrap();

    let condition = json!({"eventType": [CREATE_OBJECT, LAUNCH, LAUNCHED]}).to_string();
    let (status, body) = impact(&admin, &base, json!({"compartment_id": DEV, "after": condition})).await;
    assert_eq!(status, 200, "{body}");
    let report: ImpactReport = serde_json::from_value(body).unwrap();
    assert_eq!(report.sources.iter().map(|s| s.source).collect::<Vec<_>>(), [HistorySource::Audit], "{report:#?}");
    let types: Vec<_> = report.by_type.iter().map(|t| (t.event_type.as_str(), t.after)).collect();
    assert!(types.contains(&(CREATE_OBJECT, 1)) && types.contains(&(LAUNCH, 1)), "{types:?}");
    let object = report.gained_examples.iter().find(|e| e.event_type == CREATE_OBJECT).expect("the object write");
    assert_eq!(object.event["data"]["additionalDetails"]["bucketName"], "uploads");
    assert_eq!(object.resource_name.as_deref(), Some("report.csv"));
    assert!(report.unseen.iter().any(|u| u.starts_with(LAUNCHED)), "{:?}", report.unseen);
    assert!(report.looked_at >= 3, "the bucket, the object and the launch at least: {report:#?}");
}
