//! OpenTelemetry traces: the real binary exporting over OTLP/HTTP to a collector on loopback, a
//! request followed into the OCI calls it made, and a caller's `traceparent` honoured only from a
//! trusted proxy.

use crate::helpers::until;
use crate::operations::{Served, exited, free_addr, json_of, log_in, signalbox, terminate};
use axum::body::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind, status::StatusCode};
use prost::Message;
use reqwest::Method;
use serde_json::json;
use server::config::TEST_ADMIN_PASSWORD;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A loopback OTLP/HTTP collector that keeps every body posted to `/v1/traces`.
struct Collector {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Bytes>>>,
}

async fn start_collector() -> Collector {
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |headers: http::HeaderMap, body: Bytes| async move {
            assert_eq!(headers["content-type"], "application/x-protobuf");
            kept.lock().unwrap().push(body);
            // An empty ExportTraceServiceResponse: everything accepted.
            ([(http::header::CONTENT_TYPE, "application/x-protobuf")], Bytes::new())
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Collector { addr, received }
}

/// One exported span with its service's name.
struct Exported {
    service: String,
    span: Span,
}

impl Collector {
    fn spans(&self) -> Vec<Exported> {
        let bodies = self.received.lock().unwrap().clone();
        let mut spans = Vec::new();
        for body in bodies {
            let request = ExportTraceServiceRequest::decode(body).expect("the exporter posts OTLP protobuf");
            for resource_spans in request.resource_spans {
                let attributes = resource_spans.resource.map(|resource| resource.attributes).unwrap_or_default();
                let service = text(&attributes, "service.name").unwrap_or_default();
                for scope in resource_spans.scope_spans {
                    spans.extend(scope.spans.into_iter().map(|span| Exported { service: service.clone(), span }));
                }
            }
        }
        spans
    }

    fn bytes(&self) -> Vec<u8> {
        self.received.lock().unwrap().iter().flat_map(|body| body.to_vec()).collect()
    }
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attributes.iter().find(|kv| kv.key == key)?.value.as_ref()?.value.as_ref()
}

fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    match attribute(attributes, key)? {
        AnyValue::StringValue(text) => Some(text.clone()),
        _ => None,
    }
}

fn number(attributes: &[KeyValue], key: &str) -> Option<i64> {
    match attribute(attributes, key)? {
        AnyValue::IntValue(n) => Some(*n),
        _ => None,
    }
}

/// The one span called `name`.
fn named<'a>(spans: &'a [Exported], name: &str) -> &'a Span {
    let found: Vec<&Span> = spans.iter().map(|e| &e.span).filter(|span| span.name == name).collect();
    let names: Vec<&str> = spans.iter().map(|e| e.span.name.as_str()).collect();
    assert_eq!(found.len(), 1, "one span {name:?} among {names:?}");
    found[0]
}

/// The one span called `name` in the trace under `ancestor`.
fn named_under<'a>(spans: &'a [Exported], name: &str, ancestor: &Span) -> &'a Span {
    let found: Vec<&Span> = spans
        .iter()
        .map(|e| &e.span)
        .filter(|span| span.name == name && descends_from(spans, span, ancestor))
        .collect();
    assert_eq!(found.len(), 1, "one span {name:?} under {:?}", ancestor.name);
    found[0]
}

/// Whether `span` is `ancestor` or lies under it.
fn descends_from(spans: &[Exported], span: &Span, ancestor: &Span) -> bool {
    let by_id: HashMap<&[u8], &Span> = spans.iter().map(|e| (e.span.span_id.as_slice(), &e.span)).collect();
    let mut current = Some(span);
    while let Some(span) = current {
        if span.span_id == ancestor.span_id {
            return span.trace_id == ancestor.trace_id;
        }
        current = by_id.get(span.parent_span_id.as_slice()).copied();
    }
    false
}

/// A topic created and a missing one deleted through the real binary: each request is a server
/// span named by its route, the OCI calls it made are client spans under it carrying the
/// `opc-request-id` the API answered with, the failed one marked failed; the last spans are
/// flushed on SIGTERM; a `traceparent` is continued only from the trusted proxy; nothing secret
/// reaches the collector.
#[tokio::test]
async fn requests_and_their_oci_calls_are_exported_as_traces() {
    let collector = start_collector().await;
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let proxy = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let child = signalbox()
        .args(["serve", "--listen", &addr.to_string(), "--trusted-proxy", &proxy.to_string()])
        .args(["--otlp-endpoint", &format!("http://{}", collector.addr)])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("SIGNALBOX_ADMIN_PASSWORD", TEST_ADMIN_PASSWORD)
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_SDK_DISABLED")
        .env_remove("OTEL_SERVICE_NAME")
        .env_remove("OTEL_TRACES_SAMPLER")
        .env("NO_PROXY", "127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut served = Served { child, addr };
    let client = reqwest::Client::builder().no_proxy().cookie_store(true).build().unwrap();
    until(|| async { client.get(format!("http://{addr}/healthz")).send().await.is_ok_and(|r| r.status() == 200) })
        .await;

    let (csrf, team) = log_in(&client, addr).await;
    let api = |method: Method, path: &str| {
        client.request(method, format!("http://{addr}{path}")).header("x-csrf-token", &csrf)
    };
    let connections = json_of(api(Method::GET, &format!("/api/v1/teams/{team}/connections"))).await;
    let base = format!("/api/v1/teams/{team}/connections/{}", connections[0]["id"]);
    let compartments = json_of(api(Method::GET, &format!("{base}/compartments"))).await;
    let compartment = compartments[0]["id"].as_str().unwrap().to_owned();
    let created = json_of(
        api(Method::POST, &format!("{base}/topics")).json(&json!({"compartment_id": compartment, "name": "traced"})),
    )
    .await;
    let history = json_of(api(Method::GET, &format!("/api/v1/audit?target={}", created["id"].as_str().unwrap()))).await;
    let created_request_id = history["entries"][0]["opc_request_id"].as_str().expect("OCI's request id").to_owned();
    let missing =
        api(Method::DELETE, &format!("{base}/topics/ocid1.onstopic.oc1.phx.doesnotexist")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let failure: serde_json::Value = missing.json().await.unwrap();
    let failed_request_id = failure["cloud"]["opc_request_id"].as_str().expect("OCI's request id").to_owned();
    let inbox =
        json_of(api(Method::POST, &format!("/api/v1/teams/{team}/inboxes")).json(&json!({"name": "traced"}))).await;
    let hook = inbox["url"].as_str().unwrap().to_owned();
    let token = hook.rsplit('/').next().unwrap().to_owned();
    assert_eq!(client.post(&hook).header("x-oci-ns-messageid", "m-1").body("{}").send().await.unwrap().status(), 200);

    let page = client.get(format!("http://{addr}/t/{team}/topics")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    // The same traceparent shape from the trusted proxy and from anyone else; then a malformed
    // one and an oversized tracestate from the proxy, which must change nothing but the trace.
    let from_proxy = reqwest::Client::builder().no_proxy().local_address(proxy).build().unwrap();
    let trusted_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let stranger_trace = "0af7651916cd43dd8448eb211c80319c";
    let sent = |asking: &reqwest::Client, path: &str, trace: &str| {
        asking.get(format!("http://{addr}{path}")).header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"))
    };
    assert_eq!(sent(&from_proxy, "/readyz", trusted_trace).send().await.unwrap().status(), 200);
    let anonymous = reqwest::Client::builder().no_proxy().build().unwrap();
    assert_eq!(sent(&anonymous, "/api/v1/system", stranger_trace).send().await.unwrap().status(), 401);
    for (name, value) in [("traceparent", "00-zz-not-a-trace-01".to_owned()), ("tracestate", "k=v,".repeat(4000))] {
        let answer = from_proxy.get(format!("http://{addr}/api/v1/auth/me")).header(name, value).send().await.unwrap();
        assert_eq!(answer.status(), 401, "{name}: answered as without it");
    }

    // Spans leave in batches; the last ones on the way out.
    terminate(&served.child);
    let status = exited(&mut served.child, Duration::from_secs(20)).await;
    assert!(status.success(), "a SIGTERM stops the server cleanly: {status}");
    let spans = collector.spans();
    assert!(spans.iter().all(|e| e.service == "signalbox"), "every span names its service");

    let topics_route = "/api/v1/teams/{team_id}/connections/{connection_id}/topics";
    let create = named(&spans, &format!("POST {topics_route}"));
    assert_eq!(create.kind, SpanKind::Server as i32);
    assert_eq!(text(&create.attributes, "http.route").as_deref(), Some(topics_route));
    assert_eq!(number(&create.attributes, "http.response.status_code"), Some(200), "{:?}", create.attributes);
    let create_topic = named_under(&spans, "notifications CreateTopic", create);
    assert_eq!(create_topic.kind, SpanKind::Client as i32);
    assert_eq!(text(&create_topic.attributes, "opc_request_id"), Some(created_request_id));
    assert_ne!(create_topic.status.as_ref().map(|s| s.code), Some(StatusCode::Error as i32));

    let delete = named(&spans, &format!("DELETE {topics_route}/{{topic_id}}"));
    assert_eq!(number(&delete.attributes, "http.response.status_code"), Some(404));
    let get_missing = named_under(&spans, "notifications GetTopic", delete);
    assert_eq!(text(&get_missing.attributes, "opc_request_id"), Some(failed_request_id));
    assert_eq!(number(&get_missing.attributes, "http.response.status_code"), Some(404));
    assert_eq!(get_missing.status.as_ref().map(|s| s.code), Some(StatusCode::Error as i32), "a failed call is failed");

    // A page's loaders run as tasks of their own, yet their API calls and the OCI calls behind
    // them are in the page's trace: the compartment's first look waits on OCI's lists.
    let page = named(&spans, "GET /t/{team}/topics");
    let list_topics = named_under(&spans, "notifications ListTopics", page);
    assert_eq!(list_topics.kind, SpanKind::Client as i32);
    let hook_span = named(&spans, "POST /hooks/{token}");
    assert_eq!(text(&hook_span.attributes, "url.path").as_deref(), Some("/hooks/{token}"));

    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let continued = named(&spans, "GET /readyz");
    assert_eq!(hex(&continued.trace_id), trusted_trace, "the trusted proxy's trace is continued");
    assert_eq!(hex(&continued.parent_span_id), "00f067aa0ba902b7");
    let ignored = named(&spans, "GET /api/v1/system");
    assert_ne!(hex(&ignored.trace_id), stranger_trace, "a stranger's traceparent is ignored");
    assert!(ignored.parent_span_id.is_empty(), "a stranger's request starts its own trace");
    assert!(spans.iter().any(|e| e.span.name == "GET /oci-sandbox/*"), "the sandbox's side is named too");
    let me: Vec<&Span> = spans.iter().map(|e| &e.span).filter(|s| s.name == "GET /api/v1/auth/me").collect();
    assert_eq!(me.len(), 2, "a malformed trace context still gets its request traced");
    assert!(me.iter().all(|span| span.parent_span_id.is_empty()));

    let exported = String::from_utf8_lossy(&collector.bytes()).into_owned();
    for secret in [token.as_str(), TEST_ADMIN_PASSWORD, &csrf] {
        assert!(!exported.contains(secret), "{secret:?} reached the collector");
    }
}

/// An endpoint that is not an http(s) URL stops the server before it starts, naming the setting.
#[tokio::test]
async fn a_bad_trace_endpoint_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, variable, named) in [
        (Some("ftp://127.0.0.1:4318"), None, "--otlp-endpoint"),
        (Some("collector:4318"), None, "--otlp-endpoint"),
        (Some("https://user:secret@collector.example:4318"), None, "--otlp-endpoint"),
        (None, Some("http://127.0.0.1:4318/v1/traces?x=1"), "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
    ] {
        let mut command = signalbox();
        command.args(["serve", "--listen", "127.0.0.1:0"]).arg("--data-dir").arg(dir.path().join("data"));
        command.env("SIGNALBOX_ADMIN_PASSWORD", TEST_ADMIN_PASSWORD).env_remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        if let Some(flag) = flag {
            command.args(["--otlp-endpoint", flag]);
        }
        match variable {
            Some(value) => command.env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", value),
            None => command.env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        };
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{flag:?} {variable:?}: {stderr}");
        assert!(stderr.contains(named) && stderr.contains("use an http(s) URL such as"), "{stderr}");
        assert!(!dir.path().join("data").exists(), "nothing was created before the refusal");
        assert!(!stderr.contains("secret"), "{stderr}");
    }
}

/// A collector that is down costs nothing but the spans: the console answers, and SIGTERM still
/// stops it promptly (the last flush gives up instead of holding the stop).
#[tokio::test]
async fn a_collector_that_is_down_does_not_hold_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, nobody) = (free_addr(), free_addr());
    let child = signalbox()
        .args(["serve", "--listen", &addr.to_string(), "--otlp-endpoint", &format!("http://{nobody}")])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("SIGNALBOX_ADMIN_PASSWORD", TEST_ADMIN_PASSWORD)
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_SDK_DISABLED")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut served = Served { child, addr };
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    until(|| async { client.get(format!("http://{addr}/healthz")).send().await.is_ok_and(|r| r.status() == 200) })
        .await;
    for _ in 0..20 {
        assert_eq!(client.get(format!("http://{addr}/readyz")).send().await.unwrap().status(), 200);
    }
    terminate(&served.child);
    let status = exited(&mut served.child, Duration::from_secs(10)).await;
    assert!(status.success(), "{status}");
}
