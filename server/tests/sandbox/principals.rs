//! Signing in as OCI users do, end to end against the sandbox's auth service and metadata
//! service: session tokens (issued, used, refreshed, expired), instance principals (certificate
//! exchange, renewal) and resource principals (token files the platform rewrites), and every way
//! a forged, foreign, stale or mis-signed token or certificate is refused.

use super::helpers::*;
use chrono::TimeDelta;
use server::oci::client::{OciClient, RetryPolicy};
use server::oci::error::OciError;
use server::oci::key::PrivateKey;
use server::oci::metadata::MetadataClient;
use server::oci::principal::{Credentials, TokenCredentials, TokenSource};
use server::oci::region::Region;
use server::oci::signer::ApiKey;
use server::oci::token::SecurityToken;
use server::sandbox::SandboxConfig;
use std::sync::{Arc, Mutex};

async fn sandbox_with_metadata() -> TestSandbox {
    spawn_sandbox_with(SandboxConfig { metadata_service: true, ..SandboxConfig::default() }).await
}

fn client_with(t: &TestSandbox, source: TokenSource, token: Option<SecurityToken>) -> OciClient {
    let credentials = Credentials::Token(Arc::new(TokenCredentials::new(source, token)));
    OciClient::with_credentials(t.http.clone(), credentials, Region::parse("iad").expect("region"))
        .with_endpoint_for_all(&t.base_url)
        .with_retry(RetryPolicy::none())
}

fn new_key() -> PrivateKey {
    PrivateKey::generate().expect("a key").0
}

async fn topic_count(client: &OciClient) -> Result<usize, OciError> {
    let request = server::oci::ons::ListTopicsRequest { compartment_id: DEV.into(), ..Default::default() };
    Ok(client.list_topics(&request).await?.body.len())
}

/// `oci session authenticate --no-browser`, used, refreshed past half its life, then expired: the
/// error names the command that starts a new session.
#[tokio::test]
async fn a_session_token_signs_refreshes_itself_and_reports_expiry_with_the_command() {
    let t = spawn_sandbox().await;
    let session_key = new_key();
    let issued = t.client.generate_user_security_token(&session_key.public_key_pem(), 5).await.expect("a session");
    let token = SecurityToken::parse(&issued).expect("a JWT");
    assert_eq!(token.claims().sub, "ocid1.user.oc1..aaaaaaaatester", "the session is the signing user's");
    assert_eq!(token.claims().tenancy(), Some(TENANCY));
    assert_eq!(token.claims().ptype, "user");
    assert_eq!(token.claims().exp - token.claims().iat, 300, "five minutes, as asked");

    let stored = Arc::new(Mutex::new(Vec::<String>::new()));
    let on_renew = {
        let stored = stored.clone();
        Arc::new(move |t: &str| stored.lock().unwrap().push(t.to_owned()))
    };
    let source =
        TokenSource::Session { key: Arc::new(session_key), profile: Some("ops".into()), on_renew: Some(on_renew) };
    t.sandbox.authority().set_lifetime(Some(TimeDelta::seconds(4)));
    let client = client_with(&t, source, Some(token));
    create_topic_with(&client, "made-with-a-session").await;
    assert!(stored.lock().unwrap().is_empty(), "a fresh token is not refreshed");

    // Re-issue a short session to see refresh and expiry without waiting minutes.
    let key = Arc::new(new_key());
    let short = t.client.generate_user_security_token(&key.public_key_pem(), 5).await.unwrap();
    let source = TokenSource::Session {
        key: key.clone(),
        profile: Some("ops".into()),
        on_renew: Some(Arc::new({
            let stored = stored.clone();
            move |t: &str| stored.lock().unwrap().push(t.to_owned())
        })),
    };
    let client = client_with(&t, source, Some(SecurityToken::parse(&short).unwrap()));
    assert_eq!(topic_count(&client).await.unwrap(), 1, "the short session works");
    let claims = SecurityToken::parse(&short).unwrap().claims().clone();
    assert_eq!(claims.exp - claims.iat, 4, "shortened for the test");
    sleep_until(claims.iat + 2).await;
    let before = t.sandbox.authority().exchanges();
    assert_eq!(topic_count(&client).await.unwrap(), 1, "past half its life the session is refreshed first");
    assert_eq!(t.sandbox.authority().exchanges(), before + 1, "one refresh");
    let renewed = stored.lock().unwrap().clone();
    assert_eq!(renewed.len(), 1, "the renewed token was handed over to be stored");
    assert_ne!(renewed[0], short, "a new token");

    // Left alone past its expiry, the session cannot be refreshed.
    sleep_until(SecurityToken::parse(&renewed[0]).unwrap().claims().exp).await;
    let err = topic_count(&client).await.expect_err("an expired session cannot sign");
    let text = err.to_string();
    assert!(matches!(err, OciError::Credentials { .. }), "{err:?}");
    assert!(text.contains("expired at"), "{text}");
    assert!(text.contains("oci session authenticate --profile-name ops --region us-ashburn-1"), "{text}");
    t.sandbox.authority().set_lifetime(None);
}

/// Sleeps until 200 ms past the epoch second `second` (tokens count whole seconds).
async fn sleep_until(second: i64) {
    let target = chrono::DateTime::from_timestamp(second, 200_000_000).unwrap();
    if let Ok(wait) = (target - chrono::Utc::now()).to_std() {
        tokio::time::sleep(wait).await;
    }
}

async fn create_topic_with(client: &OciClient, name: &str) -> String {
    client.create_topic(&topic_details(name, DEV)).await.expect("a topic").body.topic_id
}

/// The metadata service's certificate is exchanged for a token once, reused while fresh, and
/// exchanged again when half its life has passed.
#[tokio::test]
async fn an_instance_principal_exchanges_its_certificate_and_renews_it() {
    let t = sandbox_with_metadata().await;
    let metadata = MetadataClient::new(t.http.clone(), &format!("{}/opc/v2", t.base_url));
    assert_eq!(metadata.region().await.unwrap(), "us-ashburn-1");
    let client = client_with(&t, TokenSource::Instance { metadata }, None);
    create_topic_with(&client, "made-by-an-instance").await;
    assert_eq!(topic_count(&client).await.unwrap(), 1);
    assert_eq!(t.sandbox.authority().exchanges(), 1, "one exchange serves both calls");
    let Credentials::Token(credentials) = client.credentials() else { panic!("token credentials") };
    let claims = credentials.token().await.expect("a token").claims().clone();
    assert_eq!(claims.ptype, "instance");
    assert_eq!(claims.tenancy(), Some(TENANCY));
    assert!(claims.sub.starts_with("ocid1.instance.oc1.iad."), "{}", claims.sub);

    // The sandbox's audit names the instance, never the token.
    let window = server::oci::audit::AuditWindow::covering(
        chrono::Utc::now() - TimeDelta::minutes(1),
        chrono::Utc::now() + TimeDelta::minutes(1),
    )
    .unwrap();
    let events = t.client.list_audit_events(DEV, &window, None).await.unwrap().body;
    let made = events
        .iter()
        .find(|e| e.event_type == "com.oraclecloud.NotificationApi.CreateTopic")
        .expect("CreateTopic audited");
    assert_eq!(made.data.identity.principal_id.as_deref(), Some(claims.sub.as_str()));
    let identity = serde_json::to_string(&made.data.identity).unwrap();
    let token = credentials.token().await.unwrap();
    assert!(!identity.contains(token.as_str()), "no token in the audit log: {identity}");
    assert!(identity.contains(&format!("ST${}", claims.sub)), "{identity}");

    t.sandbox.authority().set_lifetime(Some(TimeDelta::seconds(4)));
    let client = client_with(
        &t,
        TokenSource::Instance { metadata: MetadataClient::new(t.http.clone(), &format!("{}/opc/v2", t.base_url)) },
        None,
    );
    topic_count(&client).await.unwrap();
    let Credentials::Token(short) = client.credentials() else { panic!("token credentials") };
    let claims = short.token().await.unwrap().claims().clone();
    sleep_until(claims.iat + 2).await;
    topic_count(&client).await.unwrap();
    assert_eq!(t.sandbox.authority().exchanges(), 3, "the short-lived token was exchanged again");
    t.sandbox.authority().set_lifetime(None);
}

/// A resource principal reads its token and key from the files the platform rewrites, and picks
/// up the new token once the old one is due.
#[tokio::test]
async fn a_resource_principal_reads_the_files_the_platform_rewrites() {
    let t = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, key_pem) = PrivateKey::generate().unwrap();
    let mint = |compartment: &str| {
        let body = serde_json::json!({
            "resourceId": "ocid1.fnfunc.oc1.iad.aaaaaaaasignalboxfunction",
            "compartmentId": compartment,
            "publicKey": key.public_key_pem(),
        })
        .to_string();
        let t = &t;
        async move {
            let (status, text) =
                send_signed(t, "POST", "/sandbox/v1/resource-principal-tokens", Some(&body), &tester_key()).await;
            (status, serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default())
        }
    };
    let (status, minted) = mint(DEV).await;
    assert_eq!(status, 200, "{minted}");
    let rpst_path = dir.path().join("rpst");
    let pem_path = dir.path().join("private.pem");
    std::fs::write(&rpst_path, minted["token"].as_str().unwrap()).unwrap();
    std::fs::write(&pem_path, &key_pem).unwrap();
    let source = TokenSource::Resource {
        rpst: rpst_path.to_string_lossy().into_owned(),
        private_pem: pem_path.to_string_lossy().into_owned(),
        pass_phrase: None,
    };
    let client = client_with(&t, source, None);
    create_topic_with(&client, "made-by-a-function").await;
    let Credentials::Token(credentials) = client.credentials() else { panic!("token credentials") };
    let claims = credentials.token().await.unwrap().claims().clone();
    assert_eq!(claims.res_tenant.as_deref(), Some(TENANCY));
    assert_eq!(claims.res_compartment.as_deref(), Some(DEV));
    assert_eq!(claims.ptype, "resource");

    // Inline values work too (the variables hold the token and the key themselves).
    let inline = TokenSource::Resource {
        rpst: minted["token"].as_str().unwrap().to_owned(),
        private_pem: key_pem.clone(),
        pass_phrase: None,
    };
    assert_eq!(topic_count(&client_with(&t, inline, None)).await.unwrap(), 1);

    // A token file left to expire is reported as such, with what the platform should do.
    t.sandbox.authority().set_lifetime(Some(TimeDelta::seconds(1)));
    let (_, short) = mint(DEV).await;
    let short = short["token"].as_str().unwrap();
    std::fs::write(&rpst_path, short).unwrap();
    sleep_until(SecurityToken::parse(short).unwrap().claims().exp).await;
    let stale = TokenSource::Resource {
        rpst: rpst_path.to_string_lossy().into_owned(),
        private_pem: pem_path.to_string_lossy().into_owned(),
        pass_phrase: None,
    };
    let err = topic_count(&client_with(&t, stale, None)).await.expect_err("an expired token file");
    assert!(err.to_string().contains("resource principal token expired"), "{err}");
    t.sandbox.authority().set_lifetime(None);

    let missing = TokenSource::Resource { rpst: "/nonexistent/rpst".into(), private_pem: key_pem, pass_phrase: None };
    let err = topic_count(&client_with(&t, missing, None)).await.expect_err("a missing file");
    assert!(err.to_string().contains("OCI_RESOURCE_PRINCIPAL_RPST names /nonexistent/rpst"), "{err}");
}

/// The API key the test sandbox trusts.
fn tester_key() -> ApiKey {
    ApiKey::new(
        TENANCY,
        "ocid1.user.oc1..aaaaaaaatester",
        PrivateKey::from_pem(&fixture("vector_pkcs1.pem"), None).unwrap(),
    )
}

/// Sends a request signed with `key` under `key_id` to the sandbox and returns status and body.
async fn send_signed(t: &TestSandbox, method: &str, path: &str, body: Option<&str>, key: &ApiKey) -> (u16, String) {
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", t.base_url))
        .header("content-type", "application/json")
        .body(bytes::Bytes::from(body.unwrap_or("").to_owned()))
        .unwrap();
    server::oci::signer::sign(&mut request, key, chrono::Utc::now()).unwrap();
    let response = t.http.execute(reqwest::Request::try_from(request).unwrap()).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Tokens that were forged, changed, used in another tenancy, used with another key, or expired;
/// refreshes of someone else's token; sessions made with a session; certificates the sandbox did
/// not issue; the metadata service without its header or when off.
#[tokio::test]
async fn forged_foreign_stale_and_mis_signed_credentials_are_refused() {
    let t = sandbox_with_metadata().await;
    let key = Arc::new(new_key());
    let issued = t.client.generate_user_security_token(&key.public_key_pem(), 5).await.unwrap();
    let with_token = |token: &str| ApiKey::session_shared(token, key.clone());
    assert_eq!(
        send_signed(&t, "GET", &format!("/20181201/topics?compartmentId={DEV}"), None, &with_token(&issued)).await.0,
        200
    );

    // The same token, signed by another key than the one it was issued for.
    let thief = ApiKey::session(&issued, new_key());
    let (status, body) = send_signed(&t, "GET", &format!("/20181201/topics?compartmentId={DEV}"), None, &thief).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("session key"), "{body}");

    // Claims changed (another subject, a later expiry): the token's signature no longer holds.
    let (header, claims, signature) =
        server::oci::token::split(&issued).map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned())).unwrap();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut value: serde_json::Value = serde_json::from_slice(&engine.decode(&claims).unwrap()).unwrap();
    value["exp"] = serde_json::json!(value["exp"].as_i64().unwrap() + 86_400);
    let forged = format!("{header}.{}.{signature}", engine.encode(value.to_string()));
    let (status, body) =
        send_signed(&t, "GET", &format!("/20181201/topics?compartmentId={DEV}"), None, &with_token(&forged)).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("not issued by this sandbox"), "{body}");

    // A token issued by another sandbox (another authority) for the same tenancy.
    let other = spawn_sandbox().await;
    let foreign = other.client.generate_user_security_token(&key.public_key_pem(), 5).await.unwrap();
    let (status, _) =
        send_signed(&t, "GET", &format!("/20181201/topics?compartmentId={DEV}"), None, &with_token(&foreign)).await;
    assert_eq!(status, 401, "a token from another authority");

    // Refreshing with a body naming another token than the one signing.
    let second = t.client.generate_user_security_token(&key.public_key_pem(), 5).await.unwrap();
    let body = serde_json::json!({"currentToken": second}).to_string();
    let (status, answer) =
        send_signed(&t, "POST", "/v1/authentication/refresh", Some(&body), &with_token(&issued)).await;
    assert_eq!(status, 401, "{answer}");
    let body = serde_json::json!({"currentToken": issued}).to_string();
    let (status, answer) =
        send_signed(&t, "POST", "/v1/authentication/refresh", Some(&body), &with_token(&issued)).await;
    assert_eq!(status, 200, "{answer}");

    // A session cannot mint sessions or resource tokens; nor can an expiry out of range.
    let upst = serde_json::json!({"publicKey": key.public_key_pem(), "sessionExpirationInMinutes": 5}).to_string();
    let (status, _) =
        send_signed(&t, "POST", "/v1/token/upst/actions/GenerateUpst", Some(&upst), &with_token(&issued)).await;
    assert_eq!(status, 401);
    for minutes in [0, 4, 61, -1] {
        let err =
            t.client.generate_user_security_token(&key.public_key_pem(), minutes).await.expect_err("out of range");
        assert_eq!(err.status(), Some(400), "{minutes}: {err}");
    }
    let err = t.client.generate_user_security_token("not a key", 5).await.expect_err("not a key");
    assert_eq!(err.status(), Some(400));
    // The OCI CLI sends the minutes as text; numbers in strings are taken, anything else is not.
    for (minutes, expected) in [(json_text("15"), 200), (json_text("sixty"), 400), (serde_json::json!([15]), 400)] {
        let body =
            serde_json::json!({"publicKey": key.public_key_pem(), "sessionExpirationInMinutes": minutes}).to_string();
        let (status, answer) =
            send_signed(&t, "POST", "/v1/token/upst/actions/GenerateUpst", Some(&body), &tester_key()).await;
        assert_eq!(status, expected, "{minutes}: {answer}");
    }

    // Expired.
    t.sandbox.authority().set_lifetime(Some(TimeDelta::seconds(1)));
    let brief = t.client.generate_user_security_token(&key.public_key_pem(), 5).await.unwrap();
    t.sandbox.authority().set_lifetime(None);
    sleep_until(SecurityToken::parse(&brief).unwrap().claims().exp).await;
    let (status, body) =
        send_signed(&t, "GET", &format!("/20181201/topics?compartmentId={DEV}"), None, &with_token(&brief)).await;
    assert_eq!(status, 401);
    assert!(body.contains("expired"), "{body}");
    let body = serde_json::json!({"currentToken": brief}).to_string();
    assert_eq!(send_signed(&t, "POST", "/v1/authentication/refresh", Some(&body), &with_token(&brief)).await.0, 401);

    // Not a token at all.
    for junk in ["", "abc", "a.b.c", "ST$"] {
        let (status, _) =
            send_signed(&t, "GET", &format!("/20181201/topics?compartmentId={DEV}"), None, &with_token(junk)).await;
        assert_eq!(status, 401, "{junk:?}");
    }

    // The metadata service wants its header.
    let url = format!("{}/opc/v2/identity/key.pem", t.base_url);
    assert_eq!(t.http.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(t.http.get(&url).header("authorization", "Bearer Oracle").send().await.unwrap().status(), 200);
    for method in [reqwest::Method::GET, reqwest::Method::PUT, reqwest::Method::DELETE] {
        let response = t.http.request(method.clone(), format!("{}/v1/x509", t.base_url)).send().await.unwrap();
        assert_eq!(response.status(), 501, "{method} /v1/x509 is not an operation");
    }
    assert_eq!(t.http.head(&url).send().await.unwrap().status(), 401, "HEAD wants the header too");
    let off = spawn_sandbox().await;
    let response = off
        .http
        .get(format!("{}/opc/v2/identity/key.pem", off.base_url))
        .header("authorization", "Bearer Oracle")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 501, "off unless the sandbox was started with it");
}

/// A certificate exchange with a certificate the sandbox did not issue, with a key id that names
/// another certificate, signed by another key, or with the intermediate left out.
#[tokio::test]
async fn certificate_exchanges_refuse_what_the_sandbox_did_not_issue() {
    use server::oci::client::{Call, SignWith};
    let t = sandbox_with_metadata().await;
    let metadata = MetadataClient::new(t.http.clone(), &format!("{}/opc/v2", t.base_url));
    let issued = metadata.credentials().await.unwrap();
    let leaf = pem::parse(&issued.cert_pem).unwrap().into_contents();
    let intermediate = pem::parse(&issued.intermediate_pem).unwrap().into_contents();
    let leaf_key = PrivateKey::from_pem(issued.key_pem.as_bytes(), None).unwrap();
    let session = new_key();
    let exchange = |leaf: Vec<u8>, key: &'static PrivateKey, intermediates: Vec<Vec<u8>>| {
        let client = t.client.clone();
        let session_der = session.public_key_der().to_vec();
        async move { client.exchange_certificate(TENANCY, &leaf, key, &intermediates, &session_der).await }
    };
    let leaf_key: &'static PrivateKey = Box::leak(Box::new(leaf_key));
    exchange(leaf.clone(), leaf_key, vec![intermediate.clone()]).await.expect("the real certificate is accepted");

    let err = exchange(leaf.clone(), leaf_key, vec![]).await.expect_err("no intermediate");
    assert_eq!(err.status(), Some(401), "{err}");
    let err = exchange(leaf.clone(), Box::leak(Box::new(new_key())), vec![intermediate.clone()])
        .await
        .expect_err("another key");
    assert_eq!(err.status(), Some(401), "{err}");
    let err = exchange(intermediate.clone(), leaf_key, vec![intermediate.clone()])
        .await
        .expect_err("the intermediate as leaf");
    assert_eq!(err.status(), Some(401), "{err}");

    // A self-made certificate claiming the tenancy.
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(rcgen::DnType::OrganizationalUnitName, format!("opc-tenant:{TENANCY}"));
    let own_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let own = params.self_signed(&own_key).unwrap();
    let own_private = PrivateKey::from_pem(own_key.serialize_pem().as_bytes(), None).unwrap();
    let err = exchange(own.der().to_vec(), Box::leak(Box::new(own_private)), vec![intermediate.clone()])
        .await
        .expect_err("self-made");
    assert_eq!(err.status(), Some(401), "{err}");

    // The right certificate under a key id naming another fingerprint.
    let call = Call::new(&server::oci::auth_service::X509, http::Method::POST, "/x509".into())
        .json(&serde_json::json!({
            "certificate": server::oci::auth_service::bare_base64(&leaf),
            "publicKey": server::oci::auth_service::bare_base64(session.public_key_der()),
            "intermediateCertificates": [server::oci::auth_service::bare_base64(&intermediate)],
        }))
        .unwrap();
    let wrong_id = format!("{TENANCY}/fed-x509/00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33");
    let err = t
        .client
        .send_with::<serde_json::Value>(call, SignWith::Federation { key_id: &wrong_id, key: leaf_key })
        .await
        .expect_err("a key id naming another certificate");
    assert_eq!(err.status(), Some(401), "{err}");
}

fn json_text(text: &str) -> serde_json::Value {
    serde_json::Value::String(text.to_owned())
}

/// A token past half its life but far from expiry is renewed beside the call, which signs with
/// the token in hand and does not wait for the auth service; the next calls use the new one.
#[tokio::test]
async fn a_token_past_half_its_life_is_renewed_without_holding_up_the_call() {
    let t = spawn_sandbox().await;
    let slow_auth = server::sandbox::FaultSpec { latency_ms: 500, ..Default::default() };
    t.sandbox.set_faults([("auth".to_owned(), slow_auth)].into_iter().collect()).unwrap();
    t.sandbox.authority().set_lifetime(Some(TimeDelta::seconds(4)));
    let key = Arc::new(new_key());
    let issued = t.client.generate_user_security_token(&key.public_key_pem(), 5).await.unwrap();
    t.sandbox.authority().set_lifetime(None);
    let stored = Arc::new(Mutex::new(Vec::<String>::new()));
    let on_renew = {
        let stored = stored.clone();
        Arc::new(move |t: &str| stored.lock().unwrap().push(t.to_owned()))
    };
    let source = TokenSource::Session { key, profile: None, on_renew: Some(on_renew) };
    let token = SecurityToken::parse(&issued).unwrap();
    let credentials =
        Arc::new(TokenCredentials::new(source, Some(token.clone())).renew_before_call(TimeDelta::seconds(1)));
    let client =
        OciClient::with_credentials(t.http.clone(), Credentials::Token(credentials.clone()), Region::default())
            .with_endpoint_for_all(&t.base_url)
            .with_retry(RetryPolicy::none());
    sleep_until(token.claims().iat + 2).await;

    let started = std::time::Instant::now();
    topic_count(&client).await.expect("signed with the token in hand");
    assert!(started.elapsed() < std::time::Duration::from_millis(400), "the call did not wait for the 500 ms refresh");
    let renewed_in_time =
        eventually(std::time::Duration::from_secs(3), async || stored.lock().unwrap().len() == 1).await;
    assert!(renewed_in_time, "renewed beside the call");
    let renewed = credentials.token().await.unwrap();
    assert_ne!(renewed.as_str(), issued, "the next calls sign with the new token");
    assert!(renewed.claims().exp > token.claims().exp, "a later expiry");
    topic_count(&client).await.expect("the new token signs");
    assert_eq!(stored.lock().unwrap().len(), 1, "one renewal");
}
