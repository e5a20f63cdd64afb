//! An apply survives the server dying: `signalbox serve` is killed with SIGKILL in the middle of
//! an apply (after one step, about half, and most of them), restarted on the same data
//! directory, and then the run shows as interrupted where it stopped, resuming finishes it, and
//! the sandbox (persisted in the same directory, as the cloud would outlive the console) holds
//! exactly one of each resource.
//!
//! The sandbox's calls are slowed down with its fault injection (a signed call with the built-in
//! key) so the kill lands while calls are in flight.

mod support;

use http::Method;
use reqwest::Client;
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

/// Four topics, each with an e-mail subscription and a rule sending to it: twelve steps.
fn template() -> Value {
    let topics: Vec<Value> =
        (0..PAIRS).map(|i| json!({"key": format!("t{i}"), "name": format!("{{{{prefix}}}}-topic-{i}")})).collect();
    let subscriptions: Vec<Value> = (0..PAIRS)
        .map(|i| json!({"key": format!("s{i}"), "topic": format!("t{i}"), "protocol": "EMAIL", "endpoint": format!("oncall-{i}@example.com")}))
        .collect();
    let rules: Vec<Value> = (0..PAIRS)
        .map(|i| {
            json!({
                "key": format!("r{i}"),
                "name": format!("{{{{prefix}}}}-rule-{i}"),
                "condition": {"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]},
                "actions": [{"kind": "ONS", "topic": format!("t{i}")}],
            })
        })
        .collect();
    json!({
        "format": "signalbox.template/v1",
        "name": "crash",
        "parameters": [{"name": "prefix", "type": "string", "required": true}],
        "topics": topics,
        "subscriptions": subscriptions,
        "rules": rules,
    })
}

struct Console {
    http: Client,
    base: String,
    csrf: String,
    team: i64,
}

impl Console {
    async fn login(serving: &Serving) -> Self {
        let http = Client::builder().no_proxy().cookie_store(true).timeout(Duration::from_secs(30)).build().unwrap();
        let base = format!("http://{}", serving.addr);
        let me: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let csrf = me["csrf_token"].as_str().expect("a CSRF token").to_owned();
        let team = me["teams"][0]["team_id"].as_i64().expect("a team");
        Self { http, base, csrf, team }
    }

    async fn get(&self, path: &str) -> Value {
        self.http.get(format!("{}/api/v1{path}", self.base)).send().await.unwrap().json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/api/v1{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    fn teams(&self, rest: &str) -> String {
        format!("/teams/{}{rest}", self.team)
    }
}

async fn slow_down(data_dir: &Path, serving: &Serving, latency_ms: u64) {
    let base = format!("http://{}{}", serving.addr, server::builtin::SANDBOX_PATH);
    let client = Builtin::client_at(data_dir, &base).unwrap();
    let spec = json!({"latencyMs": latency_ms});
    let faults = json!({"services": {"notifications": spec, "events": spec}});
    let call = Call::new(&PUT_FAULTS, Method::PUT, "/sandbox/v1/faults".into()).json(&faults).unwrap().at(base);
    client.send_raw(call).await.expect("faults set");
}

fn kill(serving: Serving) {
    let status = Command::new("kill").args(["-KILL", &serving.pid().to_string()]).status().expect("kill");
    assert!(status.success());
    serving.wait_gone();
}

async fn run_of(console: &Console, deployment: i64, run: i64) -> Value {
    console.get(&console.teams(&format!("/deployments/{deployment}/runs/{run}"))).await
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
    let console = Console::login(&serving).await;
    let connections = console.get(&console.teams("/connections")).await;
    let connection = connections[0]["id"].as_i64().expect("the sandbox connection");
    let created = console.post(&console.teams("/templates"), json!({"source": {"document": template()}})).await;
    let target = json!({
        "template_id": created["template"]["id"],
        "version": 1,
        "connection_id": connection,
        "compartment_id": COMPARTMENT,
        "parameters": {"prefix": format!("crash{kill_after}")},
    });
    let review = console.post(&console.teams("/deployments/plan"), target.clone()).await;
    let mut body = target;
    body["name"] = json!("crash");
    body["digest"] = review["digest"].clone();
    slow_down(&data_dir, &serving, 300).await;
    let run = console.post(&console.teams("/deployments"), body).await;
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
    let console = Console::login(&serving).await;
    let after = run_of(&console, deployment, run_id).await;
    assert_eq!(after["run"]["state"], "interrupted", "{after}");
    assert!(done(&after) >= done(&before), "nothing done is forgotten: {before} / {after}");
    let unfinished = after["steps"].as_array().unwrap().iter().filter(|s| s["state"] != "done").count();
    assert!(unfinished > 0, "{after}");

    // Resumed: every step done, and exactly one of each resource in the sandbox.
    console.post(&console.teams(&format!("/deployments/{deployment}/runs/{run_id}/resume")), json!({})).await;
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
    let topics = console.get(&console.teams(&format!("{scope}/topics?compartment_id={COMPARTMENT}"))).await;
    let rules = console.get(&console.teams(&format!("{scope}/rules?compartment_id={COMPARTMENT}"))).await;
    let subscriptions =
        console.get(&console.teams(&format!("{scope}/subscriptions?compartment_id={COMPARTMENT}"))).await;
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
    let again = console.post(&console.teams(&format!("/deployments/{deployment}/plan")), json!({})).await;
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
async fn killed_half_way() {
    crash_after(3 * PAIRS / 2).await;
}

#[tokio::test]
async fn killed_near_the_end() {
    crash_after(3 * PAIRS - 2).await;
}
