//! Running Signalbox as a service: the real binary with a metrics listener and systemd's
//! readiness protocol, backups taken while writes run and restored into a new server, and
//! upgrades from the previous release's schema.

use crate::helpers::{Session, spawn_app_with, until};
use reqwest::Method;
use serde_json::{Value, json};
use server::config::{Database, TEST_ADMIN_PASSWORD};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A free loopback port (bound and released: the binary binds it right after).
pub(crate) fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// `signalbox serve` as a child process.
pub(crate) struct Served {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn signalbox() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signalbox"));
    command
        .env("XDG_CONFIG_HOME", "/nonexistent/signalbox-test")
        .env_remove("SIGNALBOX_MASTER_KEY")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    command
}

/// Sends SIGTERM, as systemd and container runtimes stop a service.
pub(crate) fn terminate(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

/// Waits for the child to exit (at most `within`) and answers its exit status.
pub(crate) async fn exited(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < within, "the server did not stop within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends `request` and answers its JSON.
pub(crate) async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

pub(crate) async fn log_in(client: &reqwest::Client, addr: SocketAddr) -> (String, i64) {
    let me = json_of(
        client
            .post(format!("http://{addr}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": TEST_ADMIN_PASSWORD})),
    )
    .await;
    (me["csrf_token"].as_str().unwrap().to_owned(), me["teams"][0]["team_id"].as_i64().unwrap())
}

/// The series of `name` whose labels include every `labels` pair, with its value.
fn series(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|line| !line.starts_with('#')).find_map(|line| {
        let (key, value) = line.rsplit_once(' ')?;
        let (metric, rest) = key.split_once('{').unwrap_or((key, ""));
        (metric == name && labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\""))))
            .then(|| value.parse().ok())?
    })
}

/// The binary as an operator runs it: ready only when it serves (systemd's notify protocol),
/// metrics on their own address with the series an operator alerts on, nothing secret in them,
/// `/metrics` nowhere on the console's address, and a clean stop on SIGTERM.
#[tokio::test]
async fn the_binary_reports_readiness_and_metrics_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let notify_path = dir.path().join("notify.sock");
    let notify = std::os::unix::net::UnixDatagram::bind(&notify_path).unwrap();
    notify.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let (addr, metrics) = (free_addr(), free_addr());
    let child = signalbox()
        .args(["serve", "--listen", &addr.to_string(), "--metrics-listen", &metrics.to_string()])
        .arg("--data-dir")
        .arg(&data_dir)
        .env("SIGNALBOX_ADMIN_PASSWORD", TEST_ADMIN_PASSWORD)
        .env("NOTIFY_SOCKET", &notify_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut served = Served { child, addr };

    let mut datagram = vec![0u8; 512];
    let n = notify.recv(&mut datagram).expect("the server notifies systemd when it is ready");
    let ready = String::from_utf8_lossy(&datagram[..n]).into_owned();
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready}");
    // Ready means serving: the first request after the notification is answered.
    let client = reqwest::Client::builder().no_proxy().cookie_store(true).build().unwrap();
    let healthz = client.get(format!("http://{}/healthz", served.addr)).send().await.unwrap();
    assert_eq!(healthz.status(), 200);

    let (csrf, team) = log_in(&client, served.addr).await;
    let api = |method: Method, path: &str| {
        client.request(method, format!("http://{}{path}", served.addr)).header("x-csrf-token", &csrf)
    };
    let connections = json_of(api(Method::GET, &format!("/api/v1/teams/{team}/connections"))).await;
    let base = format!("/api/v1/teams/{team}/connections/{}", connections[0]["id"]);
    let compartments = json_of(api(Method::GET, &format!("{base}/compartments"))).await;
    let compartment = compartments[0]["id"].as_str().unwrap().to_owned();
    let created = api(Method::POST, &format!("{base}/topics"))
        .json(&json!({"compartment_id": compartment, "name": "metered-alerts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    // A failed OCI call: deleting a topic OCI does not have.
    let missing =
        api(Method::DELETE, &format!("{base}/topics/ocid1.onstopic.oc1.phx.doesnotexist")).send().await.unwrap();
    assert_eq!(missing.status(), 404, "{}", missing.text().await.unwrap());
    // An inbox delivery, and a knock on an inbox that does not exist.
    let inbox =
        json_of(api(Method::POST, &format!("/api/v1/teams/{team}/inboxes")).json(&json!({"name": "metered"}))).await;
    let hook = inbox["url"].as_str().unwrap().to_owned();
    let token = hook.rsplit('/').next().unwrap().to_owned();
    let delivered = client.post(&hook).header("x-oci-ns-messageid", "m-1").body("{}").send().await.unwrap();
    assert_eq!(delivered.status(), 200);
    let unknown =
        client.post(format!("http://{}/hooks/{}", served.addr, "x".repeat(token.len()))).send().await.unwrap();
    assert_eq!(unknown.status(), 404);

    let scrape = || async { client.get(format!("http://{}/metrics", metrics)).send().await.unwrap() };
    let answer = scrape().await;
    assert_eq!(answer.status(), 200);
    assert!(answer.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = answer.text().await.unwrap();
    let topics_route = "/api/v1/teams/{team_id}/connections/{connection_id}/topics";
    let expect = |name: &str, labels: &[(&str, &str)]| {
        let value = series(&text, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in:\n{text}"));
        assert!(value >= 1.0, "{name} {labels:?} = {value}");
    };
    expect(
        "signalbox_oci_requests_total",
        &[("service", "notifications"), ("operation", "CreateTopic"), ("status", "200")],
    );
    expect(
        "signalbox_oci_requests_total",
        &[("service", "notifications"), ("operation", "GetTopic"), ("status", "404")],
    );
    expect(
        "signalbox_oci_request_duration_seconds_count",
        &[("service", "notifications"), ("operation", "CreateTopic")],
    );
    expect("signalbox_http_requests_total", &[("route", topics_route), ("method", "POST"), ("status", "200")]);
    expect(
        "signalbox_http_request_duration_seconds_bucket",
        &[("route", topics_route), ("method", "POST"), ("le", "+Inf")],
    );
    expect("signalbox_http_requests_total", &[("route", "/hooks/{token}"), ("method", "POST"), ("status", "200")]);
    expect("signalbox_inbox_deliveries_total", &[("result", "accepted")]);
    expect("signalbox_inbox_deliveries_total", &[("result", "unknown_inbox")]);
    expect("signalbox_audit_rows_total", &[]);
    assert!(series(&text, "process_resident_memory_bytes", &[]).is_some_and(|bytes| bytes > 1e6), "{text}");
    assert!(series(&text, "signalbox_pipelines", &[("status", "broken")]).is_some(), "{text}");
    // Labels are templates: no path with an id, no inbox token, nothing a user typed.
    for secret in [token.as_str(), "metered-alerts", TEST_ADMIN_PASSWORD, &compartment, &csrf] {
        assert!(!text.contains(secret), "{secret:?} is in /metrics");
    }

    // The metrics address answers GET and HEAD of /metrics only; the console's never answers it,
    // whoever asks, with whatever method.
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        let refused = client.request(method.clone(), format!("http://{}/metrics", metrics)).send().await.unwrap();
        assert_eq!(refused.status(), 405, "{method} /metrics on the metrics address");
    }
    let head = client.head(format!("http://{}/metrics", metrics)).send().await.unwrap();
    assert_eq!(head.status(), 200);
    for path in ["/", "/healthz", "/api/v1/system", "/metrics/", "/metrics?x=1"] {
        let status = client.get(format!("http://{}{path}", metrics)).send().await.unwrap().status();
        assert_eq!(status == 200, path == "/metrics?x=1", "{path} on the metrics address: {status}");
    }
    let anonymous = reqwest::Client::builder().no_proxy().build().unwrap();
    for (who, asking) in [("the admin", &client), ("anyone", &anonymous)] {
        for method in [Method::GET, Method::HEAD, Method::POST] {
            let status = asking
                .request(method.clone(), format!("http://{}/metrics", served.addr))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 404, "{method} /metrics on the console's address by {who}");
        }
    }

    terminate(&served.child);
    let n = notify.recv(&mut datagram).expect("the server tells systemd it is stopping");
    let stopping = String::from_utf8_lossy(&datagram[..n]).into_owned();
    assert!(stopping.lines().any(|l| l == "STOPPING=1"), "{stopping}");
    let status = exited(&mut served.child, Duration::from_secs(20)).await;
    assert!(status.success(), "a SIGTERM stops the server cleanly: {status}");
}

/// Writes through the API as fast as it answers, until told to stop; answers the names of the
/// topics whose creation was acknowledged, each with the instant it was.
fn keep_writing(
    session: Session,
    base: String,
    compartment: String,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<Vec<(String, std::time::Instant)>> {
    tokio::spawn(async move {
        let mut acknowledged = Vec::new();
        for n in 0.. {
            if *stop.borrow() {
                break;
            }
            let name = format!("written-{n}");
            let (status, _) = session
                .call(Method::POST, &format!("{base}/topics"), json!({"compartment_id": compartment, "name": name}))
                .await;
            assert_eq!(status, 200);
            acknowledged.push((name, std::time::Instant::now()));
        }
        acknowledged
    })
}

async fn audited_topics(pool: &server::db::Pool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT target_name FROM audit_events WHERE action = 'topic.create' AND result = 'ok' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// A backup taken while topics are being created holds every write acknowledged before it began
/// and an intact chain; restored into a new directory, a server starts on it with all of it.
/// Backups are of the SQLite file (PostgreSQL is backed up with its own tools), so this runs on
/// SQLite whatever the suite's backend.
#[tokio::test]
async fn a_backup_taken_under_writes_restores_into_a_new_server_with_every_row() {
    let app = spawn_app_with(|config| {
        config.sandbox_persist = true;
        config.database = Database::DataDir;
        config.master_key = None;
    })
    .await;
    let admin = app.admin().await;
    let (base, compartment) = crate::helpers::sandbox(&admin).await;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let writer = keep_writing(app.admin().await, base.clone(), compartment.clone(), stopping);
    until(|| async { audited_topics(&app.pool).await.len() >= 5 }).await;

    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("signalbox.tar.gz");
    let began = std::time::Instant::now();
    let backup = {
        let mut command = signalbox();
        command.args(["backup", "--to"]).arg(&file).arg("--data-dir").arg(app.data_dir.path());
        tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
    };
    let stdout = String::from_utf8_lossy(&backup.stdout);
    let stderr = String::from_utf8_lossy(&backup.stderr);
    assert!(backup.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("signalbox.db and sandbox.db"), "{stdout}");
    let key_file = app.data_dir.path().join("master.key");
    assert!(
        stderr.contains("the master key is not in the backup") && stderr.contains(&key_file.display().to_string()),
        "{stderr}"
    );
    // Writes go on after the backup; the writer's own acknowledgements say which came before.
    until(|| async { audited_topics(&app.pool).await.len() >= 10 }).await;
    stop.send_replace(true);
    let acknowledged = writer.await.unwrap();
    let before: Vec<&String> = acknowledged.iter().filter(|(_, at)| *at < began).map(|(name, _)| name).collect();
    assert!(before.len() >= 5);

    // Nothing but the databases and the manifest is in the file: no key.
    let names = archive_names(&file);
    assert_eq!(names, ["manifest.json", "signalbox.db", "sandbox.db"]);
    let key = std::fs::read_to_string(&key_file).unwrap();
    let bytes = gunzip(&file);
    assert!(!bytes.windows(key.trim().len()).any(|w| w == key.trim().as_bytes()), "the master key is in the backup");

    let restored_dir = tempfile::tempdir().unwrap();
    let restore =
        signalbox().args(["restore", "--from"]).arg(&file).arg("--data-dir").arg(restored_dir.path()).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&restore.stdout), String::from_utf8_lossy(&restore.stderr));
    assert!(restore.status.success(), "{said}");
    assert!(said.contains("audit trail intact") && said.contains("no master key here"), "{said}");
    std::fs::copy(&key_file, restored_dir.path().join("master.key")).unwrap();

    let verify = signalbox().args(["audit", "verify", "--data-dir"]).arg(restored_dir.path()).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));

    let mut config = server::config::Config::for_tests(restored_dir.path());
    config.sandbox_persist = true;
    let restored = server::Application::build(config).await.expect("a server starts on the restored directory");
    let pool = restored.pool();
    let builtin = restored.builtin();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(restored.run_until(async move {
        let _ = stopped.await;
    }));
    let topics = audited_topics(&pool).await;
    for name in &before {
        assert!(topics.contains(name), "{name}, acknowledged before the backup began, is not in it");
    }
    // Every row the backup holds is one the source has, in the same order.
    let source = audited_topics(&app.pool).await;
    assert_eq!(source[..topics.len()], topics[..]);
    let sandbox_topics = builtin.client.list_all_topics(&compartment).await.unwrap();
    for name in &before {
        assert!(sandbox_topics.iter().any(|t| &t.name == *name), "{name} is not in the restored sandbox");
    }
    let verified = server::db::audit_events::verify(&pool, Vec::new()).await.unwrap();
    assert!(verified.broken.is_none());
}

fn gunzip(file: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap()), &mut bytes)
        .unwrap();
    bytes
}

fn archive_names(file: &Path) -> Vec<String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap()));
    archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned()).collect()
}

/// Writes `entries` (name, bytes) as a backup-shaped archive.
fn write_archive(file: &Path, entries: &[(&str, Vec<u8>)]) {
    let out = flate2::write::GzEncoder::new(std::fs::File::create(file).unwrap(), flate2::Compression::fast());
    let mut archive = tar::Builder::new(out);
    for (name, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        archive.append_data(&mut header, name, bytes.as_slice()).unwrap();
    }
    archive.into_inner().unwrap().finish().unwrap();
}

fn unpacked(file: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap()));
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

fn restore(file: &Path, data_dir: &Path, extra: &[&str]) -> (bool, String) {
    let output =
        signalbox().args(["restore", "--from"]).arg(file).arg("--data-dir").arg(data_dir).args(extra).output().unwrap();
    (
        output.status.success(),
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
    )
}

/// Every file of `dir` with its bytes, for "nothing changed" checks.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

/// A restore refuses, and changes nothing, when the backup is tampered with, not a backup, or
/// carries paths out of the directory; when the directory holds data (without --replace); and
/// while a server runs on the directory (even with --replace).
#[tokio::test]
async fn a_restore_checks_the_backup_and_the_directory_before_it_replaces_anything() {
    // SQLite whatever the suite's backend: the backup is of its file.
    let app = spawn_app_with(|config| {
        config.database = Database::DataDir;
        config.master_key = None;
    })
    .await;
    let admin = app.admin().await;
    let (base, compartment) = crate::helpers::sandbox(&admin).await;
    let (status, _) = admin
        .call(Method::POST, &format!("{base}/topics"), json!({"compartment_id": compartment, "name": "kept"}))
        .await;
    assert_eq!(status, 200);
    let out = tempfile::tempdir().unwrap();
    let good = out.path().join("good.tar.gz");
    let taken =
        signalbox().args(["backup", "--to"]).arg(&good).arg("--data-dir").arg(app.data_dir.path()).output().unwrap();
    assert!(taken.status.success(), "{}", String::from_utf8_lossy(&taken.stderr));
    assert_eq!(archive_names(&good), ["manifest.json", "signalbox.db"], "no sandbox.db when the sandbox keeps none");

    // An audit row changed inside the backup's database.
    let entries = unpacked(&good);
    let work = tempfile::tempdir().unwrap();
    let db_path = work.path().join("signalbox.db");
    std::fs::write(&db_path, &entries.iter().find(|(n, _)| n == "signalbox.db").unwrap().1).unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db_path.display())).await.unwrap();
    // A forger with the file drops the append-only trigger first.
    sqlx::query("DROP TRIGGER audit_events_sealed").execute(&pool).await.unwrap();
    sqlx::query("UPDATE audit_events SET target_name = 'forged' WHERE action = 'topic.create'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let forged_db = std::fs::read(&db_path).unwrap();
    let manifest = entries.iter().find(|(n, _)| n == "manifest.json").unwrap().1.clone();
    let tampered = out.path().join("tampered.tar.gz");
    write_archive(&tampered, &[("manifest.json", manifest.clone()), ("signalbox.db", forged_db)]);
    let escaping = out.path().join("escaping.tar.gz");
    let mut header = tar::Header::new_gnu();
    header.set_size(4);
    header.set_mode(0o600);
    header.set_cksum();
    {
        let file =
            flate2::write::GzEncoder::new(std::fs::File::create(&escaping).unwrap(), flate2::Compression::fast());
        let mut archive = tar::Builder::new(file);
        archive.append_data(&mut header, "manifest.json", &b"{}\n\n"[..]).unwrap();
        // `append_data` refuses `..`, as a well-behaved writer does; a hostile one writes the name
        // into the header itself.
        let mut evil = tar::Header::new_gnu();
        evil.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"../escaped.db");
        evil.set_size(4);
        evil.set_mode(0o600);
        evil.set_cksum();
        archive.append(&evil, &b"evil"[..]).unwrap();
        archive.into_inner().unwrap().finish().unwrap();
    }
    let not_a_backup = out.path().join("notes.txt");
    std::fs::write(&not_a_backup, "hello").unwrap();
    let wrong_format = out.path().join("future.tar.gz");
    let mut future: Value = serde_json::from_slice(&manifest).unwrap();
    future["format"] = json!(99);
    write_archive(&wrong_format, &[("manifest.json", serde_json::to_vec(&future).unwrap())]);

    let target = tempfile::tempdir().unwrap();
    std::fs::write(target.path().join("unrelated.txt"), "mine").unwrap();
    let before = snapshot(target.path());
    for (file, reason) in [
        (&tampered, "audit chain is broken"),
        (&escaping, "is not a Signalbox backup"),
        (&not_a_backup, "is not a Signalbox backup"),
        (&wrong_format, "format 99"),
    ] {
        let (ok, said) = restore(file, target.path(), &["--replace"]);
        assert!(!ok, "{} was restored: {said}", file.display());
        assert!(said.contains(reason) && said.contains("nothing restored"), "{said}");
        assert!(
            !out.path().join("escaped.db").exists() && !target.path().parent().unwrap().join("escaped.db").exists()
        );
        assert_eq!(snapshot(target.path()), before, "a refused restore changed the directory");
        let leftovers: Vec<_> = std::fs::read_dir(target.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(leftovers.iter().all(|n| !n.to_string_lossy().starts_with(".signalbox-restore")), "{leftovers:?}");
    }

    // The good backup, into a directory that already has a database: only with --replace.
    let (ok, said) = restore(&good, target.path(), &[]);
    assert!(ok, "{said}");
    let (ok, said) = restore(&good, target.path(), &[]);
    assert!(!ok && said.contains("already holds a database") && said.contains("--replace"), "{said}");
    let (ok, said) = restore(&good, target.path(), &["--replace"]);
    assert!(ok && said.contains("the files it replaced are in"), "{said}");
    assert!(
        std::fs::read_dir(target.path()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("replaced-"))
    );

    // Never under a running server.
    let (ok, said) = restore(&good, app.data_dir.path(), &["--replace"]);
    assert!(!ok && said.contains("another Signalbox process is using it"), "{said}");
    let (status, _) = admin
        .call(Method::POST, &format!("{base}/topics"), json!({"compartment_id": compartment, "name": "still-serving"}))
        .await;
    assert_eq!(status, 200, "the running server was not disturbed");
}

/// The previous release's schema (every migration but the newest), with data written through it,
/// is upgraded on start: the copy taken before is kept and holds the old schema, and every row is
/// there after. A migration that fails leaves the database byte for byte as it was.
#[tokio::test]
async fn an_upgrade_keeps_a_backup_and_the_data_and_a_failed_one_changes_nothing() {
    use server::db::{MIGRATOR, audit_events::NewAuditEvent};
    use sqlx::migrate::Migrator;
    use std::borrow::Cow;

    let previous = Migrator {
        migrations: Cow::Owned(MIGRATOR.migrations[..MIGRATOR.migrations.len() - 1].to_vec()),
        ..Migrator::DEFAULT
    };
    let previous_version = previous.migrations.last().unwrap().version;
    let newest = MIGRATOR.migrations.last().unwrap();

    let write_old = async |path: &Path| {
        let pool = server::db::open_with(path, &previous).await.unwrap();
        sqlx::query("INSERT INTO teams (name) VALUES ('legacy team')").execute(&pool).await.unwrap();
        let mut conn = pool.acquire().await.unwrap();
        for n in 0..25 {
            let detail = format!("written before the upgrade #{n}");
            let event = NewAuditEvent {
                actor_name: "old",
                action: "test.write",
                detail: Some(&detail),
                ok: true,
                ..Default::default()
            };
            event.append(&mut conn).await.unwrap();
        }
        // Everything into the main file now: the comparison below must not depend on when the
        // last connection's close gets to fold the log (once, under load, it did not in 20 s).
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await.unwrap();
        conn.close().await.unwrap();
        pool.close().await;
    };

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signalbox.db");
    write_old(&path).await;

    let check = signalbox().args(["migrate", "--check", "--data-dir"]).arg(dir.path()).output().unwrap();
    let said = String::from_utf8_lossy(&check.stdout).into_owned();
    assert_eq!(check.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!("at schema {previous_version}"))
            && said.contains(&format!("{} {}", newest.version, newest.description)),
        "{said}"
    );

    let pool = server::db::open(&path).await.expect("the upgrade succeeds");
    let backups: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("signalbox.db.pre-upgrade-{previous_version}-"))
        })
        .collect();
    assert_eq!(backups.len(), 1, "one pre-upgrade backup next to the database");
    let old = server::db::open_read_only(&backups[0]).await.unwrap();
    let (version, _) = server::db::sqlite::schema_state(&old).await.unwrap();
    assert_eq!(version, previous_version, "the backup holds the database as it was");
    let old_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(&old).await.unwrap();
    old.close().await;

    let (version, _) = server::db::sqlite::schema_state(&pool).await.unwrap();
    assert_eq!(version, newest.version);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(&pool).await.unwrap();
    assert_eq!((rows, old_rows), (25, 25));
    let team: String =
        sqlx::query_scalar("SELECT name FROM teams WHERE name = 'legacy team'").fetch_one(&pool).await.unwrap();
    assert_eq!(team, "legacy team");
    assert!(server::db::audit_events::verify(&pool, Vec::new()).await.unwrap().broken.is_none());
    pool.close().await;
    let check = signalbox().args(["migrate", "--check", "--data-dir"]).arg(dir.path()).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));

    // A migration that fails halfway (its first statement runs, its second does not).
    let failing_dir = tempfile::tempdir().unwrap();
    let failing_path = failing_dir.path().join("signalbox.db");
    write_old(&failing_path).await;
    // Reading a WAL-mode file leaves its (empty) log and index beside it; nothing else may appear.
    let settled = |files: Vec<(String, Vec<u8>)>| -> Vec<(String, Vec<u8>)> {
        files
            .into_iter()
            .filter(|(name, bytes)| {
                !(name.contains(".pre-upgrade-")
                    || name.ends_with("-shm")
                    || (name.ends_with("-wal") && bytes.is_empty()))
            })
            .collect()
    };
    let before = settled(snapshot(failing_dir.path()));
    let mut broken = MIGRATOR.migrations.to_vec();
    let last = broken.last_mut().unwrap();
    last.sql = Cow::Owned(format!("{}\nCREATE TABLE teams (id INTEGER);", last.sql));
    last.checksum = Cow::Owned(vec![0; 48]);
    let broken = Migrator { migrations: Cow::Owned(broken), ..Migrator::DEFAULT };
    let err = server::db::open_with(&failing_path, &broken).await.expect_err("the broken migration fails").to_string();
    assert!(err.contains("the database was left as it was"), "{err}");
    let after = settled(snapshot(failing_dir.path()));
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&after), names(&before), "a work file was left, or the database moved");
    assert!(after == before, "the database file changed");
    let pool = server::db::open_with(&failing_path, &previous).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 25);
}
