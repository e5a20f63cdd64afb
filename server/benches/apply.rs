//! Applying a 30-resource template (10 topics, an e-mail subscription and a rule for each) to the
//! sandbox with 100 ms added to every call, against the seed's approach: the official OCI Python
//! SDK making the same creates one call after another (`sequential_apply.py`), against the same
//! sandbox in the same run. Then the same apply with a fifth of the calls answered 429, counting
//! what exists afterwards (it must be exactly the template's resources: no duplicates).
//!
//! Run with `.ci/bench-apply` (it makes a virtualenv with the `oci` package and passes its Python
//! as `SIGNALBOX_BENCH_PYTHON`).

use reqwest::Client;
use serde_json::{Value, json};
use server::Application;
use server::builtin::BUILTIN_USER;
use server::config::{Config, TEST_ADMIN_PASSWORD};
use server::oci::key::PrivateKey;
use server::sandbox::FaultSpec;
use std::process::Command;
use std::time::{Duration, Instant};

const PAIRS: usize = 10;
const RUNS: usize = 5;
const LATENCY_MS: u64 = 100;
const COMPARTMENT: &str = "ocid1.compartment.oc1..sandboxprod";

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
        "name": "thirty",
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
    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/api/v1/teams/{}{path}", self.base, self.team))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let body: Value = response.json().await.expect("JSON");
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    async fn get(&self, path: &str) -> Value {
        let url = format!("{}/api/v1/teams/{}{path}", self.base, self.team);
        self.http.get(url).send().await.expect("request").json().await.expect("JSON")
    }
}

/// Plans and applies the template with `prefix`; returns (plan, apply) durations and the run.
async fn deploy(console: &Console, template_id: i64, connection: i64, prefix: &str) -> (Duration, Duration, Value) {
    let target = json!({
        "template_id": template_id,
        "version": 1,
        "connection_id": connection,
        "compartment_id": COMPARTMENT,
        "parameters": {"prefix": prefix},
    });
    let started = Instant::now();
    let review = console.post("/deployments/plan", target.clone()).await;
    let planned = started.elapsed();
    let mut body = target;
    body["name"] = json!(prefix);
    body["digest"] = review["digest"].clone();
    let started = Instant::now();
    let run = console.post("/deployments", body).await;
    let path = format!("/deployments/{}/runs/{}", run["deployment_id"], run["run"]["id"]);
    loop {
        let now = console.get(&path).await;
        if now["run"]["state"] != "running" {
            return (planned, started.elapsed(), now);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let python = std::env::var("SIGNALBOX_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let app = Application::build(Config::for_tests(data_dir.path())).await.expect("application starts");
    let base = format!("http://{}", app.local_addr().expect("bound address"));
    let builtin = app.builtin();
    tokio::spawn(app.run_until_stopped());

    let http = Client::builder().no_proxy().cookie_store(true).build().expect("client");
    let me: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": TEST_ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("me");
    let console = Console {
        http: http.clone(),
        base: base.clone(),
        csrf: me["csrf_token"].as_str().expect("csrf").to_owned(),
        team: me["teams"][0]["team_id"].as_i64().expect("team"),
    };
    let connections = console.get("/connections").await;
    let connection = connections[0]["id"].as_i64().expect("sandbox connection");
    let created = console.post("/templates", json!({"source": {"document": template()}})).await;
    let template_id = created["template"]["id"].as_i64().expect("template id");

    let key_file = data_dir.path().join("sandbox").join("api_key.pem");
    let key = PrivateKey::from_pem(&std::fs::read(&key_file).expect("built-in key"), None).expect("key loads");
    let fingerprint = key.fingerprint().as_str().to_owned();
    let tenancy = builtin.sandbox.tenancy().to_owned();

    let latency = FaultSpec { latency_ms: LATENCY_MS, ..FaultSpec::default() };
    let set = |spec: FaultSpec| {
        builtin
            .sandbox
            .set_faults([("notifications".to_owned(), spec), ("events".to_owned(), spec)].into())
            .expect("faults")
    };
    set(latency);

    println!("{} resources per apply, {LATENCY_MS} ms added to every sandbox call, {RUNS} runs each", 3 * PAIRS);
    let mut ours = Vec::new();
    let mut plans = Vec::new();
    let mut python_runs = Vec::new();
    for n in 0..RUNS {
        let (plan, apply, run) = deploy(&console, template_id, connection, &format!("sb{n}")).await;
        assert_eq!(run["run"]["state"], "succeeded", "{run}");
        plans.push(plan.as_secs_f64());
        ours.push(apply.as_secs_f64());

        let output = Command::new(&python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/sequential_apply.py"))
            .args([&base, key_file.to_str().expect("utf-8 path"), &tenancy, BUILTIN_USER, &fingerprint, COMPARTMENT])
            .args([format!("py{n}"), PAIRS.to_string()])
            .output()
            .expect("the Python SDK script runs (set SIGNALBOX_BENCH_PYTHON to a Python with the oci package)");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let result: Value = serde_json::from_slice(&output.stdout).expect("the script prints JSON");
        assert_eq!(result["calls"], 3 * PAIRS);
        python_runs.push(result["seconds"].as_f64().expect("seconds"));
        println!(
            "run {n}: Signalbox plan {:.3} s + apply {:.3} s; Python SDK sequential {:.3} s",
            plan.as_secs_f64(),
            apply.as_secs_f64(),
            python_runs[n]
        );
    }
    let (plan, apply, sdk) = (median(plans), median(ours), median(python_runs));
    println!();
    println!("{:<44} {:>10}", "median of runs", "seconds");
    println!("{:<44} {:>10.3}", "Python SDK, one call after another (anchor)", sdk);
    println!("{:<44} {:>10.3}", "Signalbox apply (reviewed plan to done)", apply);
    println!("{:<44} {:>10.3}", "Signalbox plan (read the compartment)", plan);
    println!("{:<44} {:>9.1}x", "apply speed-up over the anchor", sdk / apply);
    println!("{:<44} {:>9.1}x", "plan + apply speed-up over the anchor", sdk / (plan + apply));

    // A fifth of calls throttled: the apply still completes, with nothing made twice.
    set(FaultSpec { throttle_rate: 0.2, ..latency });
    let (_, apply, run) = deploy(&console, template_id, connection, "throttled").await;
    let injected = builtin.sandbox.faults().injected;
    set(FaultSpec::default());
    assert_eq!(run["run"]["state"], "succeeded", "{run}");
    let calls: i64 = run["steps"].as_array().expect("steps").iter().map(|s| s["attempts"].as_i64().unwrap_or(0)).sum();
    let scope = format!("/connections/{connection}");
    let count = |list: Value, field: &str, prefix: &str| {
        list.as_array()
            .expect("a list")
            .iter()
            .filter(|i| i[field].as_str().is_some_and(|n| n.starts_with(prefix)))
            .count()
    };
    let topics = console.get(&format!("{scope}/topics?compartment_id={COMPARTMENT}")).await;
    let rules = console.get(&format!("{scope}/rules?compartment_id={COMPARTMENT}")).await;
    let topic_count = count(topics.clone(), "name", "throttled-");
    let rule_count = count(rules, "name", "throttled-");
    let ids: Vec<String> = topics
        .as_array()
        .expect("topics")
        .iter()
        .filter(|t| t["name"].as_str().is_some_and(|n| n.starts_with("throttled-")))
        .map(|t| t["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let subscriptions = console.get(&format!("{scope}/subscriptions?compartment_id={COMPARTMENT}")).await;
    let subscription_count = subscriptions
        .as_array()
        .expect("subscriptions")
        .iter()
        .filter(|s| s["topic_id"].as_str().is_some_and(|t| ids.iter().any(|id| id == t)))
        .count();
    println!();
    println!(
        "with 20% 429s: apply {:.3} s, {calls} calls for {} steps, {injected} faults injected; \
         topics {topic_count}, subscriptions {subscription_count}, rules {rule_count} (expected {PAIRS} each)",
        apply.as_secs_f64(),
        3 * PAIRS
    );
    let duplicates = (topic_count + subscription_count + rule_count) as i64 - (3 * PAIRS) as i64;
    println!("duplicates: {duplicates}");
    assert_eq!((topic_count, subscription_count, rule_count), (PAIRS, PAIRS, PAIRS));
}
