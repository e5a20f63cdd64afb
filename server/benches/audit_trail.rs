//! The audit trail at 1,000,000 rows: filtered and full-text queries against the same searches
//! written as `LIKE` scans (the anchor), and the first page of `/audit` over HTTP.
//!
//! The rows are a year of changes by 40 people to 20,000 resources (rules, topics,
//! subscriptions), with before/after snapshots, sealed into one valid hash chain and written to a
//! real SQLite file; the application then opens that file exactly as `signalbox serve` does.
//! Queries go through the same functions the API uses (`db::audit_query::list_summaries`); the LIKE
//! anchor selects the same rows with `LIKE '%word%'` over the same columns. Run with
//! `cargo bench -p server --bench audit_trail` (`SIGNALBOX_BENCH_KEEP=1` keeps the database).

use serde_json::{Value, json};
use server::Application;
use server::audit::chain::Content;
use server::config::{Config, TEST_ADMIN_PASSWORD};
use server::db::Pool;
use server::db::audit_events;
use server::db::audit_query::{self, Selection, search_query};
use std::time::{Duration, Instant};

const ROWS: i64 = 1_000_000;
const RESOURCES: i64 = 20_000;
const SAMPLES: usize = 101;
const LIKE_SAMPLES: usize = 11;
const PAGE_SAMPLES: usize = 41;

#[tokio::main]
async fn main() {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let path = data_dir.path().join(server::data_dir::DATABASE_FILE);
    let pool = server::db::open(&path).await.expect("database");
    let started = Instant::now();
    seed(&pool).await;
    println!("sealed {ROWS} audit rows into the chain in {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let verified = audit_events::verify(&pool, Vec::new()).await.expect("verify");
    assert!(verified.broken.is_none(), "{:?}", verified.broken);
    println!("verified the whole chain ({} rows) in {:.1} s", verified.rows, started.elapsed().as_secs_f64());
    // What the running server does in the background once enough rows arrived.
    let started = Instant::now();
    let steps = server::db::audit_search::merge_if_grown(&pool, true).await.expect("merge");
    println!("merged the search indexes in {steps} steps, {:.1} s", started.elapsed().as_secs_f64());
    pool.close().await;

    let app = Application::build(Config::for_tests(data_dir.path())).await.expect("application starts");
    let base = format!("http://{}", app.local_addr().expect("bound address"));
    let pool = app.pool();
    tokio::spawn(app.run_until_stopped());

    let team = Some(vec![1]);
    let rare = "orders-alerts-14708";
    let ocid = ocid("topic", 4711);
    let cases: Vec<(&str, Selection, Option<Like>)> = vec![
        (
            "filtered: team, rule.* actions, failed",
            Selection {
                teams: team.clone(),
                action: Some("rule.".into()),
                result: Some("failed".into()),
                ..Selection::default()
            },
            None,
        ),
        (
            "filtered: one resource's history (target OCID)",
            Selection { teams: team.clone(), target: Some(ocid.clone()), ..Selection::default() },
            None,
        ),
        (
            "full text: a resource name",
            Selection { teams: team.clone(), search: search_query(rare), ..Selection::default() },
            Some(Like::new(rare, None)),
        ),
        (
            "full text: an OCID inside the JSON",
            Selection { teams: team.clone(), search: search_query(&ocid), ..Selection::default() },
            Some(Like::new(&ocid, None)),
        ),
        (
            "full text + filter: word in snapshots, rule.update only",
            Selection {
                teams: team.clone(),
                action: Some("rule.update".into()),
                search: search_query("shard-777"),
                ..Selection::default()
            },
            Some(Like::new("shard-777", Some("rule.update"))),
        ),
    ];

    println!();
    println!("{:<58} {:>9} {:>9} {:>7}", format!("{ROWS} rows, first page of 50"), "median", "p95", "rows");
    for (label, selection, anchor) in &cases {
        let (median, p95, rows) = time(&pool, selection, SAMPLES).await;
        println!("{label:<58} {:>6.2} ms {:>6.2} ms {rows:>7}", ms(median), ms(p95));
        if let Some(anchor) = anchor {
            let (like_median, like_p95, like_rows) = time_like(&pool, anchor, LIKE_SAMPLES).await;
            assert_eq!(like_rows, rows, "the LIKE anchor finds the same rows");
            println!(
                "{:<58} {:>6.2} ms {:>6.2} ms {like_rows:>7}   ({:.0}x slower)",
                "  anchor: the same search as a LIKE scan",
                ms(like_median),
                ms(like_p95),
                like_median.as_secs_f64() / median.as_secs_f64()
            );
        }
    }

    // The first page of the audit UI, rendered on the server with the session cookie.
    let client = reqwest::Client::builder().no_proxy().cookie_store(true).build().expect("http client");
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": TEST_ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert!(login.status().is_success());
    println!();
    println!("{:<58} {:>9} {:>9}", format!("/audit over HTTP, {PAGE_SAMPLES} requests"), "median", "p95");
    for (label, path) in
        [("first page (GET /audit)", "/audit".to_owned()), ("a search (GET /audit?q=…)", format!("/audit?q={rare}"))]
    {
        let mut times = Vec::new();
        for _ in 0..PAGE_SAMPLES + 3 {
            let start = Instant::now();
            let response = client.get(format!("{base}{path}")).header("accept", "text/html").send().await.unwrap();
            assert!(response.status().is_success());
            let body = response.text().await.expect("whole body");
            assert!(body.contains("Audit trail"), "the page lists entries");
            times.push(start.elapsed());
        }
        times.drain(..3);
        times.sort();
        println!("{label:<58} {:>6.1} ms {:>6.1} ms", ms(times[times.len() / 2]), ms(times[times.len() * 95 / 100]));
    }
    let api: Value = client.get(format!("{base}/api/v1/audit?limit=1")).send().await.unwrap().json().await.unwrap();
    assert!(api["entries"][0]["id"].as_i64().is_some_and(|id| id > ROWS));
    // For looking into a query plan afterwards with the sqlite3 shell.
    if std::env::var_os("SIGNALBOX_BENCH_KEEP").is_some() {
        println!("kept the database in {}", data_dir.keep().display());
    }
}

/// A year of changes, oldest first, sealed into one chain.
async fn seed(pool: &Pool) {
    let now = chrono::Utc::now();
    let step = 365.0 * 24.0 * 3600.0 / ROWS as f64;
    let mut tx = pool.begin().await.expect("transaction");
    let mut prev = String::new();
    let kinds = ["rule", "topic", "subscription"];
    let verbs = ["create", "update", "update", "update", "delete"];
    for id in 1..=ROWS {
        let resource = (id * 7919) % RESOURCES;
        let kind = kinds[(resource % 3) as usize];
        let verb = verbs[(id % 5) as usize];
        let action = format!("{kind}.{verb}");
        let at = (now - chrono::TimeDelta::milliseconds(((ROWS - id) as f64 * step * 1000.0) as i64))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let name = format!("{}-alerts-{resource}", ["orders", "payments", "infra", "iam"][(resource % 4) as usize]);
        let target = ocid(kind, resource);
        let event = if id % 2 == 0 { "launchinstance" } else { "terminateinstance" };
        let snapshot = |n: i64| {
            json!({
                "id": target, "name": name, "compartment_id": "ocid1.compartment.oc1..sandboxdev",
                "condition": format!("{{\"eventType\":[\"com.oraclecloud.computeapi.{event}.end\"],\"data\":{{\"freeformTags\":{{\"shard\":\"shard-{}\"}}}}}}", (id + n) % 1000),
                "is_enabled": n == 0,
            })
            .to_string()
        };
        let (before, after) = (snapshot(1), snapshot(0));
        let actor = format!("user{}", id % 40);
        let failed = id % 97 == 0;
        let content = Content {
            id,
            at: &at,
            actor_user_id: Some(id % 40 + 2),
            actor_token_id: None,
            actor_name: &actor,
            team_id: Some(1),
            source: "ui",
            action: &action,
            target_kind: Some(kind),
            target_id: Some(&target),
            target_name: Some(&name),
            compartment_id: Some("ocid1.compartment.oc1..sandboxdev"),
            connection_id: Some(1),
            result: if failed { "failed" } else { "ok" },
            detail: failed.then_some("OCI refused: 409 Conflict"),
            client_ip: Some("10.0.0.8"),
            before_json: (verb != "create").then_some(before.as_str()),
            after_json: (verb != "delete").then_some(after.as_str()),
            opc_request_id: Some("0DE6E0C06F1B99F8A7CEF30747CB3855"),
            apply_run_id: None,
        };
        let hash = content.hash(&prev);
        audit_events::insert(&mut tx, &content, &prev, &hash).await.expect("insert");
        prev = hash;
    }
    sqlx::query("UPDATE audit_chain SET rows = $1, last_id = $1, last_hash = $2 WHERE id = 1")
        .bind(ROWS)
        .bind(&prev)
        .execute(&mut *tx)
        .await
        .expect("head");
    tx.commit().await.expect("commit");
    sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
}

/// An OCID shaped like OCI's: type, realm, region, and a unique part.
fn ocid(kind: &str, n: i64) -> String {
    let (kind, salt) = match kind {
        "rule" => ("eventrule", 1),
        "topic" => ("onstopic", 2),
        _ => ("onssubscription", 3),
    };
    let unique = (n as u64 * 3 + salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("ocid1.{kind}.oc1.iad.aaaaaaaa{unique:016x}")
}

/// The same search as `LIKE '%word%'` over every column the full-text index covers.
struct Like {
    pattern: String,
    action: Option<String>,
}

impl Like {
    fn new(word: &str, action: Option<&str>) -> Self {
        Like { pattern: format!("%{word}%"), action: action.map(str::to_owned) }
    }
}

async fn time(pool: &Pool, selection: &Selection, samples: usize) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..samples + 3 {
        let start = Instant::now();
        rows = audit_query::list_summaries(pool, selection, 50).await.expect("query").len();
        times.push(start.elapsed());
    }
    times.drain(..3);
    percentiles(times, rows)
}

async fn time_like(pool: &Pool, like: &Like, samples: usize) -> (Duration, Duration, usize) {
    let action = if like.action.is_some() { " AND e.action = $2" } else { "" };
    let sql = format!(
        "SELECT e.id FROM audit_events e WHERE e.team_id IN (1){action} AND (e.actor_name LIKE $1 OR e.action LIKE $1 OR e.target_kind LIKE $1 OR e.target_id LIKE $1 OR e.target_name LIKE $1 OR e.compartment_id LIKE $1 OR e.detail LIKE $1 OR e.before_json LIKE $1 OR e.after_json LIKE $1 OR e.opc_request_id LIKE $1) ORDER BY e.id DESC LIMIT 50"
    );
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..samples + 1 {
        let start = Instant::now();
        let found: Vec<i64> =
            sqlx::query_scalar(&sql).bind(&like.pattern).bind(&like.action).fetch_all(pool).await.expect("LIKE query");
        rows = found.len();
        times.push(start.elapsed());
    }
    times.drain(..1);
    percentiles(times, rows)
}

fn percentiles(mut times: Vec<Duration>, rows: usize) -> (Duration, Duration, usize) {
    times.sort();
    (times[times.len() / 2], times[(times.len() * 95 / 100).min(times.len() - 1)], rows)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
