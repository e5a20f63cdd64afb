use server::oci::client::{OciClient, RetryPolicy};
use server::oci::events::{ActionDetails, ActionDetailsList, ActionTarget, CreateRuleDetails};
use server::oci::key::PrivateKey;
use server::oci::ons::{CreateSubscriptionDetails, CreateTopicDetails, Protocol};
use server::oci::region::Region;
use server::oci::signer::ApiKey;
use server::sandbox::{Sandbox, SandboxConfig};
use std::sync::Arc;
use std::time::Duration;

pub const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaasignalboxsandbox";
pub const PROD: &str = "ocid1.compartment.oc1..sandboxprod";
pub const DEV: &str = "ocid1.compartment.oc1..sandboxdev";

/// A sandbox on a loopback port, and a client whose key it trusts.
pub struct TestSandbox {
    pub sandbox: Sandbox,
    pub base_url: String,
    pub client: OciClient,
    pub http: reqwest::Client,
}

/// A topic named `name` in `compartment`, with nothing else set.
pub fn topic_details(name: &str, compartment: &str) -> CreateTopicDetails {
    CreateTopicDetails {
        name: name.into(),
        compartment_id: compartment.into(),
        description: None,
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    }
}

/// Creates a topic and returns its OCID.
pub async fn create_topic(t: &TestSandbox, name: &str, compartment: &str) -> String {
    t.client.create_topic(&topic_details(name, compartment)).await.unwrap().body.topic_id
}

/// Subscribes `endpoint` to the topic and returns the subscription's OCID.
pub async fn subscribe(
    t: &TestSandbox,
    topic_id: &str,
    compartment: &str,
    protocol: Protocol,
    endpoint: &str,
) -> String {
    let details = CreateSubscriptionDetails {
        topic_id: topic_id.into(),
        compartment_id: compartment.into(),
        protocol,
        endpoint: endpoint.into(),
        metadata: None,
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    t.client.create_subscription(&details).await.unwrap().body.id
}

/// A rule named `name` in `compartment` whose `actions` copies of `target` get what `condition`
/// matches.
pub fn rule_details(
    name: &str,
    condition: &str,
    compartment: &str,
    target: ActionTarget,
    actions: usize,
) -> CreateRuleDetails {
    let action = ActionDetails { target, is_enabled: true, description: None };
    CreateRuleDetails {
        display_name: name.into(),
        description: None,
        is_enabled: true,
        condition: condition.into(),
        compartment_id: compartment.into(),
        actions: ActionDetailsList { actions: vec![action; actions] },
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    }
}

/// An ONS action target.
pub fn to_topic(topic_id: &str) -> ActionTarget {
    ActionTarget::Notifications { topic_id: Some(topic_id.into()) }
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/src/oci/testdata/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

pub async fn spawn_sandbox() -> TestSandbox {
    spawn_sandbox_with(SandboxConfig { delivery_unit: Duration::from_millis(20), ..SandboxConfig::default() }).await
}

/// [`spawn_sandbox`] with its configuration.
pub async fn spawn_sandbox_with(config: SandboxConfig) -> TestSandbox {
    let sandbox = Sandbox::new(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    sandbox.set_base_url(&base_url);
    let router = sandbox.router();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let key = PrivateKey::from_pem(&fixture("vector_pkcs1.pem"), None).unwrap();
    let api_key = ApiKey::new(TENANCY, "ocid1.user.oc1..aaaaaaaatester", key);
    sandbox.trust_user_key(api_key.key_id(), &fixture("vector_public.pem")).unwrap();
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
    let client = OciClient::new(http.clone(), Arc::new(api_key), Region::parse("iad").unwrap())
        .with_retry(RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .with_endpoint_for_all(&base_url);
    TestSandbox { sandbox, base_url, client, http }
}

pub use crate::receiver::{eventually, spawn_receiver};
