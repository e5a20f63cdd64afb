//! What signing in with a token costs a call against OCI-like latency: every sandbox service,
//! the auth service included, answers 100 ms late. Side by side in one run:
//!
//! - the anchor: a user API key (nothing to renew);
//! - an instance principal: its first call (metadata service, a fresh session key, the
//!   certificate exchange, then the call), then calls with the token it keeps;
//! - a user session: calls with a fresh token; the call that finds it within a minute of expiry
//!   and refreshes it first; and the call that finds it past half its life, further from expiry,
//!   and refreshes it beside the call.
//!
//! A call is `ListTopics` over loopback HTTP with the client a connection uses. Warm cases
//! alternate call by call; the median and the 90th percentile are reported. Goals: warm token
//! calls within 5% of the API-key anchor, and one renewal costing one extra round trip to the
//! auth service (plus a key generation for an instance). Run with
//! `cargo bench -p server --bench principals`.

use chrono::TimeDelta;
use server::oci::client::{OciClient, RetryPolicy};
use server::oci::key::PrivateKey;
use server::oci::metadata::MetadataClient;
use server::oci::ons::ListTopicsRequest;
use server::oci::principal::{Credentials, TokenCredentials, TokenSource};
use server::oci::region::Region;
use server::oci::signer::ApiKey;
use server::oci::token::SecurityToken;
use server::sandbox::host::SandboxHost;
use server::sandbox::{FaultSpec, SandboxConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LATENCY_MS: u64 = 100;
const SAMPLES: usize = 21;
const DEV: &str = "ocid1.compartment.oc1..sandboxdev";

#[tokio::main]
async fn main() {
    let host = SandboxHost::new(SandboxConfig { metadata_service: true, ..SandboxConfig::default() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    host.set_base_url(&url);
    let router = host.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let tenancy = host.default_tenant();
    let slow = FaultSpec { latency_ms: LATENCY_MS, ..FaultSpec::default() };
    let services = ["notifications", "auth"].map(|s| (s.to_owned(), slow)).into_iter().collect();
    tenancy.set_faults(services).expect("faults");

    let http = reqwest::Client::builder().no_proxy().build().expect("http client");
    let (key, _) = PrivateKey::generate().expect("a key");
    let api_key = Arc::new(ApiKey::new(tenancy.tenancy(), "ocid1.user.oc1..aaaaaaaabench", key));
    tenancy.trust_user_key(api_key.key_id(), api_key.public_key_pem().as_bytes()).expect("trusted");
    let client = |credentials| {
        OciClient::with_credentials(http.clone(), credentials, Region::parse("iad").expect("region"))
            .with_endpoint_for_all(&url)
            .with_retry(RetryPolicy::none())
    };
    let anchor = client(Credentials::Key(api_key));
    let metadata = MetadataClient::new(http.clone(), &format!("{url}/opc/v2"));
    let instance =
        client(Credentials::Token(Arc::new(TokenCredentials::new(TokenSource::Instance { metadata }, None))));
    let session_with = |token: &str, key: Arc<PrivateKey>, renew_before_call: TimeDelta| {
        let source = TokenSource::Session { key, profile: None, on_renew: None };
        let token = SecurityToken::parse(token).expect("a token");
        let credentials = TokenCredentials::new(source, Some(token)).renew_before_call(renew_before_call);
        client(Credentials::Token(Arc::new(credentials)))
    };
    let session = |token: &str, key: Arc<PrivateKey>| session_with(token, key, TimeDelta::seconds(60));
    let session_key = Arc::new(PrivateKey::generate().expect("a key").0);
    let token = anchor.generate_user_security_token(&session_key.public_key_pem(), 60).await.expect("a session");
    let warm_session = session(&token, session_key.clone());

    let cold_instance = time(&instance).await;
    let (mut anchors, mut instances, mut sessions) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..SAMPLES {
        anchors.push(time(&anchor).await);
        instances.push(time(&instance).await);
        sessions.push(time(&warm_session).await);
    }

    // Sessions past half their life (4-second tokens, so a run takes seconds, not minutes): within
    // a minute of expiry the call refreshes first; further from it (here: more than a second) the
    // refresh runs beside the call.
    tenancy.authority().set_lifetime(Some(TimeDelta::seconds(4)));
    let (mut due, mut beside) = (Vec::new(), Vec::new());
    for round in 0..10 {
        let token = anchor.generate_user_security_token(&session_key.public_key_pem(), 5).await.expect("a session");
        let claims = SecurityToken::parse(&token).expect("a token").claims().clone();
        let margin = if round % 2 == 0 { TimeDelta::seconds(60) } else { TimeDelta::seconds(1) };
        let stale = session_with(&token, session_key.clone(), margin);
        let past_half = chrono::DateTime::from_timestamp(claims.iat + 2, 200_000_000).expect("a time");
        if let Ok(wait) = (past_half - chrono::Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
        let took = time(&stale).await;
        if round % 2 == 0 { due.push(took) } else { beside.push(took) }
    }

    println!("OCI latency {LATENCY_MS} ms per call (notifications and auth), {SAMPLES} alternating samples");
    println!("{:<46} {:>10} {:>10}", "case", "median", "p90");
    report("anchor: API key, ListTopics", &mut anchors);
    report("instance principal, token kept", &mut instances);
    report("session token, fresh", &mut sessions);
    report("session token, refreshed first (5 samples)", &mut due);
    report("session token, refreshed beside (5 samples)", &mut beside);
    println!("{:<46} {:>10.1}", "instance principal, first call (exchange)", cold_instance.as_secs_f64() * 1000.0);
    let anchor_median = median(&mut anchors);
    for (name, samples) in [("instance principal", &mut instances), ("session token", &mut sessions)] {
        let ratio = median(samples).as_secs_f64() / anchor_median.as_secs_f64();
        println!("{name}: {ratio:.3}x the anchor (goal: at most 1.05x)");
    }
}

async fn time(client: &OciClient) -> Duration {
    let started = Instant::now();
    client
        .list_topics(&ListTopicsRequest { compartment_id: DEV.into(), ..Default::default() })
        .await
        .expect("ListTopics");
    started.elapsed()
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn report(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let p90 = samples[(samples.len() * 9 / 10).min(samples.len() - 1)];
    println!("{name:<46} {:>8.1} ms {:>7.1} ms", median(samples).as_secs_f64() * 1000.0, p90.as_secs_f64() * 1000.0);
}
