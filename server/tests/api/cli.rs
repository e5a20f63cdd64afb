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
    signalbox_reading(args, env, "").await
}

/// [`signalbox`] with `input` on its standard input. Credentials `signalbox login` keeps are
/// looked for only where `env` says (`XDG_CONFIG_HOME`), never in the real home directory.
async fn signalbox_reading<A: AsRef<std::ffi::OsStr>>(args: &[A], env: &[(&str, &str)], input: &str) -> Run {
    use std::io::Write;
    let mut command = Command::new(env!("CARGO_BIN_EXE_signalbox"));
    command.args(args).env_remove("SIGNALBOX_TOKEN").env_remove("SIGNALBOX_URL");
    command.env("XDG_CONFIG_HOME", "/nonexistent/signalbox-test").env_remove("HOME");
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let input = input.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("signalbox runs");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.as_bytes()).expect("input written");
        drop(stdin);
        child.wait_with_output().expect("signalbox ends")
    })
    .await
    .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Starts `signalbox ARGS` against the server at `url` with `token`, its output piped, for a
/// test that reads it as it comes or closes it early.
fn spawn_signalbox(args: &[&str], url: &str, token: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_signalbox"))
        .args(args)
        .env("SIGNALBOX_URL", url)
        .env("SIGNALBOX_TOKEN", token)
        .env("XDG_CONFIG_HOME", "/nonexistent/signalbox-test")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("signalbox runs")
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

    // Output cut short (`| head -1`): the command ends on the closed pipe without a panic.
    let cut = tokio::task::spawn_blocking(move || {
        let mut child =
            spawn_signalbox(&["rules", "ls", "--compartment", &compartment, "--output", "json"], &url, &token);
        drop(child.stdout.take());
        child.wait_with_output().expect("signalbox ends")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(cut.status.code().is_none_or(|code| code != 101), "{:?}", cut.status);
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
    assert_eq!(status, 204, "revoked");
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

/// The pipeline-as-code path: push creates the template and then changes nothing; plan prints the
/// creates, exits 2 and saves the plan with its digest; apply runs exactly it, step by step, and
/// plan then exits 0; an edited file is published as a new version and planned as an update with
/// the field that changes; that plan, made stale by a change in the cloud, is refused; bad
/// parameters and command lines exit 1.
#[tokio::test]
async fn push_then_plan_with_detailed_exit_codes() {
    let (app, token, compartment) = server().await;
    let url = format!("http://{}", app.addr);
    let env = [("SIGNALBOX_URL", url.as_str()), ("SIGNALBOX_TOKEN", token.as_str())];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alerts.json");
    let file = file.to_str().unwrap().to_owned();
    let mut document: Value = serde_json::from_str(
        &app::template::starters::Starter::find("infra-alerts").unwrap().template().unwrap().to_text(),
    )
    .unwrap();
    std::fs::write(&file, document.to_string()).unwrap();

    let pushed = signalbox(&["template", "push", &file], &env).await;
    assert_eq!(pushed.code, 0, "{}{}", pushed.stdout, pushed.stderr);
    assert!(pushed.stdout.starts_with("created template \"Infra alerts\"") && pushed.stdout.contains("version 1"));
    let again = signalbox(&["template", "push", &file], &env).await;
    assert!(again.stdout.starts_with("no change to template \"Infra alerts\""), "{}", again.stdout);

    let saved = dir.path().join("plan.json");
    let saved = saved.to_str().unwrap().to_owned();
    let plan_args = |extra: &[&str]| {
        let mut args: Vec<String> =
            ["plan", file.as_str(), "--compartment", compartment.as_str()].iter().map(|a| (*a).to_owned()).collect();
        args.extend(["--param", "prefix=cli", "--param", "webhook_url=http://127.0.0.1:9/alerts"].map(str::to_owned));
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    };
    let planned = signalbox(&plan_args(&["--out", &saved]), &env).await;
    assert_eq!(planned.code, 2, "changes: {}{}", planned.stdout, planned.stderr);
    assert!(planned.stdout.contains("+ topic cli-infra-alerts create"), "{}", planned.stdout);
    assert!(planned.stdout.contains("+ rule cli-instance-state-changes create"), "{}", planned.stdout);
    assert!(planned.stdout.contains("3 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged."));
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(plan["format"], "signalbox.plan/v1");
    let digest = plan["review"]["digest"].as_str().expect("a digest").to_owned();

    // Applied exactly, step by step; then the same plan has nothing to do.
    let applied = signalbox(&["apply", &saved, "--name", "cli alerts"], &env).await;
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    assert!(applied.stdout.contains("ok   create topic cli-infra-alerts"), "{}", applied.stdout);
    assert!(applied.stdout.contains("succeeded (3 of 3 steps done, 0 failed)"), "{}", applied.stdout);
    assert!(!digest.is_empty());
    let unchanged = signalbox(&plan_args(&[]), &env).await;
    assert_eq!(unchanged.code, 0, "no changes: {}{}", unchanged.stdout, unchanged.stderr);
    assert!(unchanged.stdout.contains("as deployment \"cli alerts\""), "{}", unchanged.stdout);
    assert!(unchanged.stdout.contains("0 to create, 0 to update, 0 to replace, 0 to delete, 3 unchanged."));

    // An edited file becomes version 2 and an update of the deployment.
    document["topics"][0]["description"] = json!("Infrastructure alerts, paged");
    std::fs::write(&file, document.to_string()).unwrap();
    let edited = signalbox(&plan_args(&["--output", "json"]), &env).await;
    assert_eq!(edited.code, 2, "{}{}", edited.stdout, edited.stderr);
    assert!(edited.stderr.contains("published template \"Infra alerts\" version 2"), "{}", edited.stderr);
    let review: Value = serde_json::from_str(&edited.stdout).expect("JSON");
    let changes = review["review"]["plan"]["changes"].as_array().unwrap();
    let updated: Vec<&Value> = changes.iter().filter(|c| c["action"] == "update").collect();
    assert_eq!(updated.len(), 1, "{changes:?}");
    assert_eq!(updated[0]["diff"][0]["field"], "description");
    let text = signalbox(&plan_args(&["--out", &saved]), &env).await;
    assert!(text.stdout.contains("~ topic cli-infra-alerts update"), "{}", text.stdout);
    assert!(
        text.stdout.contains("description: Infrastructure lifecycle alerts → Infrastructure alerts, paged"),
        "{}",
        text.stdout
    );

    // The cloud changes between the plan and the apply: the saved plan is refused, with why.
    let admin = app.admin().await;
    let (base, _) = crate::helpers::sandbox(&admin).await;
    let topics: Value = admin.read(&format!("{base}/topics?compartment_id={compartment}&q=cli-infra-alerts")).await;
    let topic = topics["items"][0]["id"].as_str().expect("the applied topic").to_owned();
    let (status, _) = admin.call(Method::DELETE, &format!("{base}/topics/{topic}"), json!({})).await;
    assert_eq!(status, 204);
    let stale = signalbox(&["apply", &saved], &env).await;
    assert_eq!(stale.code, 1, "{}{}", stale.stdout, stale.stderr);
    assert!(stale.stderr.contains("The plan changed since it was reviewed"), "{}", stale.stderr);
    let runs: Value = admin.read(&format!("/api/v1/teams/{}/deployments", admin.me.teams[0].team_id)).await;
    assert_eq!(runs[0]["last_run"]["state"], "succeeded", "nothing ran for the stale plan: {runs}");

    // Drift: the deleted topic is named, exit 2; a deployment nobody has is 1.
    let drifted = signalbox(&["drift", "cli alerts"], &env).await;
    assert_eq!(drifted.code, 2, "{}{}", drifted.stdout, drifted.stderr);
    assert!(
        drifted.stdout.contains("has drifted") && drifted.stdout.contains("topic cli-infra-alerts"),
        "{}",
        drifted.stdout
    );
    let nobody = signalbox(&["drift", "no such deployment"], &env).await;
    assert_eq!(nobody.code, 1);
    assert!(nobody.stderr.contains("has no deployment \"no such deployment\""), "{}", nobody.stderr);

    // Destroy asks on a terminal, refuses to guess in a script, and removes everything when told.
    let unasked = signalbox(&["destroy", "cli alerts"], &env).await;
    assert_eq!(unasked.code, 1);
    assert!(unasked.stderr.contains("--auto-approve"), "{}", unasked.stderr);
    let rules: Value = admin.read(&format!("{base}/rules?compartment_id={compartment}&q=cli-instance")).await;
    assert_eq!(rules["total"], 1, "nothing destroyed without approval");
    let destroyed = signalbox(&["destroy", "cli alerts", "--auto-approve"], &env).await;
    assert_eq!(destroyed.code, 0, "{}{}", destroyed.stdout, destroyed.stderr);
    assert!(destroyed.stdout.contains("ok   delete rule cli-instance-state-changes"), "{}", destroyed.stdout);
    let request = server::oci::events::ListRulesRequest {
        compartment_id: compartment.clone(),
        limit: Some(50),
        ..Default::default()
    };
    let in_sandbox = app.builtin.client.list_rules(&request).await.unwrap().body;
    let left: Vec<&str> =
        in_sandbox.iter().map(|r| r.display_name.as_str()).filter(|n| n.starts_with("cli-instance")).collect();
    assert!(left.is_empty(), "the sandbox holds none of its rules: {left:?}");

    let bad_param = signalbox(&plan_args(&["--param", "prefix"]), &env).await;
    assert_eq!(bad_param.code, 1);
    assert!(bad_param.stderr.contains("write NAME=VALUE"), "{}", bad_param.stderr);
    let unknown = signalbox(&["plan", "no-such-template", "--compartment", &compartment], &env).await;
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("no template in the library is called \"no-such-template\""), "{}", unknown.stderr);
    let unreadable = signalbox(&["plan", &file], &env).await;
    assert_eq!(unreadable.code, 1, "a command line that cannot be read is 1, never 2: {}", unreadable.stderr);
    assert!(unreadable.stderr.contains("--compartment"), "{}", unreadable.stderr);
}

/// `apply FILE --auto-approve` plans and applies in one go (and never without the flag in a
/// script); a second one has nothing to apply. `rules show`, `connections ls` and `audit export`
/// print what a pipeline's author checks afterwards.
#[tokio::test]
async fn apply_a_template_file_then_look_and_export() {
    let (app, token, compartment) = server().await;
    let url = format!("http://{}", app.addr);
    let env = [("SIGNALBOX_URL", url.as_str()), ("SIGNALBOX_TOKEN", token.as_str())];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alerts.json");
    let text = app::template::starters::Starter::find("infra-alerts").unwrap().template().unwrap().to_text();
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap().to_owned();
    let apply = |extra: &[&str]| {
        let mut args: Vec<String> =
            ["apply", file.as_str(), "--compartment", compartment.as_str()].iter().map(|a| (*a).to_owned()).collect();
        args.extend(["--param", "prefix=one", "--param", "webhook_url=http://127.0.0.1:9/one"].map(str::to_owned));
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    };
    let admin = app.admin().await;
    let (base, _) = crate::helpers::sandbox(&admin).await;
    let rule_count = || async {
        let rules: Value = admin.read(&format!("{base}/rules?compartment_id={compartment}&q=one-instance")).await;
        rules["total"].as_i64().unwrap()
    };

    let unasked = signalbox(&apply(&[]), &env).await;
    assert_eq!(unasked.code, 1, "{}{}", unasked.stdout, unasked.stderr);
    assert!(
        unasked.stdout.contains("+ rule one-instance-state-changes create"),
        "the plan is shown: {}",
        unasked.stdout
    );
    assert!(unasked.stderr.contains("pass --auto-approve in scripts"), "{}", unasked.stderr);
    assert_eq!(rule_count().await, 0, "nothing applied without approval");

    let applied = signalbox(&apply(&["--auto-approve", "--name", "one"]), &env).await;
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    assert!(applied.stdout.contains("3 to create, 0 to update"), "{}", applied.stdout);
    assert!(applied.stdout.contains("ok   create rule one-instance-state-changes"), "{}", applied.stdout);
    assert!(applied.stdout.contains("succeeded (3 of 3 steps done, 0 failed)"), "{}", applied.stdout);
    assert!(!applied.stdout.contains('\u{1b}'), "no colour codes off a terminal");
    assert_eq!(rule_count().await, 1);
    let again = signalbox(&apply(&["--auto-approve"]), &env).await;
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert!(again.stdout.contains("Nothing to apply"), "{}", again.stdout);

    let shown = signalbox(&["rules", "show", "one-instance-state-changes", "--compartment", &compartment], &env).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(shown.stdout.contains("Enabled      yes"), "{}", shown.stdout);
    assert!(shown.stdout.contains("com.oraclecloud.computeapi.launchinstance.end"), "{}", shown.stdout);
    assert!(shown.stdout.contains("ONS ocid1.onstopic."), "{}", shown.stdout);
    let id = shown.stdout.lines().find_map(|l| l.strip_prefix("OCID")).unwrap().trim().to_owned();
    let by_id = signalbox(&["rules", "show", &id, "--output", "json"], &env).await;
    let rule: Value = serde_json::from_str(&by_id.stdout).expect("JSON");
    assert_eq!(rule["name"], "one-instance-state-changes");
    let nameless = signalbox(&["rules", "show", "one-instance-state-changes"], &env).await;
    assert_eq!(nameless.code, 1);
    assert!(nameless.stderr.contains("--compartment"), "{}", nameless.stderr);
    let unknown = signalbox(&["rules", "show", "no-such-rule", "--compartment", &compartment], &env).await;
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("no rule in that compartment is called \"no-such-rule\""), "{}", unknown.stderr);

    let connections = signalbox(&["connections", "ls"], &env).await;
    assert_eq!(connections.code, 0, "{}", connections.stderr);
    assert!(connections.stdout.starts_with("NAME"), "{}", connections.stdout);
    assert!(connections.stdout.contains("sandbox"), "{}", connections.stdout);
    let listed: Value =
        serde_json::from_str(&signalbox(&["connections", "ls", "--output", "json"], &env).await.stdout).unwrap();
    assert_eq!(listed[0]["kind"], "sandbox");

    let tree = signalbox(&["compartments", "ls"], &env).await;
    assert_eq!(tree.code, 0, "{}", tree.stderr);
    assert!(tree.stdout.contains("prod/web") && tree.stdout.contains(&compartment), "{}", tree.stdout);

    let exported = signalbox(&["audit", "export", "--format", "jsonl", "--action", "deployment."], &env).await;
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let actions: Vec<String> = exported
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line")["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["deployment.create"], "the team's deployment entries only");
    let csv = dir.path().join("audit.csv");
    let to_file = signalbox(&["audit", "export", "--to", csv.to_str().unwrap()], &env).await;
    assert_eq!(to_file.code, 0, "{}", to_file.stderr);
    let written = std::fs::read_to_string(&csv).unwrap();
    assert!(written.starts_with("id,at,actor,"), "{written}");
    assert!(written.contains("rule.create"), "{written}");
    let bad_format = signalbox(&["audit", "export", "--format", "xml"], &env).await;
    assert_eq!(bad_format.code, 1);
    assert!(bad_format.stderr.contains("csv") && bad_format.stderr.contains("jsonl"), "{}", bad_format.stderr);
    let bad_date = signalbox(&["audit", "export", "--from", "yesterday", "--to", csv.to_str().unwrap()], &env).await;
    assert_eq!(bad_date.code, 1);
    assert!(bad_date.stderr.contains("from"), "the field is named: {}", bad_date.stderr);
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), written, "a refused export leaves the last file as it was");
}

/// A plan OCI would refuse (its function does not exist) prints the blocking finding, what to
/// run to apply anyway and the rule's impact; `apply` refuses it until `--override-preflight`
/// gives the reason, which the audit trail keeps.
#[tokio::test]
async fn apply_refuses_a_blocked_plan_until_overridden_with_a_reason() {
    let (app, token, compartment) = server().await;
    let url = format!("http://{}", app.addr);
    let env = [("SIGNALBOX_URL", url.as_str()), ("SIGNALBOX_TOKEN", token.as_str())];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("processor.json");
    let starter = app::template::starters::Starter::find("bucket-change-processor").unwrap();
    std::fs::write(&file, starter.template().unwrap().to_text()).unwrap();
    let apply = |extra: &[&str]| {
        let mut args: Vec<String> = ["apply", file.to_str().unwrap(), "--compartment", compartment.as_str()]
            .iter()
            .map(|a| (*a).to_owned())
            .collect();
        args.extend(
            ["--param", "prefix=blocked", "--param", "function_id=ocid1.fnfunc.oc1.iad.aaaanothere", "--auto-approve"]
                .map(str::to_owned),
        );
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    };
    let refused = signalbox(&apply(&[]), &env).await;
    assert_eq!(refused.code, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(refused.stdout.contains("blocking: ocid1.fnfunc.oc1.iad.aaaanothere"), "{}", refused.stdout);
    assert!(refused.stdout.contains("--override-preflight"), "{}", refused.stdout);
    assert!(refused.stdout.contains("Impact, replayed over a week"), "{}", refused.stdout);
    assert!(refused.stdout.contains("blocked-bucket-change-processor (create): what reaches"), "{}", refused.stdout);
    assert!(refused.stderr.contains("override_preflight"), "{}", refused.stderr);
    let overridden: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'deployment.preflight_override'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(overridden, 0, "nothing started");

    let reason = "the function ships in today's release";
    let forced = signalbox(&apply(&["--override-preflight", reason]), &env).await;
    assert!(forced.stdout.contains("Applying template"), "the run starts: {}{}", forced.stdout, forced.stderr);
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_events WHERE action = 'deployment.preflight_override'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(detail, reason);
}

/// Shell completions for bash, zsh and fish name the commands; an unknown shell is refused.
#[tokio::test]
async fn completions_are_generated_for_each_shell() {
    for (shell, marker) in [("bash", "_signalbox()"), ("zsh", "#compdef signalbox"), ("fish", "complete -c signalbox")]
    {
        let run = signalbox(&["completions", shell], &[]).await;
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}");
        assert!(run.stdout.contains("plan") && run.stdout.contains("validate"), "{shell}");
    }
    let unknown = signalbox(&["completions", "tcsh"], &[]).await;
    assert_eq!(unknown.code, 1);
}

/// `signalbox login` signs in once, keeps a token for the team in a 0600 file, and the commands
/// after it need no token; a wrong password keeps nothing; the kept token goes only to its server.
#[tokio::test]
async fn login_keeps_a_token_that_later_commands_use() {
    use std::os::unix::fs::PermissionsExt;
    let (app, _, compartment) = server().await;
    let url = format!("http://{}", app.addr);
    let config = tempfile::tempdir().unwrap();
    let config_dir = config.path().to_str().unwrap().to_owned();
    let env = [("XDG_CONFIG_HOME", config_dir.as_str())];
    let kept = config.path().join("signalbox").join("credentials.json");

    let wrong = signalbox_reading(
        &["login", "--server", &url, "--username", "admin", "--password-stdin"],
        &env,
        "not the password\n",
    )
    .await;
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("the username or password is wrong"), "{}", wrong.stderr);
    assert!(!kept.exists(), "nothing kept after a failed login");

    let password = format!("{}\n", server::config::TEST_ADMIN_PASSWORD);
    let login =
        signalbox_reading(&["login", "--server", &url, "--username", "admin", "--password-stdin"], &env, &password)
            .await;
    assert_eq!(login.code, 0, "{}{}", login.stdout, login.stderr);
    assert!(login.stdout.contains("as team Platform"), "{}", login.stdout);
    assert!(!login.stdout.contains(server::config::TEST_ADMIN_PASSWORD));
    let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the token file is the owner's only");
    let dir_mode = std::fs::metadata(kept.parent().unwrap()).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700);
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&kept).unwrap()).unwrap();
    assert!(stored["token"].as_str().unwrap().starts_with("sbx_"), "{stored}");
    assert!(!std::fs::read_to_string(&kept).unwrap().contains(server::config::TEST_ADMIN_PASSWORD));

    // No --server, no --token: the kept ones.
    let look = signalbox(&["rules", "ls", "--compartment", &compartment], &env).await;
    assert_eq!(look.code, 0, "{}", look.stderr);
    assert!(look.stdout.contains("2 rules, synced"), "{}", look.stdout);
    // Another server is not sent the kept token.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let other = format!("http://127.0.0.1:{port}");
    let elsewhere = signalbox(&["rules", "ls", "--server", &other, "--compartment", &compartment], &env).await;
    assert_eq!(elsewhere.code, 1);
    assert!(elsewhere.stderr.contains("no API token"), "{}", elsewhere.stderr);

    // The login made one token, named after this machine.
    let admin = app.admin().await;
    let tokens: Vec<Value> = admin.read("/api/v1/tokens").await;
    let cli: Vec<&Value> =
        tokens.iter().filter(|t| t["name"].as_str().unwrap_or_default().starts_with("signalbox CLI on")).collect();
    assert_eq!(cli.len(), 1, "{tokens:?}");
    let no_terminal = signalbox(&["login", "--server", &url, "--username", "admin"], &env).await;
    assert_eq!(no_terminal.code, 1);
    assert!(no_terminal.stderr.contains("--password-stdin"), "{}", no_terminal.stderr);
}

/// `connections import` reads a real OCI config file whose key is encrypted (made here with
/// openssl): the pass phrase from `--passphrase-env`; a wrong one is refused and makes nothing;
/// without one and without a terminal it says how to give it; nothing secret is printed.
#[tokio::test]
async fn connections_import_reads_an_oci_config_with_an_encrypted_key() {
    let (app, token, _) = server().await;
    let url = format!("http://{}", app.addr);
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("oci_api_key.pem");
    let made = Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes-256-cbc"])
        .args(["-pass", "pass:correct-horse", "-out"])
        .arg(&key)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let public = Command::new("openssl")
        .args(["rsa", "-passin", "pass:correct-horse", "-pubout", "-outform", "DER", "-in"])
        .arg(&key)
        .output()
        .expect("openssl runs");
    assert!(public.status.success());
    let mut md5 = Command::new("openssl")
        .args(["md5", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl runs");
    std::io::Write::write_all(&mut md5.stdin.take().unwrap(), &public.stdout).unwrap();
    let digest = String::from_utf8(md5.wait_with_output().unwrap().stdout).unwrap();
    let fingerprint = digest.rsplit("= ").next().unwrap().trim().to_owned();
    assert_eq!(fingerprint.len(), 47, "{digest}");
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[DEFAULT]\nuser=ocid1.user.oc1..aaaaaaaacliuser\nfingerprint={fingerprint}\n\
             tenancy=ocid1.tenancy.oc1..aaaaaaaaclitenancy\nregion=eu-frankfurt-1\nkey_file={}\n",
            key.display()
        ),
    )
    .unwrap();
    let import = |name: &'static str| {
        vec![
            "connections".to_owned(),
            "import".to_owned(),
            "--oci-config".to_owned(),
            config.to_str().unwrap().to_owned(),
            "--name".to_owned(),
            name.to_owned(),
        ]
    };

    // Connections are the team admins': an operator's token is told so.
    let operator = [("SIGNALBOX_URL", url.as_str()), ("SIGNALBOX_TOKEN", token.as_str()), ("SB_PASS", "correct-horse")];
    let mut args = import("by-operator");
    args.extend(["--passphrase-env".to_owned(), "SB_PASS".to_owned()]);
    let not_admin = signalbox(&args, &operator).await;
    assert_eq!(not_admin.code, 1);
    assert!(not_admin.stderr.contains("this needs admin"), "{}", not_admin.stderr);
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let token = app.token(&admin, team, "admin").await;

    let wrong = [("SIGNALBOX_URL", url.as_str()), ("SIGNALBOX_TOKEN", token.as_str()), ("SB_PASS", "not-the-horse")];
    let mut args = import("wrong");
    args.extend(["--passphrase-env".to_owned(), "SB_PASS".to_owned()]);
    let refused = signalbox(&args, &wrong).await;
    assert_eq!(refused.code, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(refused.stderr.contains("pass_phrase"), "names the pass phrase: {}", refused.stderr);

    let unasked = signalbox(&import("unasked"), &[("SIGNALBOX_URL", &url), ("SIGNALBOX_TOKEN", &token)]).await;
    assert_eq!(unasked.code, 1);
    assert!(unasked.stderr.contains("--passphrase-env"), "{}", unasked.stderr);

    let right = [("SIGNALBOX_URL", url.as_str()), ("SIGNALBOX_TOKEN", token.as_str()), ("SB_PASS", "correct-horse")];
    let mut args = import("imported");
    args.extend(["--passphrase-env".to_owned(), "SB_PASS".to_owned()]);
    let imported = signalbox(&args, &right).await;
    assert_eq!(imported.code, 0, "{}{}", imported.stdout, imported.stderr);
    assert!(imported.stdout.contains("Imported connection \"imported\""), "{}", imported.stdout);
    assert!(imported.stdout.contains("region eu-frankfurt-1"), "{}", imported.stdout);
    for run in [&refused, &unasked, &imported] {
        assert!(!run.stdout.contains("correct-horse") && !run.stderr.contains("correct-horse"));
        assert!(!run.stdout.contains("PRIVATE KEY") && !run.stderr.contains("PRIVATE KEY"));
    }
    let connections: Vec<Value> = admin.read(&format!("/api/v1/teams/{team}/connections")).await;
    let names: Vec<&str> = connections.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(
        names.iter().filter(|n| ["imported", "wrong", "unasked", "by-operator"].contains(n)).count(),
        1,
        "{names:?}"
    );
    assert!(names.contains(&"imported"), "{names:?}");
}

/// `audit tail` prints the team's newest entries oldest first, filtered, as lines or JSON lines.
#[tokio::test]
async fn audit_tail_prints_the_newest_entries() {
    let (app, token, _) = server().await;
    let url = format!("http://{}", app.addr);
    let env = [("SIGNALBOX_URL", url.as_str()), ("SIGNALBOX_TOKEN", token.as_str())];
    let text = signalbox(&["audit", "tail", "--action", "rule."], &env).await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", text.stdout);
    assert!(lines[0].contains("rule.create") && lines[0].ends_with("cli-launches"), "oldest first: {}", text.stdout);
    assert!(lines[1].ends_with("cli-uploads"), "{}", text.stdout);
    let json_run = signalbox(&["audit", "tail", "-n", "1", "--output", "json"], &env).await;
    assert_eq!(json_run.code, 0, "{}", json_run.stderr);
    let entry: Value = serde_json::from_str(json_run.stdout.trim()).expect("one JSON line");
    assert_eq!(entry["action"], "token.create", "the newest entry: {entry}");
}

/// `audit tail --follow` prints entries as they are written, and Ctrl-C (SIGINT) ends it with 0.
#[tokio::test]
async fn audit_tail_follows_until_interrupted() {
    use std::io::BufRead;
    let (app, token, compartment) = server().await;
    let url = format!("http://{}", app.addr);
    let mut child = spawn_signalbox(&["audit", "tail", "--follow", "-n", "0", "--action", "topic."], &url, &token);
    let stdout = child.stdout.take().expect("stdout");
    let (lines, mut heard) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    // Let it read the trail once before the new entry is written.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let admin = app.admin().await;
    let (base, _) = crate::helpers::sandbox(&admin).await;
    let body = json!({"compartment_id": compartment, "name": "followed"});
    let (status, _) = admin.call(Method::POST, &format!("{base}/topics"), body).await;
    assert_eq!(status, 200);
    let line = tokio::time::timeout(std::time::Duration::from_secs(10), heard.recv())
        .await
        .expect("a line within 10 s")
        .expect("a line");
    assert!(line.contains("topic.create") && line.ends_with("followed"), "{line}");
    let interrupted = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(interrupted.success());
    let status = tokio::task::spawn_blocking(move || child.wait().expect("it ends")).await.unwrap();
    assert_eq!(status.code(), Some(0), "Ctrl-C ends a follow cleanly");
}
