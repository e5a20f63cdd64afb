//! Floods of bad input at `/hooks/...` against a running server: what the server stores, how much
//! memory the process holds, and how fast the API keeps answering meanwhile.
//!
//! Four floods of 1,000 requests each (50 connections at a time) go to the real server on
//! loopback: unknown tokens, bodies over the limit (declared), bodies that are not JSON to a real
//! inbox, and 1,000 valid deliveries to that inbox. A second client asks `GET /api/v1/auth/me` in
//! a loop, first for three seconds with nothing else going on (the anchor), then during each
//! flood; its 95th percentile latency is the "stays responsive" figure. The process's resident
//! memory (`VmRSS`: the server and the benchmark's clients, which hold at most 50 bodies at a
//! time) is read before and after each flood. Run with
//! `cargo bench -p server --bench hooks_flood`.

#[path = "../tests/support/console.rs"]
#[allow(dead_code, reason = "the template helper is the apply benchmark's")]
mod console;

use console::Console;
use futures_util::StreamExt;
use serde_json::json;
use server::Application;
use server::config::{Config, TEST_ADMIN_PASSWORD};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const REQUESTS: usize = 1000;
const IN_FLIGHT: usize = 50;

#[tokio::main]
async fn main() {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let app = Application::build(Config::for_tests(data_dir.path())).await.expect("application starts");
    let base = format!("http://{}", app.local_addr().expect("bound address"));
    let pool = app.pool();
    tokio::spawn(app.run_until_stopped());

    let console = Console::login(&base, TEST_ADMIN_PASSWORD).await;
    let inbox = console.post("/inboxes", json!({"name": "flood"})).await;
    let admin = console.http.clone();
    let url = inbox["url"].as_str().expect("inbox url").to_owned();

    // Bodies are made as they are sent, so the client side holds at most IN_FLIGHT of them.
    type Make = Box<dyn Fn(usize) -> (String, Vec<u8>)>;
    let unknown = format!("{base}/hooks/{}", "u".repeat(39));
    let floods: Vec<(&str, Make)> = vec![
        ("unknown tokens", Box::new(move |i| (format!("{unknown}{i:04}"), b"{}".to_vec()))),
        ("bodies over 256 KiB (declared)", {
            let url = url.clone();
            Box::new(move |_| (url.clone(), vec![b'x'; 300 * 1024]))
        }),
        ("bodies that are not JSON", {
            let url = url.clone();
            Box::new(move |i| (url.clone(), format!("plain text {i}").into_bytes()))
        }),
        ("valid deliveries", {
            let url = url.clone();
            Box::new(move |i| (url.clone(), json!({"n": i}).to_string().into_bytes()))
        }),
    ];

    println!(
        "{:<34} {:>10} {:>18} {:>9} {:>12} {:>12}",
        "1,000 requests of", "took", "answers", "stored", "RSS after", "API p95"
    );
    // The anchor: the same API question with nothing else going on.
    let busy = Arc::new(AtomicBool::new(true));
    let prober = tokio::spawn(probe_api(admin.clone(), format!("{base}/api/v1/auth/me"), busy.clone()));
    tokio::time::sleep(Duration::from_secs(3)).await;
    busy.store(false, Ordering::Relaxed);
    let idle_p95 = p95_ms(prober.await.expect("prober"));
    println!(
        "{:<34} {:>10} {:>18} {:>9} {:>12} {idle_p95:>9.1} ms",
        "(no flood)",
        "",
        "",
        0,
        format!("{} MiB", rss_mib())
    );
    for (label, make) in floods {
        let busy = Arc::new(AtomicBool::new(true));
        let prober = tokio::spawn(probe_api(admin.clone(), format!("{base}/api/v1/auth/me"), busy.clone()));
        let started = Instant::now();
        let client = reqwest::Client::builder().no_proxy().build().expect("flood client");
        let statuses: Vec<u16> = futures_util::stream::iter((0..REQUESTS).map(&make))
            .map(|(url, body)| {
                let client = client.clone();
                async move { client.post(url).body(body).send().await.map_or(0, |r| r.status().as_u16()) }
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let took = started.elapsed();
        busy.store(false, Ordering::Relaxed);
        let p95 = p95_ms(prober.await.expect("prober"));
        let mut counts = std::collections::BTreeMap::<u16, usize>::new();
        for status in statuses {
            *counts.entry(status).or_default() += 1;
        }
        let answers = counts.iter().map(|(s, n)| format!("{n}×{s}")).collect::<Vec<_>>().join(" ");
        let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM deliveries").fetch_one(&pool).await.expect("count");
        println!(
            "{label:<34} {:>8.2} s {answers:>18} {stored:>9} {:>12} {p95:>9.1} ms",
            took.as_secs_f64(),
            format!("{} MiB", rss_mib()),
        );
        // Let the per-inbox budget refill between floods.
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// Asks the API in a loop while `busy`, answering each request's latency.
async fn probe_api(client: reqwest::Client, url: String, busy: Arc<AtomicBool>) -> Vec<Duration> {
    let mut latencies = Vec::new();
    while busy.load(Ordering::Relaxed) {
        let started = Instant::now();
        let ok = client.get(&url).send().await.is_ok_and(|r| r.status().is_success());
        assert!(ok, "the API answers during the flood");
        latencies.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    latencies
}

/// The 95th percentile of the latencies, in milliseconds.
fn p95_ms(mut latencies: Vec<Duration>) -> f64 {
    latencies.sort();
    latencies.get(latencies.len() * 95 / 100).copied().unwrap_or_default().as_secs_f64() * 1000.0
}

/// Resident memory of this process (server and clients), in MiB.
fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmRSS:").and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            })
        })
        .map_or(0, |kb| kb / 1024)
}
