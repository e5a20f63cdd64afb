//! A signed-in API client for tests and benchmarks that drive a running Signalbox over HTTP, and
//! the template they deploy: `pairs` topics, each with an e-mail subscription and a rule.

use reqwest::Client;
use serde_json::{Value, json};
use std::time::Duration;

/// A session of the first administrator, scoped to their first team.
pub struct Console {
    /// The signed-in HTTP client (its cookie store holds the session).
    pub http: Client,
    base: String,
    csrf: String,
    /// The team.
    pub team: i64,
}

impl Console {
    /// Logs in at `base` (`http://127.0.0.1:port`).
    pub async fn login(base: &str, password: &str) -> Self {
        let http = Client::builder().no_proxy().cookie_store(true).timeout(Duration::from_secs(60)).build().unwrap();
        let me: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": password}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login answers JSON");
        let csrf = me["csrf_token"].as_str().expect("a CSRF token").to_owned();
        let team = me["teams"][0]["team_id"].as_i64().expect("a team");
        Self { http, base: base.to_owned(), csrf, team }
    }

    /// The session's CSRF token, for requests made with [`Console::http`] directly.
    #[allow(dead_code, reason = "not every binary that includes this module sends its own requests")]
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// The URL of `/api/v1/teams/{team}{path}`, for requests made with [`Console::http`] directly.
    #[allow(dead_code, reason = "not every binary that includes this module sends its own requests")]
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1/teams/{}{path}", self.base, self.team)
    }

    /// `GET /api/v1/teams/{team}{path}`.
    pub async fn get(&self, path: &str) -> Value {
        let url = format!("{}/api/v1/teams/{}{path}", self.base, self.team);
        self.http.get(url).send().await.expect("request").json().await.expect("JSON")
    }

    /// `POST /api/v1/teams/{team}{path}`, which must succeed.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/api/v1/teams/{}{path}", self.base, self.team))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let body: Value = response.json().await.expect("JSON");
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }
}

/// `pairs` topics `{{prefix}}-topic-N`, each with an e-mail subscription and a rule
/// `{{prefix}}-rule-N` sending to it: `3 * pairs` resources.
#[allow(dead_code, reason = "not every binary that includes this module deploys a template")]
pub fn pairs_template(pairs: usize) -> Value {
    fanout_template(&format!("{pairs} pairs"), pairs, pairs, pairs)
}

/// A template of `topics` topics, `subscriptions` e-mail subscriptions and `rules` rules;
/// subscription and rule i go to topic i modulo `topics`. Names start with the `prefix` parameter.
#[allow(dead_code, reason = "not every binary that includes this module deploys a template")]
pub fn fanout_template(name: &str, topics: usize, subscriptions: usize, rules: usize) -> Value {
    let topic = |i: usize| format!("t{}", i % topics.max(1));
    let topic_list: Vec<Value> =
        (0..topics).map(|i| json!({"key": format!("t{i}"), "name": format!("{{{{prefix}}}}-topic-{i}")})).collect();
    let subscription_list: Vec<Value> = (0..subscriptions)
        .map(|i| json!({"key": format!("s{i}"), "topic": topic(i), "protocol": "EMAIL", "endpoint": format!("oncall-{i}@example.com")}))
        .collect();
    let rule_list: Vec<Value> = (0..rules)
        .map(|i| {
            json!({
                "key": format!("r{i}"),
                "name": format!("{{{{prefix}}}}-rule-{i}"),
                "condition": {"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]},
                "actions": [{"kind": "ONS", "topic": topic(i)}],
            })
        })
        .collect();
    json!({
        "format": "signalbox.template/v1",
        "name": name,
        "parameters": [{"name": "prefix", "type": "string", "required": true}],
        "topics": topic_list,
        "subscriptions": subscription_list,
        "rules": rule_list,
    })
}
