//! Connections: the built-in sandbox one out of the box, real ones checked completely before they
//! are stored, keys sealed at rest and never answered, every bad input named and refused.
//!
//! No test here calls a real OCI endpoint: API-key connections are created and listed, never
//! used (their region's endpoints are on the internet).

use crate::helpers::{FINGERPRINT, Session, TENANCY, TestApp, USER, by_fields, fixture, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

async fn create(admin: &Session, team: i64, body: &Value) -> (u16, Value) {
    let response =
        admin.send(Method::POST, &format!("/api/v1/teams/{team}/connections")).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn count_rows(app: &TestApp) -> (i64, i64) {
    let connections: i64 = sqlx::query_scalar("SELECT count(*) FROM connections").fetch_one(&app.pool).await.unwrap();
    let audits: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action LIKE 'connection.%'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (connections, audits)
}

/// Every team has the built-in sandbox connection; it signs, and lists the sandbox's compartments.
#[tokio::test]
async fn every_team_has_a_working_sandbox_connection() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let other = app.create_team(&admin, "Payments").await;
    for team in [admin.me.teams[0].team_id, other] {
        let list: Vec<app::api::connections::Connection> =
            admin.get(&format!("/api/v1/teams/{team}/connections")).send().await.unwrap().json().await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].kind, app::api::connections::ConnectionKind::Sandbox);
        let id = list[0].id;
        let test: app::api::connections::ConnectionTest = admin
            .send(Method::POST, &format!("/api/v1/teams/{team}/connections/{id}/test"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(test.ok, "{}", test.message);
        assert!(test.opc_request_id.is_some());
        let compartments: Vec<app::api::connections::CompartmentSummary> = admin
            .get(&format!("/api/v1/teams/{team}/connections/{id}/compartments"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(!compartments.is_empty(), "the sandbox has a compartment tree");
        assert!(compartments.windows(2).all(|w| w[0].path <= w[1].path), "tree order");
        let deleted =
            admin.send(Method::DELETE, &format!("/api/v1/teams/{team}/connections/{id}")).send().await.unwrap();
        assert_eq!(deleted.status(), 400, "the sandbox connection stays");
    }
}

/// A real connection is stored with its key sealed: not in any answer, not in the database file
/// in clear, not in the audit row.
#[tokio::test]
async fn keys_are_sealed_and_never_answered() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let (status, body) = create(&admin, team, &by_fields("prod-frankfurt")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fingerprint"], FINGERPRINT);
    assert_eq!(body["region"], "eu-frankfurt-1");
    let listed = admin.get(&format!("/api/v1/teams/{team}/connections")).send().await.unwrap().text().await.unwrap();
    let pem = fixture("vector_pkcs8.pem");
    let lines: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----") && l.len() > 20).collect();
    for text in [body.to_string(), listed] {
        assert!(lines.iter().all(|line| !text.contains(line)), "a key line is in an answer");
        assert!(!text.contains("PRIVATE KEY"));
    }
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(app.data_dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("signalbox.db")) {
            stored.extend(std::fs::read(&path).unwrap());
        }
    }
    for line in &lines {
        assert!(!stored.windows(line.len()).any(|w| w == line.as_bytes()), "a key line is stored in clear");
    }
    let after: String = sqlx::query_scalar("SELECT after_json FROM audit_events WHERE action = 'connection.create'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(after.contains(FINGERPRINT) && !after.contains("PRIVATE"), "{after}");

    let id = body["id"].as_i64().unwrap();
    let deleted = admin.send(Method::DELETE, &format!("/api/v1/teams/{team}/connections/{id}")).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(count_rows(&app).await, (1, 2), "the sandbox connection is left; create and delete are audited");
}

/// Each bad input is refused with 400 (or 409) naming the field, and nothing is stored.
#[tokio::test]
async fn bad_inputs_name_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let (status, _) = create(&admin, team, &by_fields("taken")).await;
    assert_eq!(status, 200);
    let before = count_rows(&app).await;

    let with = |edit: &dyn Fn(&mut Value)| {
        let mut body = by_fields("new");
        edit(&mut body);
        body
    };
    let config = "[DEFAULT]\nuser=ocid1.user.oc1..aaaaaaaatestuser\nfingerprint=4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e\ntenancy=ocid1.tenancy.oc1..aaaaaaaatesttenancy\nregion=eu-frankfurt-1\nkey_file=~/.oci/oci_api_key.pem\n";
    let cases: Vec<(&str, Value, u16, &str, &str)> = vec![
        (
            "an invalid OCID",
            with(&|b| b["source"]["tenancy"] = json!("ocid1.tenancy")),
            400,
            "source.tenancy",
            "not a tenancy OCID",
        ),
        (
            "a user OCID as tenancy",
            with(&|b| b["source"]["tenancy"] = json!(USER)),
            400,
            "source.tenancy",
            "not a tenancy OCID",
        ),
        ("a bad fingerprint", with(&|b| b["source"]["fingerprint"] = json!("4d:d6")), 400, "source.fingerprint", ""),
        ("an unknown region", with(&|b| b["source"]["region"] = json!("mars-1")), 400, "source.region", ""),
        (
            "a key that is not PEM",
            with(&|b| b["private_key"] = json!("ssh-rsa AAAAB3NzaC1yc2E")),
            400,
            "private_key",
            "not a PEM",
        ),
        (
            "a public key",
            with(&|b| b["private_key"] = json!(fixture("vector_public.pem"))),
            400,
            "private_key",
            "public key",
        ),
        (
            "an encrypted key without pass phrase",
            with(&|b| b["private_key"] = json!(fixture("vector_pkcs8_encrypted.pem"))),
            400,
            "pass_phrase",
            "encrypted",
        ),
        (
            "a wrong pass phrase",
            with(&|b| {
                b["private_key"] = json!(fixture("vector_pkcs8_encrypted.pem"));
                b["pass_phrase"] = json!("not-the-horse");
            }),
            400,
            "pass_phrase",
            "could not be decrypted",
        ),
        (
            "another key than the fingerprint's",
            with(&|b| b["private_key"] = json!(fixture("other_2048.pem"))),
            400,
            "source.fingerprint",
            "upload the private key",
        ),
        (
            "a config file without the chosen profile",
            with(&|b| b["source"] = json!({"from": "config_file", "config": config, "profile": "PROD"})),
            400,
            "source.profile",
            "no such profile",
        ),
        (
            "a config file that is not one",
            with(&|b| b["source"] = json!({"from": "config_file", "config": "user = x\n", "profile": "DEFAULT"})),
            400,
            "source.",
            "",
        ),
        ("a taken name", by_fields("taken"), 409, "name", "already"),
        ("an empty name", with(&|b| b["name"] = json!("  ")), 400, "name", ""),
        ("an unknown source", with(&|b| b["source"]["from"] = json!("vault")), 400, "source", ""),
    ];
    for (what, body, expected, field, phrase) in cases {
        let (status, error) = create(&admin, team, &body).await;
        assert_eq!(status, expected, "{what}: {error}");
        assert!(error["field"].as_str().is_some_and(|f| f.starts_with(field)), "{what}: {error}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(phrase), "{what}: {message}");
        assert!(!message.contains("not-the-horse"), "{what}: the pass phrase is not echoed");
    }
    assert_eq!(count_rows(&app).await, before, "nothing was stored");

    // The same config file with the right profile works, key_file notwithstanding.
    let good = with(&|b| b["source"] = json!({"from": "config_file", "config": config, "profile": "DEFAULT"}));
    let (status, body) = create(&admin, team, &good).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tenancy"], TENANCY);
}
