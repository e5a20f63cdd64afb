//! Plan + apply of 30, 300 and 3,000 resources against the sandbox with 100 ms added to every
//! call and its persistence on (as `signalbox serve` runs it), side by side with the anchors in
//! the same run: the official OCI Python SDK making the same creates one call after another (the
//! seed's workflow, 30 resources) and from a pool of 32 threads (every size), see `sdk_apply.py`.
//! Then each size again under the sandbox's token bucket (OCI-like throttling per tenancy and
//! operation), counting what the compartment holds afterwards: exactly the template's resources,
//! no duplicates.
//!
//! The templates: 30 = 10 topics, 10 e-mail subscriptions, 10 rules; 300 = 100 of each; 3,000 =
//! 100 topics (a compartment's limit), 1,450 subscriptions, 1,450 rules, fanned out over them.
//! Every run deploys to a compartment of its own, so each meets an empty one.
//!
//! Run with `.ci/bench-apply` (it makes a virtualenv with the `oci` package and passes its Python
//! as `SIGNALBOX_BENCH_PYTHON`). `SIGNALBOX_BENCH_APPLY_SIZES=30,300` picks sizes;
//! `SIGNALBOX_BENCH_STEPS=1` prints when each step of the 30-resource runs started and how long it
//! took. Results go to stdout and, as JSON lines, to `target/bench/apply.jsonl` for the chart.

#[path = "../tests/support/console.rs"]
mod console;
#[path = "../tests/support/pg_database.rs"]
mod pg_database;

use console::{Console, fanout_template};
use serde_json::{Value, json};
use server::Application;
use server::builtin::BUILTIN_USER;
use server::config::{Config, TEST_ADMIN_PASSWORD};
use server::oci::client::{OciClient, collect_pages};
use server::oci::events::ListRulesRequest;
use server::oci::key::PrivateKey;
use server::oci::ons::{ListSubscriptionsRequest, ListTopicsRequest};
use server::sandbox::FaultSpec;
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

const LATENCY_MS: u64 = 100;
/// The sandbox's bucket per tenancy and create operation in the throttled runs: 100 calls a
/// second after a burst of 20 (binding: unthrottled, Signalbox sends up to 640 a second).
const BUCKET_RATE: u32 = 100;
const BUCKET_BURST: u32 = 20;
/// Threads of the SDK pool anchor.
const POOL: usize = 32;

/// Topics, subscriptions and rules of a template of `size` resources.
fn shape(size: usize) -> (usize, usize, usize) {
    let topics = (size / 3).min(100);
    let subscriptions = (size - topics) / 2;
    (topics, subscriptions, size - topics - subscriptions)
}

/// Runs of each size (the medians are of these).
fn runs(size: usize) -> usize {
    match size {
        0..=30 => 5,
        31..=300 => 3,
        _ => 1,
    }
}

/// The ideal time of an apply at an allowed rate of `rate` calls a second per create operation
/// (the token bucket's): one latency per level (topics, then what needs them) plus each level's
/// creates at the rate, subscriptions and rules (two operations, two buckets) side by side.
fn ideal(size: usize, rate: f64) -> f64 {
    let (topics, subscriptions, rules) = shape(size);
    let latency = LATENCY_MS as f64 / 1000.0;
    2.0 * latency + topics as f64 / rate + subscriptions.max(rules) as f64 / rate
}

/// Plans and applies the template to `compartment`; returns (plan, apply) durations and the run.
async fn deploy(console: &Console, template_id: i64, connection: i64, compartment: &str, prefix: &str) -> Deployed {
    let target = json!({
        "template_id": template_id,
        "version": 1,
        "connection_id": connection,
        "compartment_id": compartment,
        "parameters": {"prefix": prefix},
    });
    let started = Instant::now();
    let review = console.post("/deployments/plan", target.clone()).await;
    let plan = started.elapsed();
    let mut body = target;
    body["name"] = json!(prefix);
    body["digest"] = review["digest"].clone();
    let started = Instant::now();
    let run = console.post("/deployments", body).await;
    let run = wait(console, &run).await;
    Deployed { plan, apply: started.elapsed(), run }
}

struct Deployed {
    plan: Duration,
    apply: Duration,
    run: Value,
}

impl Deployed {
    fn total(&self) -> f64 {
        (self.plan + self.apply).as_secs_f64()
    }

    /// Calls made by the run's steps (retries included).
    fn calls(&self) -> i64 {
        self.run["steps"].as_array().map_or(0, |steps| steps.iter().map(|s| s["attempts"].as_i64().unwrap_or(0)).sum())
    }
}

/// Where a run's time went: (run created → first call, first call → last step done, last step
/// done → run finished), in milliseconds.
fn breakdown(run: &Value, print_steps: bool) -> (i64, i64, i64) {
    let at = |v: &Value| v.as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    let steps = run["steps"].as_array().cloned().unwrap_or_default();
    let (Some(created), Some(finished)) = (at(&run["run"]["started_at"]), at(&run["run"]["finished_at"])) else {
        return (0, 0, 0);
    };
    let first = steps.iter().filter_map(|s| at(&s["started_at"])).min().unwrap_or(created);
    let last = steps.iter().filter_map(|s| at(&s["finished_at"])).max().unwrap_or(finished);
    let ms =
        |a: chrono::DateTime<chrono::FixedOffset>, b: chrono::DateTime<chrono::FixedOffset>| (b - a).num_milliseconds();
    if print_steps {
        for step in &steps {
            if let (Some(start), Some(end)) = (at(&step["started_at"]), at(&step["finished_at"])) {
                println!("  {:>4} ms +{:>4} ms {} {}", ms(first, start), ms(start, end), step["kind"], step["key"]);
            }
        }
    }
    (ms(created, first), ms(first, last), ms(last, finished))
}

/// Follows a run's event stream (as the console's run page does) until it ends; returns the run.
async fn wait(console: &Console, run: &Value) -> Value {
    let url = console.url(&format!("/deployments/{}/runs/{}/events", run["deployment_id"], run["run"]["id"]));
    let mut response =
        console.http.get(url).timeout(Duration::from_secs(3_600)).send().await.expect("the run's event stream");
    let mut buffer: Vec<u8> = Vec::new();
    let mut last = Value::Null;
    while let Some(chunk) = response.chunk().await.expect("the event stream reads") {
        buffer.extend_from_slice(&chunk);
        while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buffer.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&event);
            let data: Vec<&str> = text
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            if data.is_empty() {
                continue;
            }
            last = serde_json::from_str(&data.join("\n")).expect("a run as JSON");
            if last["run"]["state"] != "running" {
                return last;
            }
        }
    }
    last
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

/// What a compartment holds: (topics, subscriptions, rules), read without added latency.
async fn holdings(client: &OciClient, compartment: &str) -> (usize, usize, usize) {
    let topics = collect_pages(|page| {
        let request =
            ListTopicsRequest { compartment_id: compartment.into(), page, limit: Some(50), ..Default::default() };
        async move { client.list_topics(&request).await }
    })
    .await
    .expect("topics listed");
    let subscriptions = collect_pages(|page| {
        let request = ListSubscriptionsRequest {
            compartment_id: compartment.into(),
            page,
            limit: Some(50),
            ..Default::default()
        };
        async move { client.list_subscriptions(&request).await }
    })
    .await
    .expect("subscriptions listed");
    let rules = collect_pages(|page| {
        let request =
            ListRulesRequest { compartment_id: compartment.into(), page, limit: Some(50), ..Default::default() };
        async move { client.list_rules(&request).await }
    })
    .await
    .expect("rules listed");
    (topics.len(), subscriptions.len(), rules.len())
}

/// The SDK script's arguments up to the compartment.
struct Sdk {
    python: String,
    sandbox: String,
    key_file: String,
    tenancy: String,
    fingerprint: String,
}

impl Sdk {
    /// Runs the script with `threads` threads; returns its seconds.
    fn apply(&self, size: usize, threads: usize, compartment: &str, prefix: &str) -> f64 {
        let (topics, subscriptions, rules) = shape(size);
        let output = Command::new(&self.python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/sdk_apply.py"))
            .args([&self.sandbox, &self.key_file, &self.tenancy, BUILTIN_USER, &self.fingerprint, compartment, prefix])
            .args([topics, subscriptions, rules, threads].map(|n| n.to_string()))
            .output()
            .expect("the Python SDK script runs (set SIGNALBOX_BENCH_PYTHON to a Python with the oci package)");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let result: Value = serde_json::from_slice(&output.stdout).expect("the script prints JSON");
        assert_eq!(result["calls"], size);
        result["seconds"].as_f64().expect("seconds")
    }
}

/// CPU seconds this process (Signalbox and its embedded sandbox) has used, from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Appends one result to `target/bench/apply.jsonl`.
fn record(line: Value) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("apply.jsonl")) {
        let _ = writeln!(file, "{line}");
    }
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("SIGNALBOX_BENCH_APPLY_SIZES")
        .unwrap_or_else(|_| "30,300,3000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let mut config = Config { sandbox_persist: true, ..Config::for_tests(data_dir.path()) };
    // `.ci/bench-backends`: the same on a new database of this PostgreSQL server.
    if let Ok(server) = std::env::var("SIGNALBOX_BENCH_POSTGRES") {
        config.database = server::config::Database::Postgres(pg_database::fresh(&server).await.into());
        config.master_key = Some(pg_database::MASTER_KEY.to_owned().into());
        println!("database: PostgreSQL (a fresh database on {server})");
    } else {
        println!("database: SQLite (a file in a temporary directory)");
    }
    let app = Application::build(config).await.expect("application starts");
    let base = format!("http://{}", app.local_addr().expect("bound address"));
    let builtin = app.builtin();
    tokio::spawn(app.run_until_stopped());

    let console = Console::login(&base, TEST_ADMIN_PASSWORD).await;
    let connections = console.get("/connections").await;
    let connection = connections[0]["id"].as_i64().expect("sandbox connection");

    let key_file = data_dir.path().join("sandbox").join("api_key.pem");
    let key = PrivateKey::from_pem(&std::fs::read(&key_file).expect("built-in key"), None).expect("key loads");
    let sdk = Sdk {
        python: std::env::var("SIGNALBOX_BENCH_PYTHON").unwrap_or_else(|_| "python3".into()),
        sandbox: format!("{base}{}", server::builtin::SANDBOX_PATH),
        key_file: key_file.to_str().expect("utf-8 path").to_owned(),
        tenancy: builtin.sandbox.tenancy().to_owned(),
        fingerprint: key.fingerprint().as_str().to_owned(),
    };

    let latency = FaultSpec { latency_ms: LATENCY_MS, ..FaultSpec::default() };
    let bucket = FaultSpec { rate_per_second: BUCKET_RATE, burst: BUCKET_BURST, ..latency };
    let set = |spec: FaultSpec| {
        builtin
            .sandbox
            .set_faults([("notifications".to_owned(), spec), ("events".to_owned(), spec)].into())
            .expect("faults")
    };
    println!(
        "{LATENCY_MS} ms added to every sandbox call, sandbox persistence on; throttled runs: a bucket of \
         {BUCKET_RATE}/s (burst {BUCKET_BURST}) per tenancy and operation; SDK pool of {POOL} threads"
    );
    let mut summary = Vec::new();
    for &size in &sizes {
        let (topics, subscriptions, rules) = shape(size);
        let document = fanout_template(&format!("{size} resources"), topics, subscriptions, rules);
        let created = console.post("/templates", json!({"source": {"document": document}})).await;
        let template_id = created["template"]["id"].as_i64().expect("template id");
        println!();
        println!("== {size} resources: {topics} topics, {subscriptions} subscriptions, {rules} rules");

        set(latency);
        let (mut plans, mut applies, mut totals, mut pools, mut sequentials, mut destroys) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for n in 0..runs(size) {
            let compartment = format!("ocid1.compartment.oc1..bench{size}sb{n}");
            let cpu = cpu_seconds();
            let deployed = deploy(&console, template_id, connection, &compartment, &format!("sb{size}r{n}")).await;
            let cpu = cpu_seconds() - cpu;
            assert_eq!(deployed.run["run"]["state"], "succeeded", "{}", deployed.run);
            let (to_first, calls, to_done) =
                breakdown(&deployed.run, size == 30 && std::env::var_os("SIGNALBOX_BENCH_STEPS").is_some());
            plans.push(deployed.plan.as_secs_f64());
            applies.push(deployed.apply.as_secs_f64());
            totals.push(deployed.total());
            let mut line = format!(
                "run {n}: Signalbox plan {:.3} s + apply {:.3} s = {:.3} s (run created → first call {to_first} ms, \
                 calls {calls} ms, last call → run done {to_done} ms; {cpu:.1} CPU s with the sandbox)",
                deployed.plan.as_secs_f64(),
                deployed.apply.as_secs_f64(),
                deployed.total()
            );
            if size == 30 {
                let destroyed = destroy(&console, &deployed.run["deployment_id"]).await.as_secs_f64();
                destroys.push(destroyed);
                line += &format!("; destroy {destroyed:.3} s");
                let sequential =
                    sdk.apply(size, 1, &format!("ocid1.compartment.oc1..bench{size}seq{n}"), &format!("seq{size}r{n}"));
                sequentials.push(sequential);
                line += &format!("; SDK sequential {sequential:.3} s");
            }
            let pool = sdk.apply(
                size,
                POOL,
                &format!("ocid1.compartment.oc1..bench{size}pool{n}"),
                &format!("pool{size}r{n}"),
            );
            pools.push(pool);
            println!("{line}; SDK {POOL}-thread pool {pool:.3} s");
        }
        let (plan, apply, total, pool) = (median(plans), median(applies), median(totals), median(pools));
        println!("median: Signalbox plan + apply {total:.3} s (plan {plan:.3} s, apply {apply:.3} s)");
        println!(
            "  vs SDK {POOL}-thread pool {pool:.3} s: {:.2}x; {:.0} creates a second (the pool: {:.0})",
            pool / total,
            size as f64 / total,
            size as f64 / pool
        );
        let mut result = json!({
            "size": size, "throttled": false, "plan": plan, "apply": apply, "total": total,
            "sdk_pool": pool,
        });
        if size == 30 {
            let sequential = median(sequentials);
            println!(
                "  vs SDK one call after another (the seed's workflow) {sequential:.3} s: {:.1}x plan + apply \
                 (goal ≥ 8x), {:.1}x apply alone; destroy {:.3} s",
                sequential / total,
                sequential / apply,
                median(destroys.clone())
            );
            result["sdk_sequential"] = json!(sequential);
            result["destroy"] = json!(median(destroys));
        }
        record(result.clone());
        summary.push(result);

        // Under the token bucket: the same template, a fresh compartment, and what it holds after.
        set(bucket);
        let before = builtin.sandbox.faults().injected;
        let compartment = format!("ocid1.compartment.oc1..bench{size}throttled");
        let deployed = deploy(&console, template_id, connection, &compartment, &format!("thr{size}")).await;
        let throttled = builtin.sandbox.faults().injected - before;
        let pool_compartment = format!("ocid1.compartment.oc1..bench{size}throttledpool");
        let before = builtin.sandbox.faults().injected;
        let pool = sdk.apply(size, POOL, &pool_compartment, &format!("thrpool{size}"));
        let pool_throttled = builtin.sandbox.faults().injected - before;
        set(FaultSpec::default());
        assert_eq!(deployed.run["run"]["state"], "succeeded", "{}", deployed.run);
        let held = holdings(&builtin.client, &compartment).await;
        let pool_held = holdings(&builtin.client, &pool_compartment).await;
        let duplicates = (held.0 + held.1 + held.2) as i64 - size as i64;
        let throttled_ideal = ideal(size, f64::from(BUCKET_RATE));
        println!(
            "throttled: Signalbox plan + apply {:.3} s ({:.2}x unthrottled, goal ≤ 2x; {:.2}x the ideal at \
             {BUCKET_RATE}/s, {throttled_ideal:.3} s, goal ≤ 2x at 3,000), {} calls for {size} steps, {throttled} \
             answered 429; holds {held:?}: {duplicates} duplicates",
            deployed.total(),
            deployed.total() / total,
            deployed.total() / throttled_ideal,
            deployed.calls(),
        );
        println!(
            "  SDK {POOL}-thread pool {pool:.3} s ({:.2}x its unthrottled), {pool_throttled} answered 429; holds {pool_held:?}",
            pool / summary.last().and_then(|r| r["sdk_pool"].as_f64()).unwrap_or(f64::NAN)
        );
        assert_eq!(held, shape(size), "exactly the template's resources");
        let result = json!({
            "size": size, "throttled": true, "total": deployed.total(), "calls": deployed.calls(),
            "throttled_calls": throttled, "duplicates": duplicates, "sdk_pool": pool, "ideal": throttled_ideal,
        });
        record(result.clone());
        summary.push(result);
    }
    println!();
    println!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
}
