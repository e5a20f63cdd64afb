//! The send path against a scripted HTTP server on loopback: retries, backoff bounds, retry
//! tokens, captured headers and pagination.

use super::*;
use crate::oci::error::Verb;
use crate::oci::key::PrivateKey;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response as AxumResponse};
use std::collections::VecDeque;
use std::sync::Mutex;

static CREATE_RULE: Operation =
    Operation { name: "CreateRule", service: Service::Events, resource: "cloudevents-rules", verb: Verb::Manage };
static GET_RULE: Operation =
    Operation { name: "GetRule", service: Service::Events, resource: "cloudevents-rules", verb: Verb::Read };
static PUBLISH: Operation =
    Operation { name: "PublishMessage", service: Service::Notifications, resource: "ons-topics", verb: Verb::Use };

/// What the scripted server does for one request.
#[derive(Clone)]
enum Step {
    /// Answer with this status, OCI error body and headers.
    Fail(u16, &'static str),
    /// Answer 200 with this JSON and headers.
    Ok(serde_json::Value, Vec<(&'static str, &'static str)>),
    /// Do not answer for this long.
    Hang(Duration),
    /// Answer 429 asking for this many seconds' wait.
    Throttle(&'static str),
}

#[derive(Default)]
struct Script {
    steps: Mutex<VecDeque<Step>>,
    seen: Mutex<Vec<http::request::Parts>>,
}

async fn scripted(State(script): State<Arc<Script>>, request: Request) -> AxumResponse {
    let (parts, _) = request.into_parts();
    script.seen.lock().unwrap().push(parts);
    let step = script.steps.lock().unwrap().pop_front().expect("the script has a step for every request");
    match step {
        Step::Fail(status, code) => (
            StatusCode::from_u16(status).unwrap(),
            [("opc-request-id", "REQ/FAILED")],
            axum::Json(serde_json::json!({"code": code, "message": format!("scripted {code}")})),
        )
            .into_response(),
        Step::Ok(body, headers) => {
            let mut response = axum::Json(body).into_response();
            for (name, value) in headers {
                response.headers_mut().insert(HeaderName::from_static(name), HeaderValue::from_static(value));
            }
            response
        }
        Step::Hang(duration) => {
            tokio::time::sleep(duration).await;
            StatusCode::OK.into_response()
        }
        Step::Throttle(seconds) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", seconds)],
            axum::Json(serde_json::json!({"code": "TooManyRequests", "message": "slow down"})),
        )
            .into_response(),
    }
}

/// Starts the scripted server and a client pointed at it with fast retries.
async fn setup(steps: Vec<Step>) -> (OciClient, Arc<Script>) {
    let script = Arc::new(Script { steps: Mutex::new(steps.into()), seen: Mutex::default() });
    let app = axum::Router::new().fallback(scripted).with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let key = PrivateKey::from_pem(include_bytes!("../testdata/vector_pkcs1.pem"), None).unwrap();
    let key = Arc::new(ApiKey::new("ocid1.tenancy.oc1..aaaaaaaatest", "ocid1.user.oc1..aaaaaaaatest", key));
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_millis(300)).build().unwrap();
    let base = format!("http://{addr}");
    let client = OciClient::new(http, key, Region::parse("iad").unwrap())
        .with_endpoint(Service::Events, &base)
        .with_endpoint(Service::Notifications, &base)
        .with_retry(fast_retry(8));
    (client, script)
}

fn fast_retry(max_attempts: usize) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        max_elapsed: Duration::from_secs(10),
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
    }
}

fn rule() -> serde_json::Value {
    serde_json::json!({"id": "ocid1.eventrule.oc1.iad.x"})
}

fn create_call() -> Call {
    Call::new(&CREATE_RULE, Method::POST, "/rules".into())
        .json(&serde_json::json!({"displayName": "r"}))
        .unwrap()
        .idempotent_create()
}

fn header(parts: &http::request::Parts, name: &str) -> String {
    parts.headers.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn retries_throttling_and_server_errors_then_succeeds() {
    let steps = vec![
        Step::Fail(429, "TooManyRequests"),
        Step::Fail(500, "InternalError"),
        Step::Fail(503, "ServiceUnavailable"),
        Step::Fail(409, "IncorrectState"),
        Step::Ok(rule(), vec![("etag", "e1"), ("opc-request-id", "REQ/OK")]),
    ];
    let (client, script) = setup(steps).await;
    let started = Instant::now();
    let response: Response<serde_json::Value> = client.send(create_call()).await.unwrap();
    assert_eq!(response.attempts, 5);
    assert_eq!(script.seen.lock().unwrap().len(), 5);
    assert_eq!(response.etag.as_deref(), Some("e1"));
    assert_eq!(response.opc_request_id.as_deref(), Some("REQ/OK"));
    // Four delays, each at most min(40 ms, 10 ms * 2^n): 10 + 20 + 40 + 40 ms, plus request time.
    assert!(started.elapsed() < Duration::from_millis(110 + 1000), "{:?}", started.elapsed());
}

#[tokio::test]
async fn gives_up_after_the_attempt_limit_with_the_last_error() {
    let (client, script) = setup(vec![Step::Fail(500, "InternalError"); 3]).await;
    let client = client.with_retry(fast_retry(3));
    let err = client.send::<serde_json::Value>(create_call()).await.unwrap_err();
    assert_eq!(script.seen.lock().unwrap().len(), 3);
    assert_eq!((err.status(), err.code()), (Some(500), Some("InternalError")));
    assert_eq!(err.opc_request_id(), Some("REQ/FAILED"));
    assert!(err.to_string().contains("ocistatus.oraclecloud.com"), "{err}");
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for (status, code) in [
        (400, "InvalidParameter"),
        (401, "NotAuthenticated"),
        (404, "NotAuthorizedOrNotFound"),
        (409, "Conflict"),
        (501, "MethodNotImplemented"),
    ] {
        let (client, script) = setup(vec![Step::Fail(status, code), Step::Ok(rule(), vec![])]).await;
        let err = client.send::<serde_json::Value>(create_call()).await.unwrap_err();
        assert_eq!(script.seen.lock().unwrap().len(), 1, "{status} {code} was retried");
        assert_eq!(err.code(), Some(code));
    }
}

#[tokio::test]
async fn timeouts_are_retried() {
    let (client, script) = setup(vec![Step::Hang(Duration::from_secs(2)), Step::Ok(rule(), vec![])]).await;
    let response: Response<serde_json::Value> =
        client.send(Call::new(&GET_RULE, Method::GET, "/rules/x".into())).await.unwrap();
    assert_eq!(response.attempts, 2);
    assert_eq!(script.seen.lock().unwrap().len(), 2);

    let (client, _script) = setup(vec![Step::Hang(Duration::from_secs(2))]).await;
    let err = client
        .with_retry(RetryPolicy::none())
        .send::<serde_json::Value>(Call::new(&GET_RULE, Method::GET, "/rules/x".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, OciError::Transport { kind: TransportKind::Timeout, .. }), "{err}");
}

#[tokio::test]
async fn every_attempt_of_one_create_carries_the_same_retry_token() {
    let steps = vec![
        Step::Fail(500, "InternalError"),
        Step::Fail(429, "TooManyRequests"),
        Step::Ok(rule(), vec![]),
        Step::Ok(rule(), vec![]),
    ];
    let (client, script) = setup(steps).await;
    client.send::<serde_json::Value>(create_call()).await.unwrap();
    client.send::<serde_json::Value>(create_call()).await.unwrap();
    let seen = script.seen.lock().unwrap();
    let tokens: Vec<String> = seen.iter().map(|p| header(p, "opc-retry-token")).collect();
    assert_eq!(tokens[0].len(), 30);
    assert!(tokens[0].bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(tokens[0], tokens[1]);
    assert_eq!(tokens[1], tokens[2]);
    assert_ne!(tokens[2], tokens[3], "a new create gets a new token");
    // Each attempt is signed afresh, with the body headers.
    for parts in seen.iter() {
        assert!(
            header(parts, "authorization")
                .starts_with("Signature algorithm=\"rsa-sha256\",headers=\"date (request-target) host content-length")
        );
        assert!(!header(parts, "x-content-sha256").is_empty());
        assert_eq!(header(parts, "opc-request-id").len(), 32);
    }
}

#[tokio::test]
async fn posts_without_a_retry_token_are_retried_only_when_throttled() {
    let publish = || {
        Call::new(&PUBLISH, Method::POST, "/topics/t/messages".into()).json(&serde_json::json!({"body": "b"})).unwrap()
    };
    let (client, script) = setup(vec![Step::Fail(500, "InternalError"), Step::Ok(rule(), vec![])]).await;
    assert!(client.send::<serde_json::Value>(publish()).await.is_err());
    assert_eq!(script.seen.lock().unwrap().len(), 1, "a 500 may have published: no retry");

    let (client, script) = setup(vec![Step::Fail(429, "TooManyRequests"), Step::Ok(rule(), vec![])]).await;
    assert!(client.send::<serde_json::Value>(publish()).await.is_ok());
    assert_eq!(script.seen.lock().unwrap().len(), 2);
    assert!(header(&script.seen.lock().unwrap()[0], "opc-retry-token").is_empty());
}

#[tokio::test]
async fn pages_are_followed_to_the_end() {
    let steps = vec![
        Step::Ok(serde_json::json!([1, 2]), vec![("opc-next-page", "p2")]),
        Step::Ok(serde_json::json!([3]), vec![("opc-next-page", "p 3")]),
        Step::Ok(serde_json::json!([4]), vec![]),
    ];
    let (client, script) = setup(steps).await;
    static LIST: Operation =
        Operation { name: "ListRules", service: Service::Events, resource: "cloudevents-rules", verb: Verb::Inspect };
    let items: Vec<u32> = collect_pages(|page| {
        client.send(
            Call::new(&LIST, Method::GET, "/rules".into())
                .query("compartmentId", Some("ocid1.compartment.oc1..c"))
                .query("page", page),
        )
    })
    .await
    .unwrap();
    assert_eq!(items, [1, 2, 3, 4]);
    let seen = script.seen.lock().unwrap();
    let queries: Vec<String> = seen.iter().map(|p| p.uri.query().unwrap_or_default().to_owned()).collect();
    assert_eq!(
        queries,
        [
            "compartmentId=ocid1.compartment.oc1..c",
            "compartmentId=ocid1.compartment.oc1..c&page=p2",
            "compartmentId=ocid1.compartment.oc1..c&page=p%203"
        ]
    );
}

#[tokio::test]
async fn non_json_errors_keep_their_text() {
    let (client, _script) = setup(vec![Step::Ok(serde_json::json!("not the shape"), vec![])]).await;
    let err = client.send::<Vec<u32>>(Call::new(&GET_RULE, Method::GET, "/rules/x".into())).await.unwrap_err();
    assert!(matches!(err, OciError::Decode { status: 200, .. }), "{err}");
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    // Bound but not listening: connections are refused, and no other test can take the port
    // meanwhile (a port freed by dropping a listener can be handed to a parallel test's server).
    let reserved = tokio::net::TcpSocket::new_v4().unwrap();
    reserved.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = reserved.local_addr().unwrap();
    let (client, _script) = setup(vec![]).await;
    let client = client.with_endpoint(Service::Events, format!("http://{addr}")).with_retry(RetryPolicy::none());
    let err = client.send::<serde_json::Value>(Call::new(&GET_RULE, Method::GET, "/rules/x".into())).await.unwrap_err();
    assert!(matches!(err, OciError::Transport { kind: TransportKind::Connect, .. }), "{err}");
}

#[test]
fn full_jitter_stays_within_its_ceilings_and_attempts() {
    for _ in 0..200 {
        let delays: Vec<Duration> = RetryPolicy::default().build().collect();
        assert_eq!(delays.len(), 7, "8 attempts means 7 delays");
        for (n, delay) in delays.iter().enumerate() {
            let ceiling = Duration::from_secs(1 << n).min(Duration::from_secs(30));
            assert!(*delay <= ceiling, "delay {n} = {delay:?} over {ceiling:?}");
        }
    }
    let spread: Vec<Duration> = (0..50).map(|_| RetryPolicy::default().build().next().unwrap()).collect();
    assert!(spread.iter().any(|d| *d < Duration::from_millis(500)), "full jitter reaches low delays");
    assert!(RetryPolicy::none().build().next().is_none());
}

#[test]
fn the_elapsed_budget_stops_retries() {
    let policy = RetryPolicy { max_elapsed: Duration::ZERO, ..RetryPolicy::default() };
    let mut schedule = policy.build();
    // Any non-zero delay would end past a zero budget.
    assert!(schedule.all(|d| d.is_zero()));
}

#[test]
fn urls_use_the_override_or_the_regional_host() {
    let key = PrivateKey::from_pem(include_bytes!("../testdata/vector_pkcs1.pem"), None).unwrap();
    let client =
        OciClient::new(reqwest::Client::new(), Arc::new(ApiKey::new("t", "u", key)), Region::parse("fra").unwrap());
    assert_eq!(client.base_url(Service::Events), "https://events.eu-frankfurt-1.oci.oraclecloud.com/20181201");
    let client = client.with_endpoint(Service::Audit, "http://127.0.0.1:9/");
    assert_eq!(client.base_url(Service::Audit), "http://127.0.0.1:9/20190901");
}

/// A 429's Retry-After outlasts the retry policy's short delay, and the service gets paced.
#[tokio::test]
async fn a_throttled_call_waits_as_long_as_oci_asks_and_paces_the_service() {
    let (client, script) = setup(vec![Step::Throttle("1"), Step::Ok(rule(), vec![])]).await;
    let started = Instant::now();
    let response = client.send::<serde_json::Value>(create_call()).await.unwrap();
    assert_eq!(response.attempts, 2);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited {:?}, not the second asked", started.elapsed());
    assert!(client.pace().state(Service::Events).rate.is_some());
    assert_eq!(client.pace().state(Service::Notifications).rate, None);
    assert_eq!(script.seen.lock().unwrap().len(), 2);

    // A Retry-After that is not a number of seconds is ignored, not an error.
    let (client, _) = setup(vec![Step::Throttle("soon"), Step::Ok(rule(), vec![])]).await;
    let started = Instant::now();
    client.send::<serde_json::Value>(create_call()).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn retry_after_lengthens_a_delay_up_to_a_minute() {
    let ms = Duration::from_millis;
    assert_eq!(honoured(ms(20), None), ms(20));
    assert_eq!(honoured(ms(20), Some(Duration::from_secs(2))), Duration::from_secs(2));
    assert_eq!(honoured(Duration::from_secs(5), Some(Duration::from_secs(1))), Duration::from_secs(5));
    assert_eq!(honoured(ms(20), Some(Duration::from_secs(65_535))), MAX_RETRY_AFTER, "hours are not honoured");
}

/// Another region of the same connection: OCI's own hosts come from the region table, in the
/// region's realm; an overridden endpoint (the sandbox) answers the region under its prefix.
#[test]
fn another_region_is_reached_at_its_hosts_or_under_the_sandbox_prefix() {
    let key = PrivateKey::from_pem(include_bytes!("../testdata/vector_pkcs1.pem"), None).unwrap();
    let key = Arc::new(ApiKey::new("ocid1.tenancy.oc1..aaaaaaaatest", "ocid1.user.oc1..aaaaaaaatest", key));
    let home = OciClient::new(reqwest::Client::new(), key, Region::parse("iad").unwrap());
    let london_gov = home.in_region(&Region::parse("uk-gov-london-1").unwrap());
    assert_eq!(london_gov.base_url(Service::Events), "https://events.uk-gov-london-1.oci.oraclegovcloud.uk/20181201");
    assert_eq!(
        london_gov.base_url(Service::Notifications),
        "https://notification.uk-gov-london-1.oraclegovcloud.uk/20181201"
    );
    assert_eq!(home.in_region(home.region()).base_url(Service::Events), home.base_url(Service::Events));

    let sandbox = home.with_endpoint_for_all("http://127.0.0.1:9000/oci-sandbox/");
    let frankfurt = sandbox.in_region(&Region::parse("eu-frankfurt-1").unwrap());
    assert_eq!(
        frankfurt.base_url(Service::Events),
        "http://127.0.0.1:9000/oci-sandbox/regions/eu-frankfurt-1/20181201"
    );
    // From one region to another, and back home: never a prefix on a prefix.
    let phoenix = frankfurt.in_region(&Region::parse("us-phoenix-1").unwrap());
    assert_eq!(phoenix.base_url(Service::Audit), "http://127.0.0.1:9000/oci-sandbox/regions/us-phoenix-1/20190901");
    let back = phoenix.in_region(&Region::parse("us-ashburn-1").unwrap());
    assert_eq!(back.base_url(Service::Events), "http://127.0.0.1:9000/oci-sandbox/regions/us-ashburn-1/20181201");
    assert!(Arc::ptr_eq(phoenix.pace(), sandbox.pace()), "a connection's regions share its pace");
}
