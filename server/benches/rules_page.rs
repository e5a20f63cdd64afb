//! How long the rules page takes to render on the server with 500 rules in the built-in sandbox,
//! next to the JSON list of the same rules from `/api/v1` in the same run (the anchor: the data
//! the page is built from, without any HTML).
//!
//! The whole application runs in this process exactly as `signalbox serve` builds it, on
//! loopback, with a real SQLite file in a temporary directory; the rules are created through the
//! API, so each one went through validation, signing and the sandbox. Every request is a full
//! round trip over HTTP with the session cookie, timed from send to the last byte. Cases alternate
//! request by request so drift in this machine's speed hits both; the median and the 90th
//! percentile of each are reported. Run with `cargo bench -p server --bench rules_page`.

use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use server::Application;
use server::config::{Config, TEST_ADMIN_PASSWORD};
use std::time::{Duration, Instant};

const RULES: usize = 500;
const SAMPLES: usize = 41;
const GOAL: Duration = Duration::from_millis(100);
const COMPARTMENT: &str = "ocid1.compartment.oc1..sandboxdev";

#[tokio::main]
async fn main() {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let app = Application::build(Config::for_tests(data_dir.path())).await.expect("application starts");
    let base = format!("http://{}", app.local_addr().expect("bound address"));
    tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::builder().no_proxy().cookie_store(true).build().expect("http client");
    let me: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": TEST_ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login answer");
    let csrf = me["csrf_token"].as_str().expect("a CSRF token").to_owned();
    let team = me["teams"][0]["team_id"].as_i64().expect("a team");
    let connections: Value =
        client.get(format!("{base}/api/v1/teams/{team}/connections")).send().await.unwrap().json().await.unwrap();
    let connection = connections[0]["id"].as_i64().expect("the built-in connection");
    let api = format!("{base}/api/v1/teams/{team}/connections/{connection}");

    let topic: Value = client
        .post(format!("{api}/topics"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"compartment_id": COMPARTMENT, "name": "bench-alerts"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let topic = topic["id"].as_str().expect("topic created").to_owned();

    let started = Instant::now();
    let created = stream::iter(0..RULES)
        .map(|i| {
            let body = json!({
                "compartment_id": COMPARTMENT,
                "name": format!("bench-rule-{i:03}"),
                "description": "created by the rules page benchmark",
                "condition": format!(
                    r#"{{"eventType":["com.oraclecloud.computeapi.launchinstance.end","com.oraclecloud.objectstorage.createobject"],"data":{{"freeformTags":{{"shard":"{i}"}}}}}}"#
                ),
                "actions": [{"kind": "ONS", "target_id": topic, "description": "notify"}],
            });
            let request = client.post(format!("{api}/rules")).header("x-csrf-token", &csrf).json(&body);
            async move { request.send().await.map(|r| r.status().is_success()).unwrap_or(false) }
        })
        .buffer_unordered(4)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    assert_eq!(created, RULES, "every rule is created");
    println!("created {RULES} rules through the API in {:.1} s", started.elapsed().as_secs_f64());

    let page = format!("{base}/t/{team}/rules?connection={connection}&compartment={COMPARTMENT}");
    let json = format!("{api}/rules?compartment_id={COMPARTMENT}");
    let fetch = |url: String| {
        let request = client.get(url).header("accept", "text/html");
        async move {
            let start = Instant::now();
            let response = request.send().await.expect("request sent");
            assert!(response.status().is_success(), "{}", response.status());
            let body = response.text().await.expect("whole body");
            (start.elapsed(), body)
        }
    };

    let (_, body) = fetch(page.clone()).await;
    let rows = body.matches("bench-rule-").count();
    assert!(rows >= RULES, "the page names every rule ({rows} mentions)");
    println!("rules page: {} bytes of HTML", body.len());
    for _ in 0..5 {
        fetch(page.clone()).await;
        fetch(json.clone()).await;
    }
    let (mut page_times, mut json_times) = (Vec::new(), Vec::new());
    for _ in 0..SAMPLES {
        page_times.push(fetch(page.clone()).await.0);
        json_times.push(fetch(json.clone()).await.0);
    }
    println!();
    println!("{:<58} {:>9} {:>9}", format!("{RULES} rules, {SAMPLES} requests each"), "median", "p90");
    let page_median = report("rules page, server-side render (GET /rules)", &mut page_times);
    report("anchor: the same rules as JSON (GET /api/v1/.../rules)", &mut json_times);
    println!("goal: rules page under {} ms: {}", GOAL.as_millis(), if page_median < GOAL { "met" } else { "NOT met" });
}

/// Prints and answers the median of `times`, with its 90th percentile.
fn report(label: &str, times: &mut [Duration]) -> Duration {
    times.sort();
    let median = times[times.len() / 2];
    let p90 = times[times.len() * 9 / 10];
    println!("{label:<58} {:>6.1} ms {:>6.1} ms", ms(median), ms(p90));
    median
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
