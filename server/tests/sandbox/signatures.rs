use crate::helpers::*;
use server::oci::error::OciError;
use server::oci::ons::ListTopicsRequest;

/// A signed request from an unregistered key is refused over HTTP with OCI's 401.
#[tokio::test]
async fn requests_signed_by_unknown_keys_are_refused() {
    let t = spawn_sandbox().await;
    let request = ListTopicsRequest { compartment_id: PROD.into(), ..Default::default() };
    assert!(t.client.list_topics(&request).await.is_ok());

    let other = server::oci::key::PrivateKey::from_pem(&fixture("other_2048.pem"), None).unwrap();
    let key = std::sync::Arc::new(server::oci::signer::ApiKey::new(TENANCY, "ocid1.user.oc1..aaaaaaaaother", other));
    let stranger =
        server::oci::client::OciClient::new(t.http.clone(), key, server::oci::region::Region::parse("iad").unwrap())
            .with_endpoint(server::oci::region::Service::Notifications, &t.base_url);
    let err = stranger.list_topics(&request).await.unwrap_err();
    let OciError::Api { status, code, message, opc_request_id, .. } = &err else { panic!("{err}") };
    assert_eq!((*status, code.as_str()), (401, "NotAuthenticated"));
    assert!(message.contains("is not registered"), "{message}");
    assert!(opc_request_id.is_some());
}

/// Unsigned requests and unknown operations get OCI-shaped errors.
#[tokio::test]
async fn unsigned_requests_and_unmodelled_operations_are_explicit_errors() {
    let t = spawn_sandbox().await;
    let response = t.http.get(format!("{}/20181201/topics?compartmentId={PROD}", t.base_url)).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "NotAuthenticated");

    // A correctly signed call to an operation the sandbox does not model.
    let call =
        server::oci::client::Call::new(&server::oci::events::GET_RULE, http::Method::GET, "/no/such/operation".into());
    let err = t.client.send::<serde_json::Value>(call).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(501), Some("NotImplemented")));
}
