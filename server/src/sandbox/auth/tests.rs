//! Requests signed by the real signer, then verified; and each way a request can be wrong.

use super::*;
use crate::oci::key::PrivateKey;
use crate::oci::signer::{ApiKey, sign};
use bytes::Bytes;

const KEY_ID: &str = "ocid1.tenancy.oc1..aaaaaaaatestenancy/ocid1.user.oc1..aaaaaaaatestuser/4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e";

fn api_key(file: &str) -> ApiKey {
    let pem = std::fs::read(format!("{}/src/oci/testdata/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    ApiKey::new(
        "ocid1.tenancy.oc1..aaaaaaaatestenancy",
        "ocid1.user.oc1..aaaaaaaatestuser",
        PrivateKey::from_pem(&pem, None).unwrap(),
    )
}

fn store() -> KeyStore {
    let keys = KeyStore::default();
    let public = std::fs::read(format!("{}/src/oci/testdata/vector_public.pem", env!("CARGO_MANIFEST_DIR"))).unwrap();
    keys.trust_pem(KEY_ID, &public).unwrap();
    keys
}

fn signed(method: &str, body: &str, at: DateTime<Utc>) -> http::Request<Bytes> {
    let mut request = http::Request::builder()
        .method(method)
        .uri("http://127.0.0.1:8443/20181201/rules?compartmentId=ocid1.compartment.oc1..c&limit=5")
        .body(Bytes::from(body.to_owned()))
        .unwrap();
    sign(&mut request, &api_key("vector_pkcs1.pem"), at).unwrap();
    request
}

/// What the server sees: the origin-form URI and the headers.
fn check(request: http::Request<Bytes>, keys: &KeyStore) -> Result<(), SandboxError> {
    let (mut parts, body) = request.into_parts();
    parts.uri = parts.uri.path_and_query().unwrap().as_str().parse().unwrap();
    verify(&parts, &body, keys, Utc::now())
}

fn message(result: Result<(), SandboxError>) -> String {
    let err = result.expect_err("the request must be refused");
    assert_eq!(err.status, http::StatusCode::UNAUTHORIZED);
    assert_eq!(err.code, "NotAuthenticated");
    err.message
}

#[test]
fn correctly_signed_requests_pass() {
    let keys = store();
    check(signed("GET", "", Utc::now()), &keys).unwrap();
    check(signed("POST", r#"{"displayName":"r"}"#, Utc::now()), &keys).unwrap();
    check(signed("PUT", "", Utc::now()), &keys).unwrap();
    check(signed("DELETE", "", Utc::now() - TimeDelta::minutes(4)), &keys).unwrap();
}

#[test]
fn a_tampered_body_is_refused() {
    let keys = store();
    let request = signed("POST", r#"{"displayName":"a"}"#, Utc::now());
    let (parts, _) = request.into_parts();
    let same_length = http::Request::from_parts(parts.clone(), Bytes::from_static(br#"{"displayName":"b"}"#));
    assert!(message(check(same_length, &keys)).contains("x-content-sha256"));
    let longer = http::Request::from_parts(parts, Bytes::from_static(br#"{"displayName":"bb"}"#));
    assert!(message(check(longer, &keys)).contains("content-length"));
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let keys = store();
    let mut request = http::Request::builder().uri("http://127.0.0.1:8443/20181201/rules").body(Bytes::new()).unwrap();
    sign(&mut request, &api_key("other_2048.pem"), Utc::now()).unwrap();
    // Present the other key's signature under the trusted key id.
    let auth = request.headers()["authorization"].to_str().unwrap().to_owned();
    let other_id = auth.split("keyId=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let forged = auth.replace(&other_id, KEY_ID);
    request.headers_mut().insert("authorization", forged.parse().unwrap());
    assert!(message(check(request, &keys)).contains("does not verify"));

    let mut unknown = http::Request::builder().uri("http://127.0.0.1:8443/20181201/rules").body(Bytes::new()).unwrap();
    sign(&mut unknown, &api_key("other_2048.pem"), Utc::now()).unwrap();
    assert!(message(check(unknown, &keys)).contains("is not registered"));
}

#[test]
fn an_old_or_future_date_is_refused() {
    let keys = store();
    let text = message(check(signed("GET", "", Utc::now() - TimeDelta::minutes(6)), &keys));
    assert!(text.contains("more than 5 minutes"), "{text}");
    let text = message(check(signed("GET", "", Utc::now() + TimeDelta::minutes(6)), &keys));
    assert!(text.contains("check the client's clock"), "{text}");
}

#[test]
fn a_missing_signed_header_is_refused() {
    let keys = store();
    // The header list drops host: the method's minimum set is not signed.
    let mut request = signed("GET", "", Utc::now());
    let auth =
        request.headers()["authorization"].to_str().unwrap().replace("(request-target) host", "(request-target)");
    request.headers_mut().insert("authorization", auth.parse().unwrap());
    assert!(message(check(request, &keys)).contains("must include host"));

    // A POST signed without its body headers.
    let mut request = signed("POST", "{}", Utc::now());
    let auth = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .replace(" content-length content-type x-content-sha256", "");
    request.headers_mut().insert("authorization", auth.parse().unwrap());
    assert!(message(check(request, &keys)).contains("must include content-length"));

    // A header in the list but not in the request.
    let mut request = signed("POST", "{}", Utc::now());
    request.headers_mut().remove("x-content-sha256");
    assert!(message(check(request, &keys)).contains("x-content-sha256 is missing"));
}

#[test]
fn unsigned_and_malformed_authorization_is_refused() {
    let keys = store();
    let mut request = signed("GET", "", Utc::now());
    request.headers_mut().remove("authorization");
    assert!(message(check(request, &keys)).contains("no Authorization header"));
    for (bad, needle) in [
        ("Bearer abc", "Signature scheme"),
        ("Signature version=\"2\",algorithm=\"rsa-sha256\"", "version must be"),
        ("Signature version=\"1\",algorithm=\"hmac-sha256\"", "algorithm must be"),
        ("Signature version=1", "not quoted"),
    ] {
        let mut request = signed("GET", "", Utc::now());
        request.headers_mut().insert("authorization", bad.parse().unwrap());
        assert!(message(check(request, &keys)).contains(needle), "{bad}");
    }
}

#[test]
fn keys_must_be_pem_public_keys_with_a_three_part_id() {
    let keys = KeyStore::default();
    assert_eq!(keys.trust_pem(KEY_ID, b"not pem"), Err(TrustError::NotPem));
    let private = std::fs::read(format!("{}/src/oci/testdata/vector_pkcs1.pem", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert_eq!(keys.trust_pem(KEY_ID, &private), Err(TrustError::NotPem));
    assert!(matches!(keys.trust_der("just-one-part", vec![1]), Err(TrustError::KeyId(_))));
}

/// Defect 18.8: the skew was checked on whichever date header was present, so adding an unsigned
/// `x-date` with the current time to a captured request made it pass again.
#[test]
fn a_captured_request_with_a_fresh_unsigned_x_date_is_refused() {
    let keys = store();
    let mut request = signed("GET", "", Utc::now() - TimeDelta::minutes(30));
    let fresh = httpdate::fmt_http_date(Utc::now().into());
    request.headers_mut().insert("x-date", fresh.parse().unwrap());
    let text = message(check(request, &keys));
    assert!(text.contains("more than 5 minutes"), "{text}");
}

/// The signature is checked before the body is looked at: a forged request with a huge declared
/// body is refused on its headers alone.
#[test]
fn the_signature_is_verified_without_the_body() {
    let keys = store();
    let request = signed("POST", r#"{"displayName":"a"}"#, Utc::now());
    let (mut parts, _) = request.into_parts();
    parts.uri = parts.uri.path_and_query().unwrap().as_str().parse().unwrap();
    let (expected, caller) = verify_head(&parts, &keys, Utc::now()).expect("headers verify");
    assert_eq!(caller.principal, "ocid1.user.oc1..aaaaaaaatestuser", "the caller is the key's user");
    assert_eq!(expected.length, Some(19));
    expected.check_body(br#"{"displayName":"a"}"#).expect("the body matches");
    parts.headers.insert("content-length", "999999999".parse().unwrap());
    assert!(message(verify_head(&parts, &keys, Utc::now()).map(|_| ())).contains("does not verify"));
}
