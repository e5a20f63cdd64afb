//! Two `signalbox serve` processes on one PostgreSQL database (issue 24): an apply started on the
//! first, which is killed with SIGKILL mid-run, is taken over by the second and finished; the
//! cloud (a sandbox in this process, which outlives both) holds exactly one of each resource; the
//! audit chain verifies; a client following the run on the second instance saw its progress. And
//! writers on both instances at once lose no audit row and make no duplicate.
//!
//! The PostgreSQL server is a throwaway one of this test's own (`support/postgres.rs`).

#[path = "support/cloud.rs"]
mod cloud;
#[path = "support/console.rs"]
mod console;
#[path = "support/postgres.rs"]
mod postgres;
mod support;

use cloud::Cloud;
use console::{Console, pairs_template};
use serde_json::{Value, json};
use server::oci::client::collect_pages;
use server::oci::events::ListRulesRequest;
use server::oci::ons::{ListSubscriptionsRequest, ListTopicsRequest};
use server::sandbox::{FaultSpec, SandboxConfig};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Serving, spawn_serving};

const PASSWORD: &str = "cluster test admin password";
/// 32 bytes of 0x07, base64: the key both instances share.
const MASTER_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
const COMPARTMENT: &str = "ocid1.compartment.oc1..sandboxprod";
const USER: &str = "ocid1.user.oc1..aaaaaaaaclustertester";
const PAIRS: usize = 4;

/// Notifications calls take `ons_ms`, Events calls `events_ms`.
fn slow_down(cloud: &Cloud, ons_ms: u64, events_ms: u64) {
    let mut services = BTreeMap::new();
    services.insert("notifications".to_owned(), FaultSpec { latency_ms: ons_ms, ..FaultSpec::default() });
    services.insert("events".to_owned(), FaultSpec { latency_ms: events_ms, ..FaultSpec::default() });
    cloud.tenancy.set_faults(services).unwrap();
}

/// `signalbox serve` on `database` with a data directory of its own, sending OCI calls to `cloud`.
fn instance(dir: &std::path::Path, database: &str, cloud: &Cloud) -> Serving {
    let envs = [
        ("SIGNALBOX_ADMIN_PASSWORD", PASSWORD),
        ("SIGNALBOX_MASTER_KEY", MASTER_KEY),
        ("SIGNALBOX_DATABASE_URL", database),
    ];
    spawn_serving(dir, &["--oci-endpoint", &cloud.url], &envs)
}

fn kill(serving: Serving) {
    let status = Command::new("kill").args(["-KILL", &serving.pid().to_string()]).status().expect("kill");
    assert!(status.success());
    serving.wait_gone();
}

fn done(run: &Value) -> usize {
    run["steps"].as_array().map_or(0, |steps| steps.iter().filter(|s| s["state"] == "done").count())
}

/// Creates the API-key connection to `cloud` through `console`; its id.
async fn connect(console: &Console, cloud: &Cloud) -> i64 {
    let body = json!({
        "name": "cloud",
        "source": {
            "from": "fields",
            "tenancy": cloud.tenancy.tenancy(),
            "user": USER,
            "fingerprint": cloud.fingerprint(),
            "region": "us-ashburn-1",
        },
        "private_key": cloud.private_pem,
    });
    console.post("/connections", body).await["id"].as_i64().expect("a connection id")
}

/// Follows a run's event stream on `console`'s instance, collecting every `run` event's data
/// until the run ends (or the deadline).
async fn follow(http: reqwest::Client, url: String) -> Vec<Value> {
    let mut response = http.get(url).send().await.expect("event stream");
    assert_eq!(response.status(), 200);
    let mut text = String::new();
    let mut runs = Vec::new();
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(90), response.chunk()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let event: String = text.drain(..end + 2).collect();
            if let Some(data) = event.lines().find_map(|line| line.strip_prefix("data:")) {
                let run: Value = serde_json::from_str(data.trim()).expect("a run as JSON");
                let finished = run["run"]["state"] != "running";
                runs.push(run);
                if finished {
                    return runs;
                }
            }
        }
    }
    runs
}

/// What the cloud holds in the compartment: topic names, rule names, subscriptions.
async fn holdings(cloud: &Cloud) -> (Vec<String>, Vec<String>, usize) {
    let compartment = COMPARTMENT.to_owned();
    let topics = collect_pages(|page| {
        let request =
            ListTopicsRequest { compartment_id: compartment.clone(), page, limit: Some(50), ..Default::default() };
        async move { cloud.client.list_topics(&request).await }
    })
    .await
    .unwrap();
    let rules = collect_pages(|page| {
        let request =
            ListRulesRequest { compartment_id: compartment.clone(), page, limit: Some(50), ..Default::default() };
        async move { cloud.client.list_rules(&request).await }
    })
    .await
    .unwrap();
    let subscriptions = collect_pages(|page| {
        let request = ListSubscriptionsRequest { compartment_id: compartment.clone(), page, ..Default::default() };
        async move { cloud.client.list_subscriptions(&request).await }
    })
    .await
    .unwrap();
    let mut topics: Vec<String> = topics.into_iter().map(|t| t.name).collect();
    let mut rules: Vec<String> = rules.into_iter().map(|r| r.display_name).collect();
    topics.sort();
    rules.sort();
    (topics, rules, subscriptions.len())
}

/// `GET /api/v1{path}` (outside the team's scope) on `serving` with `console`'s session.
async fn site_get(console: &Console, serving: &Serving, path: &str) -> Value {
    let url = format!("http://{}/api/v1{path}", serving.addr);
    console.http.get(url).send().await.unwrap().json().await.unwrap()
}

/// Two instances on one throwaway PostgreSQL, both sending OCI calls to one cloud.
struct Cluster {
    database: postgres::Postgres,
    cloud: Cloud,
    first: Serving,
    second: Serving,
    on_first: Console,
    on_second: Console,
    _dirs: tempfile::TempDir,
}

async fn cluster() -> Cluster {
    let database = postgres::start();
    let cloud = cloud::start(SandboxConfig::default(), USER).await;
    let dirs = tempfile::tempdir().unwrap();
    let first = instance(&dirs.path().join("a"), &database.url, &cloud);
    let second = instance(&dirs.path().join("b"), &database.url, &cloud);
    let on_first = Console::login(&format!("http://{}", first.addr), PASSWORD).await;
    let on_second = Console::login(&format!("http://{}", second.addr), PASSWORD).await;
    Cluster { database, cloud, first, second, on_first, on_second, _dirs: dirs }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_instance_is_killed_is_finished_by_another() {
    let Cluster { database: _database, cloud, first, second, on_first, on_second, _dirs } = cluster().await;

    // A session begun on one instance is honoured by the other (sessions live in the database).
    let shared = on_second.http.get(format!("http://{}/api/v1/auth/me", first.addr)).send().await.unwrap();
    assert_eq!(shared.status(), 200, "the second instance's session works on the first");

    let connection = connect(&on_first, &cloud).await;
    let created = on_first.post("/templates", json!({"source": {"document": pairs_template(PAIRS)}})).await;
    let target = json!({
        "template_id": created["template"]["id"],
        "version": 1,
        "connection_id": connection,
        "compartment_id": COMPARTMENT,
        "parameters": {"prefix": "cluster"},
    });
    let review = on_first.post("/deployments/plan", target.clone()).await;
    let mut body = target;
    body["name"] = json!("cluster");
    body["digest"] = review["digest"].clone();
    // Slow rules leave a window in which the topics are done and every rule is in flight.
    slow_down(&cloud, 300, 2_000);
    let run = on_first.post("/deployments", body).await;
    let (deployment, run_id) = (run["deployment_id"].as_i64().unwrap(), run["run"]["id"].as_i64().unwrap());
    let total = run["steps"].as_array().unwrap().len();
    assert_eq!(total, 3 * PAIRS);
    let run_path = format!("/deployments/{deployment}/runs/{run_id}");
    let followed = tokio::spawn(follow(on_second.http.clone(), on_second.url(&format!("{run_path}/events"))));

    let deadline = Instant::now() + Duration::from_secs(30);
    let before = loop {
        let now = on_second.get(&run_path).await;
        if done(&now) >= PAIRS {
            break now;
        }
        assert!(Instant::now() < deadline, "the run did not get going: {now}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let killed_at = Instant::now();
    kill(first);
    assert!(done(&before) < total, "killed before the end: {before}");

    // The second instance takes the run over once the first's lease expires, and finishes it.
    let deadline = Instant::now() + Duration::from_secs(90);
    let finished = loop {
        let now = on_second.get(&run_path).await;
        if now["run"]["state"] != "running" {
            break now;
        }
        assert!(Instant::now() < deadline, "the run was not taken over: {now}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!("taken over and finished {:?} after the kill", killed_at.elapsed());
    assert_eq!(finished["run"]["state"], "succeeded", "{finished}");
    assert_eq!(done(&finished), total);
    assert!(finished["run"]["taken_over_at"].is_string(), "the run says it was taken over: {finished}");

    // The follower on the second instance saw the run progress and end.
    let seen = followed.await.unwrap();
    let progress: Vec<usize> = seen.iter().map(done).collect();
    assert!(progress.len() >= 2 && progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    assert_eq!(seen.last().map(|run| run["run"]["state"].clone()), Some(json!("succeeded")), "{progress:?}");

    // Exactly one of each resource in the cloud, asked directly.
    slow_down(&cloud, 0, 0);
    let (topics, rules, subscriptions) = holdings(&cloud).await;
    assert_eq!(topics, (0..PAIRS).map(|i| format!("cluster-topic-{i}")).collect::<Vec<_>>());
    assert_eq!(rules, (0..PAIRS).map(|i| format!("cluster-rule-{i}")).collect::<Vec<_>>());
    assert_eq!(subscriptions, PAIRS);

    // The takeover is audited, and the chain is one chain.
    let audit = site_get(&on_second, &second, "/audit?action=deployment.takeover").await;
    assert_eq!(audit["entries"].as_array().map(Vec::len), Some(1), "{audit}");
    let chain = site_get(&on_second, &second, "/audit/verify").await;
    assert_eq!(chain["intact"], true, "{chain}");
    let log = second.stop();
    assert!(log.contains("took over an apply run"), "{log}");
}

/// What a writer was told succeeded.
#[derive(Default)]
struct Written {
    /// Names of topics and rules created (answered 200).
    topics: Vec<String>,
    rules: Vec<String>,
    /// Names of those deleted again (answered 204).
    deleted_topics: Vec<String>,
    deleted_rules: Vec<String>,
}

/// Live pairs a writer keeps: the sandbox, like OCI, limits a tenancy's topics (100).
const KEEP_PAIRS: usize = 20;

/// Creates topics, each with a rule notifying it, through `console` until `until`, deleting its
/// oldest pair once it holds [`KEEP_PAIRS`]; what it was told succeeded.
async fn write_until(console: &Console, connection: i64, writer: &str, until: Instant) -> Written {
    let mut written = Written::default();
    let mut live: std::collections::VecDeque<(String, String, String, String)> = Default::default();
    let base = format!("/connections/{connection}");
    let send = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut request = console.http.request(method, console.url(&path)).header("x-csrf-token", console.csrf());
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let mut n = 0;
    while Instant::now() < until {
        if live.len() >= KEEP_PAIRS
            && let Some((topic_id, topic, rule_id, rule)) = live.pop_front()
        {
            if send(reqwest::Method::DELETE, format!("{base}/rules/{rule_id}"), None).await.unwrap().status() == 204 {
                written.deleted_rules.push(rule);
            }
            if send(reqwest::Method::DELETE, format!("{base}/topics/{topic_id}"), None).await.unwrap().status() == 204 {
                written.deleted_topics.push(topic);
            }
        }
        n += 1;
        let name = format!("{writer}-topic-{n}");
        let body = json!({"compartment_id": COMPARTMENT, "name": name});
        let answer = send(reqwest::Method::POST, format!("{base}/topics"), Some(body)).await.unwrap();
        assert_eq!(answer.status(), 200, "{name}: {}", answer.text().await.unwrap_or_default());
        let topic: Value = answer.json().await.unwrap();
        written.topics.push(name.clone());
        let rule = format!("{writer}-rule-{n}");
        let body = json!({
            "compartment_id": COMPARTMENT,
            "name": rule,
            "condition": r#"{"eventType":"com.oraclecloud.computeapi.launchinstance.end"}"#,
            "actions": [{"kind": "ONS", "target_id": topic["id"], "description": "load"}],
        });
        let answer = send(reqwest::Method::POST, format!("{base}/rules"), Some(body)).await.unwrap();
        assert_eq!(answer.status(), 200, "{rule}: {}", answer.text().await.unwrap_or_default());
        let created: Value = answer.json().await.unwrap();
        written.rules.push(rule.clone());
        let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
        live.push_back((id(&topic), name, id(&created), rule));
    }
    written
}

/// Two writers, one on each instance, create topics and rules for a minute: every change they
/// were told succeeded has exactly one audit row, the chain verifies on both instances, and the
/// cloud holds each resource once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_on_both_instances_lose_no_audit_row_and_make_no_duplicate() {
    let seconds = std::env::var("SIGNALBOX_CLUSTER_LOAD_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let cluster = cluster().await;
    let connection = connect(&cluster.on_first, &cluster.cloud).await;
    // OCI-like: each call takes 50 ms.
    slow_down(&cluster.cloud, 50, 50);
    let until = Instant::now() + Duration::from_secs(seconds);
    let (one, two) = tokio::join!(
        write_until(&cluster.on_first, connection, "one", until),
        write_until(&cluster.on_second, connection, "two", until),
    );
    slow_down(&cluster.cloud, 0, 0);
    let all = |pick: fn(&Written) -> &Vec<String>| {
        let mut names: Vec<String> = pick(&one).iter().chain(pick(&two)).cloned().collect();
        names.sort();
        names
    };
    let (topics, rules) = (all(|w| &w.topics), all(|w| &w.rules));
    let (deleted_topics, deleted_rules) = (all(|w| &w.deleted_topics), all(|w| &w.deleted_rules));
    println!(
        "{} topics and {} rules created, {} and {} deleted, in {seconds} s by two writers on two instances",
        topics.len(),
        rules.len(),
        deleted_topics.len(),
        deleted_rules.len()
    );
    assert!(!one.topics.is_empty() && !two.topics.is_empty(), "both writers wrote");

    // Each accepted change has exactly one successful audit row, by name.
    let pool = sqlx::PgPool::connect(&cluster.database.url).await.unwrap();
    let audited = |action: &'static str| {
        let pool = pool.clone();
        async move {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT target_name FROM audit_events WHERE action = $1 AND result = 'ok' ORDER BY target_name",
            )
            .bind(action)
            .fetch_all(&pool)
            .await
            .unwrap();
            names
        }
    };
    assert_eq!(audited("topic.create").await, topics, "one audit row per topic created");
    assert_eq!(audited("rule.create").await, rules, "one audit row per rule created");
    assert_eq!(audited("topic.delete").await, deleted_topics, "one audit row per topic deleted");
    assert_eq!(audited("rule.delete").await, deleted_rules, "one audit row per rule deleted");
    for (console, serving) in [(&cluster.on_first, &cluster.first), (&cluster.on_second, &cluster.second)] {
        let chain = site_get(console, serving, "/audit/verify").await;
        assert_eq!(chain["intact"], true, "{chain}");
        assert!(chain["rows"].as_i64().unwrap() > (topics.len() + rules.len()) as i64, "{chain}");
    }

    // The cloud holds each live one once: no duplicate, none missing, none deleted left over.
    let live =
        |made: &[String], gone: &[String]| made.iter().filter(|n| !gone.contains(n)).cloned().collect::<Vec<_>>();
    let (held_topics, held_rules, _) = holdings(&cluster.cloud).await;
    assert_eq!(held_topics, live(&topics, &deleted_topics));
    assert_eq!(held_rules, live(&rules, &deleted_rules));
}
