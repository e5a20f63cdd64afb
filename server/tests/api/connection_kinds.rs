//! Connections of every kind OCI users sign in with, each created, tested with one signed call
//! and used to make a topic and a rule, against a sandbox on loopback standing in for OCI (its
//! auth service, metadata service and resource principal tokens): session tokens, instance
//! principals and resource principals. And who may make host principals, and what is refused.

use crate::cloud;
use crate::helpers::{Session, TestApp, spawn_app_with, until};
use reqwest::Method;
use serde_json::{Value, json};
use server::oci::key::PrivateKey;
use server::oci::principal::ResourceEnvironment;
use server::sandbox::SandboxConfig;
use std::time::Duration;

const DEV: &str = "ocid1.compartment.oc1..sandboxdev";
const TESTER: &str = "ocid1.user.oc1..aaaaaaaakindstester";

/// A sandbox standing in for OCI (answering as a metadata service too), with a user's API key
/// trusted in its default tenancy, and a resource principal's token file.
struct Cloud {
    sandbox: cloud::Cloud,
    _dir: tempfile::TempDir,
    rpst: std::path::PathBuf,
    resource_key_pem: String,
}

async fn cloud() -> Cloud {
    let sandbox = cloud::start(SandboxConfig { metadata_service: true, ..SandboxConfig::default() }, TESTER).await;
    let dir = tempfile::tempdir().unwrap();
    let rpst = dir.path().join("rpst");
    Cloud { sandbox, rpst, resource_key_pem: String::new(), _dir: dir }
}

impl Cloud {
    /// Mints a resource principal token for a function, as the platform would, into the token file.
    async fn mint_resource_token(&mut self) {
        let (key, pem) = PrivateKey::generate().unwrap();
        let body = json!({
            "resourceId": "ocid1.fnfunc.oc1.iad.aaaaaaaasignalboxfunction",
            "compartmentId": DEV,
            "publicKey": key.public_key_pem(),
        })
        .to_string();
        let mut request = http::Request::builder()
            .method("POST")
            .uri(format!("{}/sandbox/v1/resource-principal-tokens", self.sandbox.url))
            .header("content-type", "application/json")
            .body(bytes::Bytes::from(body))
            .unwrap();
        server::oci::signer::sign(&mut request, &self.sandbox.api_key, chrono::Utc::now()).unwrap();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let response = http.execute(reqwest::Request::try_from(request).unwrap()).await.unwrap();
        let minted: Value = response.json().await.unwrap();
        std::fs::write(&self.rpst, minted["token"].as_str().expect("a token")).unwrap();
        self.resource_key_pem = pem;
    }
}

async fn app_for(cloud: &Cloud, host_principals: bool) -> TestApp {
    let key_path = cloud._dir.path().join("resource.pem");
    std::fs::write(&key_path, &cloud.resource_key_pem).unwrap();
    let (url, rpst) = (cloud.sandbox.url.clone(), cloud.rpst.clone());
    spawn_app_with(move |config| {
        config.oci_endpoint = Some(url.clone());
        config.host_principals = host_principals;
        config.metadata_url = format!("{url}/opc/v2");
        config.resource_principal = Some(ResourceEnvironment {
            rpst: rpst.to_string_lossy().into_owned(),
            private_pem: key_path.to_string_lossy().into_owned(),
            pass_phrase: None,
            region: "us-ashburn-1".into(),
        });
    })
    .await
}

async fn send(session: &Session, method: Method, path: &str, body: Value) -> (u16, Value) {
    let response = session.send(method, path).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn connection_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM connections").fetch_one(&app.pool).await.unwrap()
}

/// Creates the connection, tests it, makes a topic and a rule with it; returns the connection.
async fn create_test_and_use(admin: &Session, body: Value) -> Value {
    let team = admin.me.teams[0].team_id;
    let (status, created) = send(admin, Method::POST, &format!("/api/v1/teams/{team}/connections"), body).await;
    assert_eq!(status, 200, "{created}");
    let base = format!("/api/v1/teams/{team}/connections/{}", created["id"]);
    let (status, tested) = send(admin, Method::POST, &format!("{base}/test"), json!({})).await;
    assert_eq!((status, tested["ok"].as_bool()), (200, Some(true)), "{tested}");
    let name = format!("via-{}", created["name"].as_str().unwrap());
    let (status, topic) =
        send(admin, Method::POST, &format!("{base}/topics"), json!({"compartment_id": DEV, "name": name})).await;
    assert_eq!(status, 200, "{topic}");
    let rule = json!({
        "compartment_id": DEV,
        "name": name,
        "condition": r#"{"eventType": ["com.oraclecloud.objectstorage.createobject"]}"#,
        "actions": [{"kind": "ONS", "target_id": topic["id"]}],
    });
    let (status, rule) = send(admin, Method::POST, &format!("{base}/rules"), rule).await;
    assert_eq!(status, 200, "{rule}");
    created
}

/// The list and the audit trail never carry a key or a token.
async fn assert_no_secrets(app: &TestApp, admin: &Session, secrets: &[&str]) {
    let team = admin.me.teams[0].team_id;
    let listed = admin.get(&format!("/api/v1/teams/{team}/connections")).send().await.unwrap().text().await.unwrap();
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT coalesce(after_json, '') FROM audit_events").fetch_all(&app.pool).await.unwrap();
    for secret in secrets {
        let probe = &secret[secret.len() / 2..secret.len() / 2 + 24];
        assert!(!listed.contains(probe), "the list shows a secret");
        assert!(audit.iter().all(|row| !row.contains(probe)), "the audit trail keeps a secret");
    }
}

/// A session from `oci session authenticate`: token and session key uploaded, the user and
/// tenancy read from the token; a config profile with `security_token_file` works the same way.
#[tokio::test]
async fn a_session_token_connection_tests_and_makes_a_topic_and_a_rule() {
    let cloud = cloud().await;
    let app = app_for(&cloud, false).await;
    let admin = app.admin().await;
    let (session_key, session_pem) = PrivateKey::generate().unwrap();
    let token = cloud.sandbox.client.generate_user_security_token(&session_key.public_key_pem(), 60).await.unwrap();
    let body = json!({
        "name": "ops-session",
        "source": {"from": "session_token", "region": "us-ashburn-1"},
        "private_key": session_pem,
        "security_token": token,
    });
    let created = create_test_and_use(&admin, body).await;
    assert_eq!(created["kind"], "session_token");
    assert_eq!(created["user"], TESTER, "the user comes from the token");
    assert_eq!(created["tenancy"], cloud.sandbox.tenancy.tenancy());
    assert!(created["session_expires_at"].is_string(), "{created}");

    let config = format!(
        "[ops]\nfingerprint={}\nkey_file=/home/me/.oci/sessions/ops/oci_api_key.pem\ntenancy={}\nregion=us-ashburn-1\nsecurity_token_file=/home/me/.oci/sessions/ops/token\n",
        session_key.fingerprint(),
        cloud.sandbox.tenancy.tenancy()
    );
    let from_profile = json!({
        "name": "ops-profile",
        "source": {"from": "config_file", "config": config, "profile": "ops"},
        "private_key": session_pem,
        "security_token": token,
    });
    let created = create_test_and_use(&admin, from_profile).await;
    assert_eq!(created["kind"], "session_token");
    assert_no_secrets(&app, &admin, &[&token, &session_pem]).await;
}

/// Sessions that cannot work are refused before anything is stored, naming the field and what to
/// run.
#[tokio::test]
async fn bad_sessions_name_the_field_and_store_nothing() {
    let cloud = cloud().await;
    let app = app_for(&cloud, false).await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let (session_key, session_pem) = PrivateKey::generate().unwrap();
    let token = cloud.sandbox.client.generate_user_security_token(&session_key.public_key_pem(), 60).await.unwrap();
    let (_, other_pem) = PrivateKey::generate().unwrap();
    cloud.sandbox.tenancy.authority().set_lifetime(Some(chrono::TimeDelta::seconds(1)));
    let expired = cloud.sandbox.client.generate_user_security_token(&session_key.public_key_pem(), 5).await.unwrap();
    cloud.sandbox.tenancy.authority().set_lifetime(None);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let session = |key: &str, token: Option<&str>| json!({"name": "s", "source": {"from": "session_token", "region": "us-ashburn-1"}, "private_key": key, "security_token": token});
    let api_key_fields = json!({"tenancy": cloud.sandbox.tenancy.tenancy(), "user": TESTER, "fingerprint": session_key.fingerprint().as_str(), "region": "us-ashburn-1"});
    let before = connection_count(&app).await;
    for (body, field, says) in [
        (session(&session_pem, None), "security_token", "Upload the session's token"),
        (session(&session_pem, Some("not a token")), "security_token", "cannot be read"),
        (session(&session_pem, Some(&expired)), "security_token", "oci session authenticate --profile-name DEFAULT"),
        (session(&other_pem, Some(&token)), "private_key", "not the session's"),
        (
            json!({"name": "s", "source": {"from": "session_token", "region": "mars-1"}, "private_key": session_pem, "security_token": token}),
            "source.region",
            "",
        ),
        (
            json!({"name": "s", "source": {"from": "fields", "tenancy": api_key_fields["tenancy"], "user": TESTER, "fingerprint": api_key_fields["fingerprint"], "region": "us-ashburn-1"}, "private_key": session_pem, "security_token": token}),
            "security_token",
            "leave it out for an API key",
        ),
    ] {
        let (status, error) = send(&admin, Method::POST, &format!("/api/v1/teams/{team}/connections"), body).await;
        assert_eq!((status, error["field"].as_str()), (400, Some(field)), "{error}");
        assert!(error["message"].as_str().unwrap_or_default().contains(says), "{error}");
    }
    assert_eq!(connection_count(&app).await, before, "nothing stored");
}

/// The host's instance identity: tenancy and region from the metadata service, a token from the
/// certificate exchange, used for a topic and a rule.
#[tokio::test]
async fn an_instance_principal_connection_tests_and_makes_a_topic_and_a_rule() {
    let cloud = cloud().await;
    let app = app_for(&cloud, true).await;
    let admin = app.admin().await;
    let created =
        create_test_and_use(&admin, json!({"name": "this-vm", "source": {"from": "instance_principal"}})).await;
    assert_eq!(created["kind"], "instance_principal");
    assert_eq!(created["tenancy"], cloud.sandbox.tenancy.tenancy());
    assert_eq!(created["region"], "us-ashburn-1");
    assert!(created["user"].as_str().unwrap().starts_with("ocid1.instance.oc1.iad."), "{created}");
    assert_eq!(
        cloud.sandbox.tenancy.authority().exchanges(),
        1,
        "one exchange served the test, the topic and the rule"
    );
}

/// Two connections that reach one tenancy keep separate inventories: a topic made through the
/// instance's identity is written through to its inventory only, and the session's inventory
/// reads it from the change feed within seconds (not at the next full sync, a minute later).
#[tokio::test]
async fn a_write_through_one_connection_shows_through_another_to_the_same_tenancy() {
    let cloud = cloud().await;
    let app = app_for(&cloud, true).await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let create = |body: Value| {
        let admin = &admin;
        async move {
            let (status, created) = send(admin, Method::POST, &format!("/api/v1/teams/{team}/connections"), body).await;
            assert_eq!(status, 200, "{created}");
            format!("/api/v1/teams/{team}/connections/{}", created["id"])
        }
    };
    let instance = create(json!({"name": "this-vm", "source": {"from": "instance_principal"}})).await;
    let (session_key, session_pem) = PrivateKey::generate().unwrap();
    let token = cloud.sandbox.client.generate_user_security_token(&session_key.public_key_pem(), 60).await.unwrap();
    let session = create(json!({
        "name": "ops-session",
        "source": {"from": "session_token", "region": "us-ashburn-1"},
        "private_key": session_pem,
        "security_token": token,
    }))
    .await;
    let topic_names = |base: String| {
        let admin = &admin;
        async move {
            let response = admin.get(&format!("{base}/topics?compartment_id={DEV}")).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let page: Value = response.json().await.unwrap();
            let names: Vec<String> =
                page["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect();
            names
        }
    };
    assert!(
        !topic_names(session.clone()).await.contains(&"made-here".to_owned()),
        "the session reads the compartment first"
    );
    let (status, topic) =
        send(&admin, Method::POST, &format!("{instance}/topics"), json!({"compartment_id": DEV, "name": "made-here"}))
            .await;
    assert_eq!(status, 200, "{topic}");
    assert!(topic_names(instance).await.contains(&"made-here".to_owned()), "written through");
    let shown = until(|| async { topic_names(session.clone()).await.contains(&"made-here".to_owned()) }).await;
    assert!(shown < Duration::from_secs(10), "shown through the other connection {shown:?} after the write");
}

/// The resource this process runs as: its token file and key, read from the environment.
#[tokio::test]
async fn a_resource_principal_connection_tests_and_makes_a_topic_and_a_rule() {
    let mut cloud = cloud().await;
    cloud.mint_resource_token().await;
    let app = app_for(&cloud, true).await;
    let admin = app.admin().await;
    let created =
        create_test_and_use(&admin, json!({"name": "as-a-function", "source": {"from": "resource_principal"}})).await;
    assert_eq!(created["kind"], "resource_principal");
    assert_eq!(created["user"], "ocid1.fnfunc.oc1.iad.aaaaaaaasignalboxfunction");
    assert_eq!(created["tenancy"], cloud.sandbox.tenancy.tenancy());
}

/// Host principals act as the machine Signalbox runs on: off unless the operator allows them,
/// and then for signed-in site administrators only — not a team admin, not an API token, not
/// with a key or token smuggled in; a host that is not an instance is told so.
#[tokio::test]
async fn host_principals_are_for_site_administrators_where_the_operator_allows_them() {
    let cloud = cloud().await;
    let off = app_for(&cloud, false).await;
    let admin = off.admin().await;
    let team = admin.me.teams[0].team_id;
    let path = format!("/api/v1/teams/{team}/connections");
    for from in ["instance_principal", "resource_principal"] {
        let (status, error) = send(&admin, Method::POST, &path, json!({"name": "vm", "source": {"from": from}})).await;
        assert_eq!(status, 403, "{from}: {error}");
        assert!(error["message"].as_str().unwrap().contains("--host-principals"), "{error}");
    }

    let app = app_for(&cloud, true).await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let path = format!("/api/v1/teams/{team}/connections");
    let before = connection_count(&app).await;
    let team_admin = app.member(&admin, "teamadmin", team, "admin").await;
    let (status, _) =
        send(&team_admin, Method::POST, &path, json!({"name": "vm", "source": {"from": "instance_principal"}})).await;
    assert_eq!(status, 403, "a team admin is not a site admin");
    let secret = app.token(&admin, team, "admin").await;
    let response = reqwest::Client::new()
        .post(app.url(&path))
        .bearer_auth(&secret)
        .json(&json!({"name": "vm", "source": {"from": "instance_principal"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "a site admin's API token cannot either");
    let (status, error) = send(
        &admin,
        Method::POST,
        &path,
        json!({"name": "vm", "source": {"from": "instance_principal"}, "private_key": "-----BEGIN PRIVATE KEY-----"}),
    )
    .await;
    assert_eq!((status, error["field"].as_str()), (400, Some("private_key")), "{error}");
    assert_eq!(connection_count(&app).await, before, "nothing stored");

    // Not on an instance: the metadata service does not answer.
    let nowhere = spawn_app_with(|config| {
        config.host_principals = true;
        config.metadata_url = "http://127.0.0.1:9/opc/v2".into();
    })
    .await;
    let admin = nowhere.admin().await;
    let team = admin.me.teams[0].team_id;
    let (status, error) = send(
        &admin,
        Method::POST,
        &format!("/api/v1/teams/{team}/connections"),
        json!({"name": "vm", "source": {"from": "instance_principal"}}),
    )
    .await;
    assert_eq!((status, error["field"].as_str()), (400, Some("source")), "{error}");
    assert!(error["message"].as_str().unwrap().contains("OCI compute instance"), "{error}");
    let (status, error) = send(
        &admin,
        Method::POST,
        &format!("/api/v1/teams/{team}/connections"),
        json!({"name": "fn", "source": {"from": "resource_principal"}}),
    )
    .await;
    assert_eq!((status, error["field"].as_str()), (400, Some("source")), "{error}");
    assert!(error["message"].as_str().unwrap().contains("OCI_RESOURCE_PRINCIPAL_VERSION=2.2"), "{error}");
}
