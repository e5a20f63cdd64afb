//! Makes every call Signalbox's OCI client makes, once each with fixed inputs, against one base
//! URL: `.ci/sdk_client_check.py` records them through a proxy in front of the sandbox and compares
//! them with the official Python SDK making the same calls. The order here is the order there.
//! Names carry `LABEL`, so the two runs do not collide in one sandbox.
//!
//! Last come the sign-in calls: a user session generated for the public key in `SESSION_PUBLIC_PEM`
//! (whose private half is KEY_FILE), refreshed; and an instance principal's certificate exchange,
//! made by the same credentials code a connection uses, reading the metadata service at
//! `METADATA_URL` (not through the recorder), followed by one call signed with its token.
//!
//! Usage: `cargo run -p server --example client_calls -- BASE_URL KEY_FILE LABEL SESSION_PUBLIC_PEM METADATA_URL`

use server::oci::audit::AuditWindow;
use server::oci::client::{OciClient, RetryPolicy};
use server::oci::events::{
    ActionDetails, ActionDetailsList, ActionTarget, CreateRuleDetails, ListRulesRequest, UpdateRuleDetails,
};
use server::oci::functions::{
    CreateApplicationDetails, CreateFunctionDetails, Function, FunctionSourceDetails, InvokeRequest, InvokeType,
    ListApplicationsRequest, ListFunctionsRequest,
};
use server::oci::identity::{CreatePolicyDetails, CreateUserDetails, UpdatePolicyDetails, UpdateUserDetails};
use server::oci::key::PrivateKey;
use server::oci::metadata::MetadataClient;
use server::oci::ons::{
    CreateSubscriptionDetails, CreateTopicDetails, ListSubscriptionsRequest, ListTopicsRequest, MessageDetails,
    Protocol, TopicAttributesDetails, UpdateSubscriptionDetails,
};
use server::oci::principal::{Credentials, TokenCredentials, TokenSource};
use server::oci::region::Region;
use server::oci::signer::ApiKey;
use std::sync::Arc;

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaatestenancy";
const USER: &str = "ocid1.user.oc1..aaaaaaaatestuser";
const PROD: &str = "ocid1.compartment.oc1..sandboxprod";
const DEV: &str = "ocid1.compartment.oc1..sandboxdev";
const CONDITION: &str = r#"{"eventType": ["com.oraclecloud.objectstorage.createobject"]}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base_url, key_file, label, session_public, metadata_url] = args.as_slice() else {
        return Err("usage: client_calls BASE_URL KEY_FILE LABEL SESSION_PUBLIC_PEM METADATA_URL".into());
    };
    let key = PrivateKey::from_pem(&std::fs::read(key_file)?, None)?;
    let http = reqwest::Client::builder().no_proxy().build()?;
    let client = OciClient::new(http.clone(), Arc::new(ApiKey::new(TENANCY, USER, key)), Region::default())
        .with_retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
        .with_endpoint_for_all(base_url);
    run(&client, base_url, label).await?;

    let token = client.generate_user_security_token(&std::fs::read_to_string(session_public)?, 15).await?;
    let session = ApiKey::session(&token, PrivateKey::from_pem(&std::fs::read(key_file)?, None)?);
    client.refresh_session(&token, &session).await?;
    let instance = TokenSource::Instance { metadata: MetadataClient::new(http.clone(), metadata_url) };
    let as_instance = OciClient::with_credentials(
        http,
        Credentials::Token(Arc::new(TokenCredentials::new(instance, None))),
        Region::default(),
    )
    .with_retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
    .with_endpoint_for_all(base_url);
    as_instance.list_topics(&ListTopicsRequest { compartment_id: DEV.into(), ..Default::default() }).await?;
    Ok(())
}

async fn run(client: &OciClient, base_url: &str, label: &str) -> Result<(), Box<dyn std::error::Error>> {
    client.list_compartments(TENANCY, true, None).await?;
    let user = client
        .create_user(&CreateUserDetails {
            compartment_id: TENANCY.into(),
            name: format!("{label}-user"),
            description: "conformance".into(),
            email: Some(format!("{label}@example.com")),
        })
        .await?
        .body;
    let describe = UpdateUserDetails { description: Some("changed".into()), email: None };
    client.update_user(&user.id, &describe).await?;
    client.delete_user(&user.id).await?;
    let policy = client
        .create_policy(&CreatePolicyDetails {
            compartment_id: TENANCY.into(),
            name: format!("{label}-policy"),
            statements: vec!["Allow group Ops to read all-resources in tenancy".into()],
            description: "conformance".into(),
        })
        .await?
        .body;
    let describe = UpdatePolicyDetails { statements: None, description: Some("changed".into()) };
    client.update_policy(&policy.id, &describe).await?;
    client.delete_policy(&policy.id).await?;

    let topic = client
        .create_topic(&CreateTopicDetails {
            name: format!("{label}-topic"),
            compartment_id: PROD.into(),
            description: Some("conformance".into()),
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
        })
        .await?
        .body;
    client.get_topic(&topic.topic_id).await?;
    client.list_topics(&ListTopicsRequest { compartment_id: PROD.into(), ..Default::default() }).await?;
    let attributes = TopicAttributesDetails { description: "changed".into(), freeform_tags: None, defined_tags: None };
    client.update_topic(&topic.topic_id, &attributes, None).await?;

    let subscription = client
        .create_subscription(&CreateSubscriptionDetails {
            topic_id: topic.topic_id.clone(),
            compartment_id: PROD.into(),
            protocol: Protocol::Email,
            endpoint: format!("{label}@example.com"),
            metadata: None,
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
        })
        .await?
        .body;
    client.get_subscription(&subscription.id).await?;
    client.resend_subscription_confirmation(&subscription.id).await?;
    let tags = UpdateSubscriptionDetails {
        delivery_policy: None,
        freeform_tags: Some([("team".to_owned(), "ops".to_owned())].into()),
        defined_tags: None,
    };
    client.update_subscription(&subscription.id, &tags, None).await?;
    let listing = ListSubscriptionsRequest {
        compartment_id: PROD.into(),
        topic_id: Some(topic.topic_id.clone()),
        ..Default::default()
    };
    client.list_subscriptions(&listing).await?;
    let message = MessageDetails { title: Some("conformance".into()), body: "hello".into() };
    client.publish_message(&topic.topic_id, &message).await?;

    let action = ActionDetails {
        target: ActionTarget::Notifications { topic_id: Some(topic.topic_id.clone()) },
        is_enabled: true,
        description: Some("to the topic".into()),
    };
    let rule = client
        .create_rule(&CreateRuleDetails {
            display_name: format!("{label}-rule"),
            description: Some("conformance".into()),
            is_enabled: true,
            condition: CONDITION.into(),
            compartment_id: PROD.into(),
            actions: ActionDetailsList { actions: vec![action] },
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
        })
        .await?
        .body;
    client.get_rule(&rule.id).await?;
    client.list_rules(&ListRulesRequest { compartment_id: PROD.into(), ..Default::default() }).await?;
    let rename = UpdateRuleDetails { display_name: Some(format!("{label}-renamed")), ..Default::default() };
    client.update_rule(&rule.id, &rename, None).await?;
    client.change_rule_compartment(&rule.id, DEV, None).await?;
    client.delete_rule(&rule.id, None).await?;
    client.change_topic_compartment(&topic.topic_id, DEV, None).await?;
    client.delete_subscription(&subscription.id, None).await?;
    client.delete_topic(&topic.topic_id, None).await?;

    let application = client
        .create_application(&CreateApplicationDetails {
            compartment_id: PROD.into(),
            display_name: format!("{label}-app"),
            subnet_ids: vec!["ocid1.subnet.oc1.iad.sandbox".into()],
            ..Default::default()
        })
        .await?
        .body;
    client.list_applications(&ListApplicationsRequest { compartment_id: PROD.into(), ..Default::default() }).await?;
    client.get_application(&application.id).await?;
    let function = client
        .create_function(&CreateFunctionDetails {
            application_id: application.id.clone(),
            display_name: format!("{label}-fn"),
            source_details: Some(FunctionSourceDetails::container_image("iad.ocir.io/sandbox/conf:1.0".into(), None)),
            memory_in_mbs: 256,
            ..Default::default()
        })
        .await?
        .body;
    client
        .list_functions(&ListFunctionsRequest { application_id: application.id.clone(), ..Default::default() })
        .await?;
    client.get_function(&function.id).await?;
    // Through the recorder: the sandbox names itself as the function's invoke endpoint.
    let at_recorder = Function { invoke_endpoint: base_url.to_owned(), ..function };
    let invoke = InvokeRequest {
        body: br#"{"probe": true}"#.to_vec(),
        content_type: "application/json".into(),
        invoke_type: InvokeType::Sync,
    };
    client.invoke_function(&at_recorder, &invoke).await?;

    let start = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap_or_default().to_utc();
    let window = AuditWindow::covering(start, start + chrono::TimeDelta::hours(1))?;
    client.list_audit_events(PROD, &window, None).await?;
    Ok(())
}
