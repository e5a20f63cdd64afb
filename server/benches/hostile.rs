//! A hostile burst against a real `signalbox serve` process: its resident memory before, during
//! and after, and how fast `GET /api/v1/auth/me` answers during a login flood.
//!
//! The burst is what issue 18 measured (771 MB resident after it, 1.08 GB at the peak, before the
//! fixes), plus the attack catalogue's shapes: 30 unsigned 8 MiB posts to the sandbox, one 50 MB
//! API body, 300 logins with 1 MiB passwords, 100 parallel wrong passwords for `admin`, 200
//! bodies nested 100,000 deep, 1,000 posts of 300 KiB to `/hooks`. The server is its own process
//! (the binary Cargo built for this benchmark), so the memory read (`VmRSS`, `VmHWM` of
//! `/proc/PID/status`) is the server's alone; it is sampled every 100 ms during the burst and at
//! 0, 10, 30 and 60 s after it. Goal: never above 200 MB, back under 100 MB within a minute.
//!
//! The login flood: 1,000 wrong passwords, each from its own client address (the server trusts
//! `127.0.0.1` as a proxy and each request names another address in `X-Forwarded-For`), so none is
//! refused by the limit and every one costs an Argon2 check: the worst a botnet can do. A second
//! client asks `GET /api/v1/auth/me` in a loop, first with nothing going on (the anchor), then
//! during the flood. Run with `cargo bench -p server --bench hostile`.

#[path = "../tests/support/console.rs"]
#[allow(dead_code, reason = "the template helper is the apply benchmark's")]
mod console;

use console::Console;
use futures_util::StreamExt;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const PASSWORD: &str = "hostile benchmark admin";

#[tokio::main]
async fn main() {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let mut child = Command::new(env!("CARGO_BIN_EXE_signalbox"))
        .args(["serve", "--listen", "127.0.0.1:0", "--sandbox-memory", "--trusted-proxy", "127.0.0.1"])
        .arg("--data-dir")
        .arg(data_dir.path())
        .env("SIGNALBOX_ADMIN_PASSWORD", PASSWORD)
        .env("SIGNALBOX_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("signalbox starts");
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = loop {
        let line = lines.next().expect("signalbox logs until it serves").expect("a log line");
        if let Some(rest) = line.split("serving on http://").nth(1) {
            break rest.split(|c: char| c == '"' || c.is_whitespace()).next().expect("address").to_owned();
        }
    };
    // Keep reading the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(120)).build().expect("client");

    let console = Console::login(&base, PASSWORD).await;
    let inbox = console.post("/inboxes", json!({"name": "hostile"})).await;
    let hook = inbox["url"].as_str().expect("inbox url").to_owned();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = memory(pid);
    println!("signalbox serve, pid {pid}: {} MiB resident at rest", idle.0);

    // Sample the resident size every 100 ms while the burst runs.
    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(memory(pid).0, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let started = Instant::now();
    let mut answers = std::collections::BTreeMap::<String, usize>::new();
    let mut count = |label: &str, status: Option<u16>| {
        let key = format!("{label}: {}", status.map_or("cut".to_owned(), |s| s.to_string()));
        *answers.entry(key).or_default() += 1;
    };
    type Job = (&'static str, reqwest::RequestBuilder);
    let mut jobs: Vec<Job> = Vec::new();
    for _ in 0..30 {
        jobs.push((
            "8 MiB unsigned to the sandbox",
            http.post(format!("{base}/oci-sandbox/20181201/topics")).body(vec![b'x'; 8 << 20]),
        ));
    }
    jobs.push((
        "50 MB API body",
        http.post(format!("{base}/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(vec![b' '; 50_000_000]),
    ));
    for i in 0..300 {
        let body = json!({"username": format!("big{i}"), "password": "p".repeat(1 << 20)});
        jobs.push(("1 MiB password login", http.post(format!("{base}/api/v1/auth/login")).json(&body)));
    }
    for _ in 0..100 {
        let body = json!({"username": "admin", "password": "not the password at all"});
        jobs.push(("wrong password for admin", http.post(format!("{base}/api/v1/auth/login")).json(&body)));
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for _ in 0..200 {
        jobs.push((
            "body nested 100,000 deep",
            console
                .http
                .post(format!("{base}/api/v1/teams"))
                .header("x-csrf-token", console.csrf())
                .header("content-type", "application/json")
                .body(deep.clone()),
        ));
    }
    for _ in 0..1000 {
        jobs.push(("300 KiB to /hooks", http.post(&hook).body(vec![b'x'; 300 * 1024])));
    }
    let mut results = futures_util::stream::iter(
        jobs.into_iter()
            .map(|(label, request)| async move { (label, request.send().await.ok().map(|r| r.status().as_u16())) }),
    )
    .buffer_unordered(32);
    while let Some((label, status)) = results.next().await {
        count(label, status);
    }
    drop(results);
    let took = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    sampler.await.expect("sampler");
    let during = peak.load(Ordering::Relaxed);
    let (right_after, high_water) = memory(pid);
    println!("\nhostile burst ({:.1} s):", took.as_secs_f64());
    for (what, n) in &answers {
        println!("  {n:>5} × {what}");
    }
    println!("\n{:<28} {:>10}", "resident memory", "MiB");
    println!("{:<28} {:>10}", "at rest, before", idle.0);
    println!("{:<28} {:>10}", "peak sampled during", during);
    println!("{:<28} {:>10}", "peak (VmHWM, whole run)", high_water);
    println!("{:<28} {:>10}", "right after", right_after);
    let mut last = right_after;
    for wait in [10, 30, 60] {
        let already = started.elapsed().saturating_sub(took);
        tokio::time::sleep(Duration::from_secs(wait).saturating_sub(already)).await;
        last = memory(pid).0;
        println!("{:<28} {:>10}", format!("{wait} s after"), last);
    }
    println!(
        "goal: never above 200 MB ({}), back under 100 MB within a minute ({})",
        if high_water * 1024 * 1024 <= 200_000_000 { "met" } else { "missed" },
        if last * 1024 * 1024 < 100_000_000 { "met" } else { "missed" }
    );

    // /auth/me during a login flood that the limit does not stop (one address per attempt).
    let me = format!("{base}/api/v1/auth/me");
    let busy = Arc::new(AtomicBool::new(true));
    let prober = tokio::spawn(probe(console.http.clone(), me.clone(), busy.clone()));
    tokio::time::sleep(Duration::from_secs(3)).await;
    busy.store(false, Ordering::Relaxed);
    let idle_p95 = p95_ms(prober.await.expect("prober"));
    let busy = Arc::new(AtomicBool::new(true));
    let prober = tokio::spawn(probe(console.http.clone(), me, busy.clone()));
    let flood_started = Instant::now();
    let statuses: Vec<Option<u16>> = futures_util::stream::iter((0..1000u32).map(|i| {
        let request = http
            .post(format!("{base}/api/v1/auth/login"))
            .header("x-forwarded-for", format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255))
            .json(&json!({"username": format!("nobody{i}"), "password": "wrong password 12"}));
        async move { request.send().await.ok().map(|r| r.status().as_u16()) }
    }))
    .buffer_unordered(50)
    .collect()
    .await;
    let flood_took = flood_started.elapsed();
    busy.store(false, Ordering::Relaxed);
    let flood_p95 = p95_ms(prober.await.expect("prober"));
    let checked = statuses.iter().filter(|s| **s == Some(401)).count();
    println!("\nGET /api/v1/auth/me p95:");
    println!("  no flood (anchor)                        {idle_p95:>8.1} ms");
    println!(
        "  during 1,000 logins from 1,000 addresses {flood_p95:>8.1} ms  ({checked} checked with Argon2 in {:.1} s, {} MiB resident after)",
        flood_took.as_secs_f64(),
        memory(pid).0
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// `VmRSS` and `VmHWM` of process `pid`, in MiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
            .map_or(0, |kib| kib / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn probe(client: reqwest::Client, url: String, busy: Arc<AtomicBool>) -> Vec<Duration> {
    let mut latencies = Vec::new();
    while busy.load(Ordering::Relaxed) {
        let started = Instant::now();
        if client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
            latencies.push(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies
}

fn p95_ms(mut latencies: Vec<Duration>) -> f64 {
    latencies.sort_unstable();
    latencies.get(latencies.len() * 95 / 100).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}
