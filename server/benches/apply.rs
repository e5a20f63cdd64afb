//! Applying a 30-resource template (10 topics, an e-mail subscription and a rule for each) to the
//! sandbox with 100 ms added to every call, against the seed's approach: the official OCI Python
//! SDK making the same creates one call after another (`sequential_apply.py`), against the same
//! sandbox in the same run. Then the same apply with a fifth of the calls answered 429, counting
//! what exists afterwards (it must be exactly the template's resources: no duplicates).
//!
//! Run with `.ci/bench-apply` (it makes a virtualenv with the `oci` package and passes its Python
//! as `SIGNALBOX_BENCH_PYTHON`); `SIGNALBOX_BENCH_STEPS=1` also prints when each step started and
//! how long it took.

#[path = "../tests/support/console.rs"]
mod console;

use console::{Console, pairs_template};
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
/// Signalbox's runs deploy here and destroy after each run, so every run sees the same
/// compartment; the script creates in `dev`; the throttled run deploys to `shared`.
const COMPARTMENT: &str = "ocid1.compartment.oc1..sandboxprod";
const SCRIPT_COMPARTMENT: &str = "ocid1.compartment.oc1..sandboxdev";
const THROTTLED_COMPARTMENT: &str = "ocid1.compartment.oc1..sandboxshared";

/// Plans and applies the template with `prefix`; returns (plan, apply) durations and the run.
async fn deploy(
    console: &Console,
    template_id: i64,
    connection: i64,
    compartment: &str,
    prefix: &str,
) -> (Duration, Duration, Value) {
    let target = json!({
        "template_id": template_id,
        "version": 1,
        "connection_id": connection,
        "compartment_id": compartment,
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
    let finished = wait(console, &run).await;
    (planned, started.elapsed(), finished)
}

/// Where a run's time went: (run created → first call, first call → last step done, last step
/// done → run finished), in milliseconds.
fn breakdown(run: &Value) -> (i64, i64, i64) {
    let at = |v: &Value| v.as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    let steps = run["steps"].as_array().cloned().unwrap_or_default();
    let (Some(created), Some(finished)) = (at(&run["run"]["started_at"]), at(&run["run"]["finished_at"])) else {
        return (0, 0, 0);
    };
    let first = steps.iter().filter_map(|s| at(&s["started_at"])).min().unwrap_or(created);
    let last = steps.iter().filter_map(|s| at(&s["finished_at"])).max().unwrap_or(finished);
    let ms =
        |a: chrono::DateTime<chrono::FixedOffset>, b: chrono::DateTime<chrono::FixedOffset>| (b - a).num_milliseconds();
    if std::env::var_os("SIGNALBOX_BENCH_STEPS").is_some() {
        for step in &steps {
            if let (Some(start), Some(end)) = (at(&step["started_at"]), at(&step["finished_at"])) {
                println!("  {:>4} ms +{:>4} ms {} {}", ms(first, start), ms(start, end), step["kind"], step["key"]);
            }
        }
    }
    (ms(created, first), ms(first, last), ms(last, finished))
}

/// Polls a run until it ends.
async fn wait(console: &Console, run: &Value) -> Value {
    let path = format!("/deployments/{}/runs/{}", run["deployment_id"], run["run"]["id"]);
    loop {
        let now = console.get(&path).await;
        if now["run"]["state"] != "running" {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Plans and applies the deployment's destruction; returns how long the apply took.
async fn destroy(console: &Console, deployment: &Value) -> Duration {
    let review = console.post(&format!("/deployments/{deployment}/plan"), json!({"destroy": true})).await;
    let started = Instant::now();
    let body = json!({"destroy": true, "digest": review["digest"]});
    let run = console.post(&format!("/deployments/{deployment}/apply"), body).await;
    let finished = wait(console, &run).await;
    assert_eq!(finished["run"]["state"], "succeeded", "{finished}");
    started.elapsed()
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

    let console = Console::login(&base, TEST_ADMIN_PASSWORD).await;
    let connections = console.get("/connections").await;
    let connection = connections[0]["id"].as_i64().expect("sandbox connection");
    let created = console.post("/templates", json!({"source": {"document": pairs_template(PAIRS)}})).await;
    let template_id = created["template"]["id"].as_i64().expect("template id");

    let key_file = data_dir.path().join("sandbox").join("api_key.pem");
    let key = PrivateKey::from_pem(&std::fs::read(&key_file).expect("built-in key"), None).expect("key loads");
    let fingerprint = key.fingerprint().as_str().to_owned();
    let tenancy = builtin.sandbox.tenancy().to_owned();
    let sandbox = format!("{base}{}", server::builtin::SANDBOX_PATH);

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
    let mut destroys = Vec::new();
    for n in 0..RUNS {
        let (plan, apply, run) = deploy(&console, template_id, connection, COMPARTMENT, &format!("sb{n}")).await;
        assert_eq!(run["run"]["state"], "succeeded", "{run}");
        plans.push(plan.as_secs_f64());
        ours.push(apply.as_secs_f64());
        destroys.push(destroy(&console, &run["deployment_id"]).await.as_secs_f64());
        let (to_first, calls, to_done) = breakdown(&run);

        let output = Command::new(&python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/sequential_apply.py"))
            .args([&sandbox, key_file.to_str().expect("utf-8 path"), &tenancy, BUILTIN_USER, &fingerprint])
            .arg(SCRIPT_COMPARTMENT)
            .args([format!("py{n}"), PAIRS.to_string()])
            .output()
            .expect("the Python SDK script runs (set SIGNALBOX_BENCH_PYTHON to a Python with the oci package)");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let result: Value = serde_json::from_slice(&output.stdout).expect("the script prints JSON");
        assert_eq!(result["calls"], 3 * PAIRS);
        python_runs.push(result["seconds"].as_f64().expect("seconds"));
        println!(
            "run {n}: Signalbox plan {:.3} s + apply {:.3} s (run created → first call {to_first} ms, calls {calls} ms, \
             last call → run done {to_done} ms; destroy {:.3} s); Python SDK sequential {:.3} s",
            plan.as_secs_f64(),
            apply.as_secs_f64(),
            destroys[n],
            python_runs[n]
        );
    }
    let (plan, apply, sdk, destroyed) = (median(plans), median(ours), median(python_runs), median(destroys));
    println!();
    println!("{:<44} {:>10}", "median of runs", "seconds");
    println!("{:<44} {:>10.3}", "Python SDK, one call after another (anchor)", sdk);
    println!("{:<44} {:>10.3}", "Signalbox apply (reviewed plan to done)", apply);
    println!("{:<44} {:>10.3}", "Signalbox plan (read the compartment)", plan);
    println!("{:<44} {:>10.3}", "Signalbox destroy (reviewed plan to done)", destroyed);
    println!("{:<44} {:>9.1}x", "apply speed-up over the anchor", sdk / apply);
    println!("{:<44} {:>9.1}x", "plan + apply speed-up over the anchor", sdk / (plan + apply));

    // A fifth of calls throttled: the apply still completes, with nothing made twice.
    set(FaultSpec { throttle_rate: 0.2, ..latency });
    let (_, apply, run) = deploy(&console, template_id, connection, THROTTLED_COMPARTMENT, "throttled").await;
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
    let topics =
        console.get(&format!("{scope}/topics?compartment_id={THROTTLED_COMPARTMENT}&limit=200")).await["items"].take();
    let rules =
        console.get(&format!("{scope}/rules?compartment_id={THROTTLED_COMPARTMENT}&limit=200")).await["items"].take();
    let topic_count = count(topics.clone(), "name", "throttled-");
    let rule_count = count(rules, "name", "throttled-");
    let ids: Vec<String> = topics
        .as_array()
        .expect("topics")
        .iter()
        .filter(|t| t["name"].as_str().is_some_and(|n| n.starts_with("throttled-")))
        .map(|t| t["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let subscriptions = console.get(&format!("{scope}/subscriptions?compartment_id={THROTTLED_COMPARTMENT}")).await;
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
