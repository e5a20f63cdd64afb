//! The `signalbox` command as a client: the real binary, as a subprocess, against a server on
//! loopback with an API token: quick looks in text and JSON, names resolved to ids, clear messages
//! and exit codes for a refused token, an unknown connection or compartment and a server that is
//! not there, and `template validate` offline with every problem's path.

use crate::helpers::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use std::process::Command;

/// What a run of the command printed and how it ended.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `signalbox ARGS` with `env` beside the test's server (off its runtime: the server answers).
async fn signalbox<A: AsRef<std::ffi::OsStr>>(args: &[A], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signalbox"));
    command.args(args).env_remove("SIGNALBOX_TOKEN").env_remove("SIGNALBOX_URL");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output().expect("signalbox runs")).await.unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A server with two rules and a topic in the sandbox's `dev` compartment, and an operator token.
async fn server() -> (TestApp, String, String) {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let (base, compartment) = crate::helpers::sandbox(&admin).await;
    let (status, topic) = admin
        .call(Method::POST, &format!("{base}/topics"), json!({"compartment_id": compartment, "name": "cli-alerts"}))
        .await;
    assert_eq!(status, 200, "{topic}");
    for name in ["cli-launches", "cli-uploads"] {
        let rule = json!({
            "compartment_id": compartment,
            "name": name,
            "condition": r#"{"eventType":"com.oraclecloud.computeapi.launchinstance.end"}"#,
            "actions": [{"kind": "ONS", "target_id": topic["id"]}],
        });
        let (status, created) = admin.call(Method::POST, &format!("{base}/rules"), rule).await;
        assert_eq!(status, 200, "{created}");
    }
    let token = app.token(&admin, team, "operator").await;
    (app, token, compartment)
}

#[tokio::test]
async fn quick_looks_print_for_people_and_for_scripts() {
    let (app, token, compartment) = server().await;
    let url = format!("http://{}", app.addr);
    let env = [("SIGNALBOX_URL", url.as_str()), ("SIGNALBOX_TOKEN", token.as_str())];

    let text = signalbox(&["rules", "ls", "--compartment", &compartment], &env).await;
    assert_eq!(text.code, 0, "{}{}", text.stdout, text.stderr);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME") && lines[0].contains("EVENT TYPES"), "{}", text.stdout);
    assert!(lines[1].starts_with("cli-launches") && lines[1].contains("computeapi.launchinstance.end"));
    assert!(lines[2].starts_with("cli-uploads"));
    assert!(lines[3].starts_with("2 rules, synced"), "{}", text.stdout);
    assert!(!text.stdout.contains(&token) && !text.stderr.contains(&token), "the token is never printed");

    // JSON is the API's own shape; the compartment by its path, the connection by its name.
    let json_run = signalbox(
        &["rules", "ls", "--compartment", "dev", "--connection", "Built-in sandbox", "--output", "json"],
        &env,
    )
    .await;
    assert_eq!(json_run.code, 0, "{}", json_run.stderr);
    let rules: Vec<Value> = serde_json::from_str(&json_run.stdout).expect("JSON on standard output");
    let names: Vec<&str> = rules.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["cli-launches", "cli-uploads"]);
    assert!(rules.iter().all(|r| r["compartment_id"] == compartment.as_str()));

    let topics = signalbox(&["topics", "ls", "--compartment", &compartment, "-q", "cli-"], &env).await;
    assert_eq!(topics.code, 0, "{}", topics.stderr);
    assert!(topics.stdout.contains("cli-alerts") && topics.stdout.contains("0 active, 0 pending"), "{}", topics.stdout);
    assert!(topics.stdout.contains("1 topic, synced"), "{}", topics.stdout);
}

#[tokio::test]
async fn failures_say_what_to_do_and_exit_one() {
    let (app, token, compartment) = server().await;
    let url = format!("http://{}", app.addr);
    let look = |extra: &[&'static str]| {
        let mut args = vec!["rules".to_owned(), "ls".to_owned(), "--compartment".to_owned(), compartment.clone()];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    };

    let unknown =
        signalbox(&look(&["--connection", "prod-tenancy"]), &[("SIGNALBOX_URL", &url), ("SIGNALBOX_TOKEN", &token)])
            .await;
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("--connection") && unknown.stderr.contains("Built-in sandbox"),
        "{}",
        unknown.stderr
    );

    let nowhere = signalbox(
        &["rules", "ls", "--compartment", "no/such/place"],
        &[("SIGNALBOX_URL", &url), ("SIGNALBOX_TOKEN", &token)],
    )
    .await;
    assert_eq!(nowhere.code, 1);
    assert!(
        nowhere.stderr.contains("--compartment") && nowhere.stderr.contains("no compartment"),
        "{}",
        nowhere.stderr
    );

    let missing = signalbox(&look(&[]), &[("SIGNALBOX_URL", &url)]).await;
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("--token"), "{}", missing.stderr);

    // A revoked token is refused with the remedy, and nothing else is printed.
    let admin = app.admin().await;
    let tokens: Vec<Value> = admin.read("/api/v1/tokens").await;
    let id = tokens[0]["id"].as_i64().expect("a token id");
    let (status, _) = admin.call(Method::DELETE, &format!("/api/v1/tokens/{id}"), json!({})).await;
    assert!(status == 204 || status == 200, "revoked: {status}");
    let revoked = signalbox(&look(&[]), &[("SIGNALBOX_URL", &url), ("SIGNALBOX_TOKEN", &token)]).await;
    assert_eq!(revoked.code, 1);
    assert!(revoked.stderr.contains("does not accept this API token"), "{}", revoked.stderr);
    assert!(revoked.stdout.is_empty());

    // No server there: the network failure, not a panic.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gone = format!("http://127.0.0.1:{port}");
    let down = signalbox(&look(&[]), &[("SIGNALBOX_URL", &gone), ("SIGNALBOX_TOKEN", &token)]).await;
    assert_eq!(down.code, 1);
    assert!(down.stderr.contains("Could not reach the Signalbox server"), "{}", down.stderr);

    for (server, expected) in [("ftp://example", "is not a URL"), ("signalbox", "is not a URL")] {
        let bad = signalbox(&look(&[]), &[("SIGNALBOX_URL", server), ("SIGNALBOX_TOKEN", &token)]).await;
        assert_eq!(bad.code, 1, "{server}");
        assert!(bad.stderr.contains(expected), "{server}: {}", bad.stderr);
    }
}

#[tokio::test]
async fn template_validate_names_every_problem_by_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        app::template::starters::Starter::find("infra-alerts").unwrap().template().unwrap().to_text(),
    )
    .unwrap();
    let run = signalbox(&["template", "validate", good.to_str().unwrap()], &[]).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("a valid template, \"Infra alerts\""), "{}", run.stdout);

    let mut broken: Value = serde_json::from_str(&std::fs::read_to_string(&good).unwrap()).unwrap();
    broken["format"] = json!("signalbox.template/v0");
    broken["rules"][0]["actions"][0]["topic"] = json!("no-such-topic");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, broken.to_string()).unwrap();
    let run = signalbox(&["template", "validate", bad.to_str().unwrap()], &[]).await;
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains(": format: "), "{}", run.stdout);
    assert!(run.stdout.contains(": rules[0].actions[0].topic: "), "{}", run.stdout);
    assert!(run.stderr.contains("has 2 problems"), "{}", run.stderr);

    let json_run = signalbox(&["template", "validate", bad.to_str().unwrap(), "--output", "json"], &[]).await;
    assert_eq!(json_run.code, 1);
    let verdict: Value = serde_json::from_str(&json_run.stdout).unwrap();
    assert_eq!(verdict["valid"], false);
    let fields: Vec<&str> =
        verdict["problems"].as_array().unwrap().iter().filter_map(|p| p["field"].as_str()).collect();
    assert_eq!(fields, ["format", "rules[0].actions[0].topic"]);

    std::fs::write(&bad, "{\"format\": ").unwrap();
    let run = signalbox(&["template", "validate", bad.to_str().unwrap()], &[]).await;
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("line 1, column"), "{}", run.stdout);
    let missing = signalbox(&["template", "validate", "/no/such/file.json"], &[]).await;
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("cannot read /no/such/file.json"), "{}", missing.stderr);
}
