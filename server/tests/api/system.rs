use crate::helpers::spawn_app;
use app::api::system::{SandboxState, SystemInfo};

/// The system endpoint describes the running instance and the health of its storage.
#[tokio::test]
async fn system_reports_version_storage_and_sandbox() {
    let app = spawn_app().await;
    assert_eq!(app.get("/api/v1/system").await.status(), 401, "only for logged-in users");
    let admin = app.admin().await;
    let response = admin.get("/api/v1/system").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let info: SystemInfo = response.json().await.expect("body matches the shared SystemInfo type");

    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    let expected_dir = std::fs::canonicalize(app.data_dir.path()).unwrap();
    assert_eq!(info.data_dir.path, expected_dir.display().to_string());
    assert!(info.data_dir.writable);
    assert!(info.data_dir.free_bytes.is_some_and(|n| n > 0));
    let latest = server::db::MIGRATOR.iter().map(|m| m.version).max().unwrap();
    assert_eq!(info.data_dir.database.schema_version, latest);
    assert_eq!(info.data_dir.database.migrations_applied, server::db::MIGRATOR.iter().count() as i64);
    match server::db::Backend::of(&app.pool) {
        server::db::Backend::Sqlite => {
            assert_eq!(info.data_dir.database.backend, "sqlite");
            assert_eq!(info.data_dir.database.journal_mode.as_deref(), Some("wal"));
        }
        server::db::Backend::Postgres => {
            assert_eq!(info.data_dir.database.backend, "postgresql");
            assert_eq!(info.data_dir.database.journal_mode, None);
        }
    }
    assert!(info.data_dir.database.size_bytes > 0);
    assert!(info.started_at <= info.checked_at);
    assert!(info.data_dir.database.initialized_at <= info.checked_at);
    assert_eq!(info.sandbox.state, SandboxState::Running);
    assert_eq!(info.sandbox.url.as_deref(), Some(format!("http://{}/oci-sandbox", app.addr).as_str()));
}

/// The answer reflects the database it reads: the initialisation time is the stored one.
#[tokio::test]
async fn system_reads_the_initialisation_time_from_the_database() {
    let app = spawn_app().await;
    sqlx::query("UPDATE instance SET initialized_at = '2026-01-02T03:04:05.000Z'").execute(&app.pool).await.unwrap();
    let admin = app.admin().await;
    let info: SystemInfo = admin.get("/api/v1/system").send().await.unwrap().json().await.unwrap();
    assert_eq!(info.data_dir.database.initialized_at.to_rfc3339(), "2026-01-02T03:04:05+00:00");
}

/// With the database gone, the endpoint says so with a 503 in the API's error shape.
#[tokio::test]
async fn system_answers_503_when_the_database_is_closed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.pool.close().await;
    let response = admin.get("/api/v1/system").send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unavailable");
    assert!(body["message"].as_str().unwrap().contains("not available right now"), "{body}");
}

/// The dashboard's pipeline counts are for the team it asks for, only one of the caller's; by
/// default the team the caller works in.
#[tokio::test]
async fn system_counts_pipelines_of_one_of_the_callers_teams() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let first = admin.me.teams[0].team_id;
    let elsewhere = app.create_team(&admin, "Elsewhere").await;
    let ada = app.member(&admin, "ada", first, "viewer").await;
    for asked in [format!("?team={first}"), String::new()] {
        let response = ada.get(&format!("/api/v1/system{asked}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asked}");
        let info: app::api::system::SystemInfo = response.json().await.unwrap();
        assert!(info.pipelines.is_some(), "{asked}");
    }
    for asked in [elsewhere.to_string(), "999999".into(), "-1".into(), "x".into(), "1.5".into(), String::new()] {
        let (status, body) =
            ada.call(reqwest::Method::GET, &format!("/api/v1/system?team={asked}"), serde_json::Value::Null).await;
        assert_eq!(status, 400, "team={asked}: {body}");
        assert_eq!(body["field"], "team", "team={asked}: {body}");
    }
}
