use crate::helpers::*;
use server::oci::client::Call;
use server::oci::error::{Operation, Verb};
use server::oci::events::{ActionTarget, CreateRuleDetails};
use server::oci::functions::{
    CreateApplicationDetails, CreateFunctionDetails, FunctionSourceDetails, InvokeRequest, InvokeType,
};
use server::oci::region::Service;
use std::time::Duration;

static EMIT: Operation =
    Operation { name: "EmitEvent", service: Service::Events, resource: "sandbox", verb: Verb::Manage };
static INVOCATIONS: Operation =
    Operation { name: "ListInvocations", service: Service::Events, resource: "sandbox", verb: Verb::Read };

/// A local HTTP "function" that answers with what it got, upper-cased.
async fn spawn_function() -> String {
    let app = axum::Router::new().route("/fn", axum::routing::post(|body: String| async move { body.to_uppercase() }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/fn")
}

fn rule_to_function(function_id: &str) -> CreateRuleDetails {
    let condition = r#"{"eventType": "com.oraclecloud.objectstorage.createobject", "data": {"additionalDetails": {"bucketName": "inbound"}}}"#;
    let target = ActionTarget::Functions { function_id: Some(function_id.into()) };
    rule_details("bucket-processor", condition, PROD, target, 1)
}

/// Functions are created for setup, invoked through their endpoint (reaching a local handler),
/// and run by rules with the event as their body.
#[tokio::test]
async fn functions_run_locally_from_invokes_and_rule_actions() {
    let t = spawn_sandbox().await;
    let handler = spawn_function().await;
    let application = t
        .client
        .create_application(&CreateApplicationDetails {
            compartment_id: PROD.into(),
            display_name: "processors".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .body;
    let function = t
        .client
        .create_function(&CreateFunctionDetails {
            application_id: application.id.clone(),
            display_name: "resize".into(),
            memory_in_mbs: 256,
            config: [("SANDBOX_INVOKE_URL".to_owned(), handler)].into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .body;
    assert_eq!(function.invoke_endpoint, t.base_url);

    let answer = t
        .client
        .invoke_function(
            &function,
            &InvokeRequest {
                body: b"hello".to_vec(),
                content_type: "text/plain".into(),
                invoke_type: InvokeType::Sync,
            },
        )
        .await
        .unwrap();
    assert_eq!(&answer.body[..], b"HELLO");

    t.client.create_rule(&rule_to_function(&function.id)).await.unwrap();
    let event = serde_json::json!({
        "eventType": "com.oraclecloud.objectstorage.createobject",
        "data": {"compartmentId": PROD, "resourceName": "a.csv", "additionalDetails": {"bucketName": "inbound"}}
    });
    let call = Call::new(&EMIT, http::Method::POST, "/sandbox/v1/events".into()).at(&t.base_url).json(&event).unwrap();
    let report: serde_json::Value = t.client.send(call).await.unwrap().body;
    assert_eq!(report["matchedRules"].as_array().unwrap().len(), 1);
    assert!(report["actions"][0].as_str().unwrap().starts_with("FAAS "));

    let invoked = eventually(Duration::from_secs(5), async || {
        let call = Call::new(&INVOCATIONS, http::Method::GET, "/sandbox/v1/invocations".into()).at(&t.base_url);
        let invocations: Vec<serde_json::Value> = t.client.send(call).await.unwrap().body;
        invocations.iter().any(|i| {
            i["origin"].as_str().is_some_and(|o| o.starts_with("rule "))
                && i["body"].as_str().is_some_and(|b| b.contains("a.csv"))
        })
    })
    .await;
    assert!(invoked, "the rule invoked the function with the event");
}

/// A rule cannot target a function that does not exist.
#[tokio::test]
async fn rules_cannot_target_missing_functions() {
    let t = spawn_sandbox().await;
    let err = t.client.create_rule(&rule_to_function("ocid1.fnfunc.oc1.iad.missing")).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some("RelatedResourceNotAuthorizedOrNotFound")));
}

static OLD_FUNCTIONS: Operation =
    Operation { name: "Functions20181201", service: Service::Functions, resource: "fn-function", verb: Verb::Manage };

/// Older SDKs call Functions at /20181201 (image at the top level), current ones at /20260325
/// (image in sourceDetails): the sandbox answers each in its own shape, whichever made the function.
#[tokio::test]
async fn both_functions_api_versions_are_answered_each_in_its_own_shape() {
    let t = spawn_sandbox().await;
    let details =
        CreateApplicationDetails { compartment_id: PROD.into(), display_name: "versions".into(), ..Default::default() };
    let application = t.client.create_application(&details).await.unwrap().body;
    let old_call = |method: http::Method, path: String| Call::new(&OLD_FUNCTIONS, method, path).at(&t.base_url);

    let body = serde_json::json!({
        "applicationId": application.id, "displayName": "old", "image": "iad.ocir.io/t/old:1", "memoryInMBs": 256
    });
    let old: serde_json::Value = t
        .client
        .send(old_call(http::Method::POST, "/20181201/functions".into()).json(&body).unwrap())
        .await
        .unwrap()
        .body;
    assert_eq!(old["image"], "iad.ocir.io/t/old:1");
    assert!(old.get("sourceDetails").is_none(), "20181201 has no sourceDetails: {old}");

    let new = t
        .client
        .create_function(&CreateFunctionDetails {
            application_id: application.id.clone(),
            display_name: "new".into(),
            source_details: Some(FunctionSourceDetails::container_image("iad.ocir.io/t/new:2".into(), None)),
            memory_in_mbs: 256,
            ..Default::default()
        })
        .await
        .unwrap()
        .body;
    assert_eq!(new.image(), Some("iad.ocir.io/t/new:2"));
    assert!(new.image.is_none(), "20260325 has no top-level image");

    let old_id = old["id"].as_str().unwrap();
    let read_back = t.client.get_function(old_id).await.unwrap().body;
    assert_eq!(read_back.source_details.as_ref().and_then(|s| s.image.as_deref()), Some("iad.ocir.io/t/old:1"));
    let as_old: serde_json::Value =
        t.client.send(old_call(http::Method::GET, format!("/20181201/functions/{}", new.id))).await.unwrap().body;
    assert_eq!(as_old["image"], "iad.ocir.io/t/new:2");
    assert!(as_old.get("sourceDetails").is_none());
    let listed: Vec<serde_json::Value> = t
        .client
        .send(old_call(http::Method::GET, format!("/20181201/functions?applicationId={}", application.id)))
        .await
        .unwrap()
        .body;
    let mut images: Vec<&str> = listed.iter().filter_map(|f| f["image"].as_str()).collect();
    images.sort_unstable();
    assert_eq!(images, ["iad.ocir.io/t/new:2", "iad.ocir.io/t/old:1"]);
}
