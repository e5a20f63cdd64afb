//! Impact analysis against a running server: how long `POST …/impact` takes to answer.
//!
//! - 100,000 events in the built-in sandbox's log (seven days of instance launches and object
//!   events across four compartments), replayed from the tenancy's root so every one is looked
//!   at, against a condition and a narrowed draft: the first request (reading and parsing the
//!   log, then replaying) and the next ones (the history kept, replaying only). Goal: under 2 s.
//! - A connection to a cloud on loopback answering Audit and Identity 100 ms late, as OCI does,
//!   holding 3,000 audited writes: the first request (the compartment tree, then Audit a day at
//!   a time) and the next ones.
//!
//! Run with `cargo bench -p server --bench impact`.

#[path = "../tests/support/cloud.rs"]
mod cloud;
#[path = "../tests/support/console.rs"]
#[allow(dead_code, reason = "the template helpers are the apply benchmark's")]
mod console;

use chrono::{TimeDelta, Utc};
use console::Console;
use serde_json::{Value, json};
use server::Application;
use server::config::{Config, TEST_ADMIN_PASSWORD};
use server::sandbox::{FaultSpec, SandboxConfig};
use std::time::{Duration, Instant};

const EVENTS: usize = 100_000;
const AUDITED: usize = 3_000;
const WARM_RUNS: usize = 5;
const LATENCY_MS: u64 = 100;
const COMPARTMENTS: [(&str, &str); 4] = [
    ("ocid1.compartment.oc1..sandboxprod", "prod"),
    ("ocid1.compartment.oc1..sandboxweb", "web"),
    ("ocid1.compartment.oc1..sandboxdev", "dev"),
    ("ocid1.compartment.oc1..sandboxshared", "shared"),
];
const TYPES: [&str; 5] = [
    "com.oraclecloud.computeapi.launchinstance.begin",
    "com.oraclecloud.computeapi.launchinstance.end",
    "com.oraclecloud.objectstorage.createobject",
    "com.oraclecloud.objectstorage.deleteobject",
    "com.oraclecloud.computeapi.terminateinstance.begin",
];
const BEFORE: &str =
    r#"{"eventType": ["com.oraclecloud.computeapi.launchinstance.*", "com.oraclecloud.objectstorage.createobject"]}"#;
const AFTER: &str = r#"{"eventType": ["com.oraclecloud.computeapi.launchinstance.end", "com.oraclecloud.objectstorage.*object"], "data": {"compartmentName": ["prod", "web"]}}"#;

#[tokio::main]
async fn main() {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let app = Application::build(Config::for_tests(data_dir.path())).await.expect("application starts");
    let base = format!("http://{}", app.local_addr().expect("bound address"));
    let builtin = app.builtin();
    tokio::spawn(app.run_until_stopped());
    let console = Console::login(&base, TEST_ADMIN_PASSWORD).await;

    let seeding = Instant::now();
    let now = Utc::now();
    let week_ms = TimeDelta::days(7).num_milliseconds() - 60_000;
    for i in 0..EVENTS {
        let (compartment, name) = COMPARTMENTS[i % COMPARTMENTS.len()];
        let at = now - TimeDelta::milliseconds(week_ms * i as i64 / EVENTS as i64);
        builtin
            .sandbox
            .emit(json!({
                "eventType": TYPES[i % TYPES.len()],
                "eventID": format!("bench-{i}"),
                "eventTime": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "source": "bench",
                "data": {
                    "compartmentId": compartment,
                    "compartmentName": name,
                    "resourceName": format!("resource-{}", i % 977),
                    "additionalDetails": {"bucketName": if i % 3 == 0 { "logs" } else { "images" }},
                },
            }))
            .expect("the sandbox routes it");
    }
    println!("seeded {EVENTS} events in {:.1} s", seeding.elapsed().as_secs_f64());
    let connections = console.get("/connections").await;
    let sandbox = connections
        .as_array()
        .and_then(|all| all.iter().find(|c| c["kind"] == "sandbox"))
        .expect("the built-in connection")["id"]
        .clone();
    let root = builtin.sandbox.tenancy().to_owned();
    let body = json!({"compartment_id": root, "before": BEFORE, "after": AFTER});
    let (cold, warm, report) = measure(&console, &format!("/connections/{sandbox}/impact"), &body).await;
    assert_eq!(report["looked_at"], EVENTS as u64, "every event is looked at: {report}");
    println!();
    println!("| Case | Events looked at | First request | Next requests (median of {WARM_RUNS}) | Goal |");
    println!("|---|---|---|---|---|");
    println!("| Built-in sandbox, its event log | {} | {} | {} | < 2 s |", report["looked_at"], ms(cold), ms(warm));
    println!(
        "  (before {} / after {}: {})",
        report["before"],
        report["after"],
        format_args!("+{} / −{}", report["gained"], report["lost"])
    );

    let cloud = cloud::start(SandboxConfig::default(), "ocid1.user.oc1..aaaaaaaaimpactbench").await;
    let namespace = cloud.client.get_namespace().await.expect("namespace").body;
    let dev = COMPARTMENTS[2].0;
    let bucket = server::oci::objectstorage::CreateBucketDetails {
        compartment_id: dev.into(),
        name: "uploads".into(),
        ..Default::default()
    };
    cloud.client.create_bucket(&namespace, &bucket).await.expect("bucket");
    for i in 1..AUDITED {
        cloud.client.put_object(&namespace, "uploads", &format!("o-{i}"), b"x".to_vec()).await.expect("object");
    }
    let slow = FaultSpec { latency_ms: LATENCY_MS, ..FaultSpec::default() };
    let services = ["audit", "identity"].map(|s| (s.to_owned(), slow)).into_iter().collect();
    cloud.tenancy.set_faults(services).expect("faults");
    let other_dir = tempfile::tempdir().expect("temporary data directory");
    let mut config = Config::for_tests(other_dir.path());
    config.oci_endpoint = Some(cloud.url.clone());
    let other = Application::build(config).await.expect("application starts");
    let other_base = format!("http://{}", other.local_addr().expect("bound address"));
    tokio::spawn(other.run_until_stopped());
    let other_console = Console::login(&other_base, TEST_ADMIN_PASSWORD).await;
    let created = other_console
        .post(
            "/connections",
            json!({
                "name": "loopback",
                "source": {
                    "from": "fields",
                    "tenancy": cloud.tenancy.tenancy(),
                    "user": "ocid1.user.oc1..aaaaaaaaimpactbench",
                    "fingerprint": cloud.fingerprint(),
                    "region": "us-ashburn-1",
                },
                "private_key": cloud.private_pem,
            }),
        )
        .await;
    let body = json!({"compartment_id": dev, "before": BEFORE, "after": AFTER});
    let (cold, warm, report) = measure(&other_console, &format!("/connections/{}/impact", created["id"]), &body).await;
    println!(
        "| OCI at {LATENCY_MS} ms per call, Audit ({AUDITED} writes in one compartment) | {} | {} | {} | < 2 s |",
        report["looked_at"],
        ms(cold),
        ms(warm)
    );
}

/// The first request's time, the median of the next ones, and the first answer.
async fn measure(console: &Console, path: &str, body: &Value) -> (Duration, Duration, Value) {
    let started = Instant::now();
    let report = post(console, path, body).await;
    let cold = started.elapsed();
    let mut warm = Vec::new();
    for _ in 0..WARM_RUNS {
        let started = Instant::now();
        let again = post(console, path, body).await;
        warm.push(started.elapsed());
        assert_eq!(again["cached"], true, "the history is kept: {again}");
    }
    warm.sort();
    (cold, warm[WARM_RUNS / 2], report)
}

async fn post(console: &Console, path: &str, body: &Value) -> Value {
    let response = console
        .http
        .post(console.url(path))
        .header("x-csrf-token", console.csrf())
        .json(body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let answer: Value = response.json().await.expect("JSON");
    assert!(status.is_success(), "{status} {answer}");
    answer
}

fn ms(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}
