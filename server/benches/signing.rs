//! Signatures per second of the OCI request signer, next to the bare RSA operation it is built on.
//!
//! A plain harness (no criterion) so `.ci/bench-signing` can print the figure beside the Python
//! SDK's in one table. This machine's speed drifts by 10-20% over seconds, so the two cases are
//! measured in alternating one-second rounds after a warm-up, on one thread, and the median round
//! of each is reported. Run with `cargo bench -p server --bench signing`.

use bytes::Bytes;
use chrono::{TimeZone, Utc};
use server::oci::key::PrivateKey;
use server::oci::signer::{ApiKey, sign};
use std::hint::black_box;
use std::time::{Duration, Instant};

const KEY: &str = include_str!("../src/oci/testdata/vector_pkcs1.pem");
const URL: &str = "https://events.us-ashburn-1.oci.oraclecloud.com/20181201/rules";

const ROUNDS: usize = 7;

/// Operations per second during one round of `duration`.
fn round(op: &mut dyn FnMut(), duration: Duration) -> f64 {
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < duration {
        op();
        count += 1;
    }
    count as f64 / start.elapsed().as_secs_f64()
}

/// Median rate of each case over alternating rounds.
fn compare(cases: &mut [(&str, &mut dyn FnMut())]) -> Vec<f64> {
    for (_, op) in cases.iter_mut() {
        round(*op, Duration::from_millis(500));
    }
    let mut rates = vec![Vec::with_capacity(ROUNDS); cases.len()];
    for _ in 0..ROUNDS {
        for (i, (_, op)) in cases.iter_mut().enumerate() {
            rates[i].push(round(*op, Duration::from_secs(1)));
        }
    }
    cases
        .iter()
        .zip(rates)
        .map(|((label, _), mut r)| {
            r.sort_by(f64::total_cmp);
            let median = r[ROUNDS / 2];
            println!("{label:<52} {median:>10.0} /s");
            median
        })
        .collect()
}

fn main() {
    let body = Bytes::from(format!("{{\"description\":\"{}\"}}", "x".repeat(2048 - 18)));
    assert_eq!(body.len(), 2048);
    let key = PrivateKey::from_pem(KEY.as_bytes(), None).expect("fixture key");
    let api_key = ApiKey::new("ocid1.tenancy.oc1..aaaaaaaatestenancy", "ocid1.user.oc1..aaaaaaaatestuser", key);
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 7, 0, 0).single().expect("valid date");
    let template = http::Request::builder()
        .method("POST")
        .uri(URL)
        .header("content-type", "application/json")
        .body(body)
        .expect("valid request");

    let bare_key = PrivateKey::from_pem(KEY.as_bytes(), None).expect("fixture key");
    // The same number of bytes as the signing string of the request below.
    let message = [b'x'; 290];
    let mut bare = || {
        black_box(bare_key.sign_sha256(black_box(&message)).expect("signs"));
    };
    let mut whole = || {
        let mut request = template.clone();
        sign(&mut request, &api_key, now).expect("signs");
        black_box(request);
    };
    let rates = compare(&mut [
        ("bare RSA-2048 PKCS#1 v1.5 SHA-256 (aws-lc-rs)", &mut bare),
        ("sign POST, 2 KB body (signalbox signer)", &mut whole),
    ]);
    let (bare, whole) = (rates[0], rates[1]);
    println!("signer overhead over the bare RSA operation: {:.1}%", (bare / whole - 1.0) * 100.0);
}
