//! An apply survives the server dying: `signalbox serve` is killed with SIGKILL in the middle of
//! an apply (after its first step, once the topics exist, and with only the rules left in
//! flight), restarted on the same data
//! directory, and then the run shows as interrupted where it stopped, resuming finishes it, and
//! the sandbox (persisted in the same directory, as the cloud would outlive the console) holds
//! exactly one of each resource.
//!
//! The sandbox's calls are slowed down with its fault injection (a signed call with the built-in
//! key) so the kill lands while calls are in flight.

#[path = "support/console.rs"]
mod console;
mod support;

use console::{Console, pairs_template};
use http::Method;
use serde_json::{Value, json};
use server::builtin::Builtin;
use server::oci::client::Call;
use server::oci::error::{Operation, Verb};
use server::oci::region::Service;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Serving, spawn_serving};

const PASSWORD: &str = "crash test admin password";
const COMPARTMENT: &str = "ocid1.compartment.oc1..sandboxprod";
const PAIRS: usize = 4;

static PUT_FAULTS: Operation =
    Operation { name: "PutFaults", service: Service::Notifications, resource: "sandbox", verb: Verb::Manage };

/// Notifications calls take `ons_ms`, Events calls `events_ms`: slower rules leave a window in
/// which topics and subscriptions are done and every rule is in flight.
async fn slow_down(data_dir: &Path, serving: &Serving, ons_ms: u64, events_ms: u64) {
    let base = format!("http://{}{}", serving.addr, server::builtin::SANDBOX_PATH);
    let client = Builtin::client_at(data_dir, &base).unwrap();
    let faults = json!({"services": {"notifications": {"latencyMs": ons_ms}, "events": {"latencyMs": events_ms}}});
    let call = Call::new(&PUT_FAULTS, Method::PUT, "/sandbox/v1/faults".into()).json(&faults).unwrap().at(base);
    client.send_raw(call).await.expect("faults set");
}

fn kill(serving: Serving) {
    let status = Command::new("kill").args(["-KILL", &serving.pid().to_string()]).status().expect("kill");
    assert!(status.success());
    serving.wait_gone();
}

async fn run_of(console: &Console, deployment: i64, run: i64) -> Value {
    console.get(&format!("/deployments/{deployment}/runs/{run}")).await
}

fn done(run: &Value) -> usize {
    run["steps"].as_array().map_or(0, |steps| steps.iter().filter(|s| s["state"] == "done").count())
}

/// Runs one deployment, kills the server once `kill_after` steps are done, restarts, resumes.
async fn crash_after(kill_after: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let envs = [("SIGNALBOX_ADMIN_PASSWORD", PASSWORD)];
    let serving = spawn_serving(&data_dir, &[], &envs);
    let console = Console::login(&format!("http://{}", serving.addr), PASSWORD).await;
    let connections = console.get("/connections").await;
    let connection = connections[0]["id"].as_i64().expect("the sandbox connection");
    let created = console.post("/templates", json!({"source": {"document": pairs_template(PAIRS)}})).await;
    let target = json!({
        "template_id": created["template"]["id"],
        "version": 1,
        "connection_id": connection,
        "compartment_id": COMPARTMENT,
        "parameters": {"prefix": format!("crash{kill_after}")},
    });
    let review = console.post("/deployments/plan", target.clone()).await;
    let mut body = target;
    body["name"] = json!("crash");
    body["digest"] = review["digest"].clone();
    slow_down(&data_dir, &serving, 300, 900).await;
    let run = console.post("/deployments", body).await;
    let (deployment, run_id) = (run["deployment_id"].as_i64().unwrap(), run["run"]["id"].as_i64().unwrap());
    let total = run["steps"].as_array().unwrap().len();
    assert_eq!(total, 3 * PAIRS);

    let deadline = Instant::now() + Duration::from_secs(30);
    let before = loop {
        let now = run_of(&console, deployment, run_id).await;
        if done(&now) >= kill_after {
            break now;
        }
        assert!(Instant::now() < deadline, "the run did not reach {kill_after} steps: {now}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    kill(serving);
    assert!(done(&before) < total, "killed before the end");

    // Restarted: the run is interrupted where it stopped.
    let serving = spawn_serving(&data_dir, &[], &envs);
    let console = Console::login(&format!("http://{}", serving.addr), PASSWORD).await;
    let after = run_of(&console, deployment, run_id).await;
    assert_eq!(after["run"]["state"], "interrupted", "{after}");
    assert_eq!(after["run"]["taken_over_at"], Value::Null, "one instance takes nothing over: {after}");
    assert!(done(&after) >= done(&before), "nothing done is forgotten: {before} / {after}");
    let unfinished = after["steps"].as_array().unwrap().iter().filter(|s| s["state"] != "done").count();
    assert!(unfinished > 0, "{after}");

    // Resumed: every step done, and exactly one of each resource in the sandbox.
    console.post(&format!("/deployments/{deployment}/runs/{run_id}/resume"), json!({})).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let finished = loop {
        let now = run_of(&console, deployment, run_id).await;
        if now["run"]["state"] != "running" {
            break now;
        }
        assert!(Instant::now() < deadline, "the resumed run did not finish: {now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(finished["run"]["state"], "succeeded", "{finished}");
    assert_eq!(done(&finished), total);

    let scope = format!("/connections/{connection}");
    let topics = console.get(&format!("{scope}/topics?compartment_id={COMPARTMENT}")).await["items"].take();
    let rules = console.get(&format!("{scope}/rules?compartment_id={COMPARTMENT}")).await["items"].take();
    let subscriptions =
        console.get(&format!("{scope}/subscriptions?compartment_id={COMPARTMENT}")).await["items"].take();
    let names = |list: &Value, field: &str| {
        let mut names: Vec<String> =
            list.as_array().unwrap().iter().map(|item| item[field].as_str().unwrap_or_default().to_owned()).collect();
        names.sort();
        names
    };
    let expected_topics: Vec<String> = (0..PAIRS).map(|i| format!("crash{kill_after}-topic-{i}")).collect();
    let expected_rules: Vec<String> = (0..PAIRS).map(|i| format!("crash{kill_after}-rule-{i}")).collect();
    assert_eq!(names(&topics, "name"), expected_topics, "{topics}");
    assert_eq!(names(&rules, "name"), expected_rules, "{rules}");
    assert_eq!(subscriptions.as_array().unwrap().len(), PAIRS, "{subscriptions}");

    // And the deployment agrees with the cloud: planning it again changes nothing.
    let again = console.post(&format!("/deployments/{deployment}/plan"), json!({})).await;
    let changes: Vec<&Value> =
        again["plan"]["changes"].as_array().unwrap().iter().filter(|c| c["action"] != "no_op").collect();
    assert!(changes.is_empty(), "{changes:?}");
    serving.stop();
}

#[tokio::test]
async fn killed_after_the_first_step() {
    crash_after(1).await;
}

#[tokio::test]
async fn killed_once_the_topics_exist() {
    crash_after(PAIRS).await;
}

#[tokio::test]
async fn killed_with_only_the_rules_in_flight() {
    crash_after(2 * PAIRS).await;
}
