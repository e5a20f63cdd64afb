//! The OCI sandbox: an embedded, OCI-compatible emulator that is also an event source.
//!
//! It serves every emulated service from one base URL (their paths do not collide), verifies each
//! request's signature against registered keys (`auth`), and answers in OCI's own wire format with
//! OCI's error codes. Each service mirrors a module of `crate::oci` and is split like moto: a thin
//! wire half (`<service>/mod.rs`: path, query and body in, JSON or error out, reusing the client's
//! structs) and a state half (`<service>/state.rs`, methods on [`World`] where every validation
//! lives). Emulated resources emit events (`bus`), enabled rules route them with the same condition
//! matcher as the UI, and topics deliver to subscriptions over real HTTP (`delivery`).
//!
//! Requests it does not model answer 501 NotImplemented, never an empty success.

mod admin;
mod audit;
pub mod auth;
pub mod auth_service;
mod bus;
mod compute;
mod delivery;
pub mod error;
mod events;
mod faults;
mod functions;
pub mod host;
mod identity;
mod metadata;
mod objectstorage;
mod ons;
pub mod persist;
pub mod standalone;
mod tracked;
mod wire;
pub mod world;

pub use bus::EmitReport;
pub use delivery::{Delivery, DeliveryKind, DeliveryStatus, OutboxMessage};
pub use faults::{FaultSpec, Faults};

use crate::egress::{EgressClient, EgressPolicy};
use auth::KeyStore;
use axum::Router;
use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use error::SandboxError;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;
use world::World;

/// Largest request body of Functions invoke (OCI's limit is 6 MB) and of an object upload.
const MAX_LARGE_BODY: usize = 6 * 1024 * 1024;
/// Largest request body of every other call (OCI's own are far smaller: a published message is at
/// most 64 KB, a rule a few KB).
const MAX_BODY: usize = 1024 * 1024;

/// The body limit of a call.
fn body_limit(method: &Method, path: &str) -> usize {
    let invoke = *method == Method::POST && path.ends_with("/actions/invoke");
    let upload = *method == Method::PUT && path.contains("/o/");
    if invoke || upload { MAX_LARGE_BODY } else { MAX_BODY }
}

/// How the sandbox presents itself.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Tenancy OCID.
    pub tenancy: String,
    /// Region id.
    pub region: String,
    /// Region short code, used in OCIDs.
    pub region_code: String,
    /// Unit of the delivery retry schedule: OCI spaces retries 1, 2, 4, 8, 16 and 32 minutes
    /// apart; tests shrink the minute to milliseconds.
    pub delivery_unit: Duration,
    /// Time unit of a subscription's `maxRetryDuration` (milliseconds in OCI; tests shrink it).
    pub retry_duration_unit: Duration,
    /// What deliveries may reach: loopback (the sandbox is a local tool), public addresses, and
    /// the private ranges the operator allowed; never link-local or metadata addresses.
    pub egress: EgressPolicy,
    /// Issues and verifies security tokens and instance certificates; shared by every tenancy of
    /// a host.
    pub authority: Arc<auth_service::state::Authority>,
    /// Whether it answers as an instance's metadata service (`/opc/v2`), for instance principals.
    pub metadata_service: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            tenancy: "ocid1.tenancy.oc1..aaaaaaaasignalboxsandbox".into(),
            region: "us-ashburn-1".into(),
            region_code: "iad".into(),
            delivery_unit: Duration::from_secs(60),
            retry_duration_unit: Duration::from_millis(1),
            egress: EgressPolicy::with_loopback(Vec::new()),
            authority: Arc::default(),
            metadata_service: false,
        }
    }
}

/// A running sandbox: cheap to clone, shared by its handlers.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    config: SandboxConfig,
    world: Mutex<World>,
    /// Shared with the tenancy's other regions: a key is trusted tenancy-wide.
    keys: Arc<KeyStore>,
    /// Whether this is another region of a tenancy whose home region is a sandbox of its own
    /// (see [`host`]): its compartments are the home region's, and it is saved under its own key.
    regional: bool,
    base_url: RwLock<String>,
    http: EgressClient,
    deliveries: Mutex<delivery::Log>,
    faults: RwLock<std::collections::BTreeMap<String, FaultSpec>>,
    buckets: RwLock<std::collections::BTreeMap<String, Arc<faults::Buckets>>>,
    injected: faults::Injected,
    store: RwLock<Option<persist::Store>>,
    changed: tokio::sync::Notify,
    /// Saves take turns; the number is how many save requests the last finished save covered.
    saving: tokio::sync::Mutex<u64>,
    /// Save requests made so far (see `persist::save_now`).
    save_requests: std::sync::atomic::AtomicU64,
    /// Signed calls served so far (benchmarks count OCI calls with it).
    served: std::sync::atomic::AtomicU64,
}

impl Sandbox {
    /// A sandbox with the preset tenancy and no trusted keys.
    pub fn new(config: SandboxConfig) -> Self {
        let keys = Arc::new(KeyStore::with_tokens(config.authority.clone(), &config.tenancy));
        Self::with_keys(config, keys, false)
    }

    /// The same tenancy in `region` (`code` in its OCIDs): its own rules, topics, functions,
    /// audit log and deliveries, the keys and compartments of this one. Identity is global in
    /// OCI, so the host answers Identity calls of every region from the home region.
    pub fn in_region(&self, region: &str, code: &str) -> Self {
        let config = SandboxConfig { region: region.to_owned(), region_code: code.to_owned(), ..self.config().clone() };
        let regional = Self::with_keys(config, self.inner.keys.clone(), true);
        regional.follow_compartments(self);
        regional
    }

    fn with_keys(config: SandboxConfig, keys: Arc<KeyStore>, regional: bool) -> Self {
        let world = World::new(&config.tenancy, &config.region, &config.region_code);
        // Deliveries go to endpoints users name: only through the egress policy.
        let http = EgressClient::new(config.egress.clone());
        Self {
            inner: Arc::new(Inner {
                config,
                world: Mutex::new(world),
                keys,
                regional,
                base_url: RwLock::new(String::new()),
                http,
                deliveries: Mutex::new(delivery::Log::default()),
                faults: RwLock::default(),
                buckets: RwLock::default(),
                injected: faults::Injected::default(),
                store: RwLock::new(None),
                changed: tokio::sync::Notify::new(),
                saving: tokio::sync::Mutex::new(0),
                save_requests: std::sync::atomic::AtomicU64::new(0),
                served: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// The client deliveries go through, with its policy.
    pub fn egress(&self) -> &EgressClient {
        &self.inner.http
    }

    /// How it was configured.
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// The identity authority behind its security tokens.
    pub fn authority(&self) -> &auth_service::state::Authority {
        &self.inner.config.authority
    }

    /// The keys whose signatures the sandbox accepts.
    pub fn keys(&self) -> &KeyStore {
        &self.inner.keys
    }

    /// Trusts a user's PEM public key for `key_id` (`tenancy/user/fingerprint`) and, as OCI does
    /// for the user who creates a tenancy, makes that user an administrator unless it already
    /// belongs to a group.
    pub fn trust_user_key(&self, key_id: &str, pem: &[u8]) -> Result<(), auth::TrustError> {
        self.keys().trust_pem(key_id, pem)?;
        if let Some(user) = key_id.split('/').nth(1) {
            self.world().admit_key_user(user);
        }
        Ok(())
    }

    /// Sets the URL clients reach the sandbox at (known once the listener is bound).
    pub fn set_base_url(&self, url: &str) {
        if let Ok(mut base) = self.inner.base_url.write() {
            *base = url.trim_end_matches('/').to_owned();
        }
    }

    /// The URL clients reach the sandbox at.
    pub fn base_url(&self) -> String {
        self.inner.base_url.read().map(|b| b.clone()).unwrap_or_default()
    }

    /// The sandbox tenancy's OCID.
    pub fn tenancy(&self) -> &str {
        &self.inner.config.tenancy
    }

    /// How many signed calls it has served (refused ones included).
    pub fn calls_served(&self) -> u64 {
        self.inner.served.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The region it answers as.
    pub fn region(&self) -> &str {
        &self.inner.config.region
    }

    /// What it is saved under: the tenancy for its home region, `tenancy@region` for another.
    pub fn store_key(&self) -> String {
        match self.inner.regional {
            true => format!("{}@{}", self.tenancy(), self.region()),
            false => self.tenancy().to_owned(),
        }
    }

    /// Takes the home region's compartments (they are global in OCI), when they differ.
    pub fn follow_compartments(&self, home: &Sandbox) {
        let compartments = home.world().compartments.clone();
        let mut world = self.world();
        if world.compartments != compartments {
            world.compartments = compartments;
        }
    }

    /// The state. Never held across an await.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.inner.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every delivery attempted so far, newest last.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inner.deliveries.lock().unwrap_or_else(PoisonError::into_inner).deliveries()
    }

    /// E-mail and SMS messages the sandbox "sent".
    pub fn outbox(&self) -> Vec<OutboxMessage> {
        self.inner.deliveries.lock().unwrap_or_else(PoisonError::into_inner).outbox()
    }

    /// The emulator's routes, with signature verification and OCI's response headers.
    pub fn router(&self) -> Router {
        let signed = Router::new()
            // Events
            .route("/20181201/rules", get(events::list_rules).post(events::create_rule))
            .route("/20181201/rules/{id}", get(events::get_rule).put(events::update_rule).delete(events::delete_rule))
            .route("/20181201/rules/{id}/actions/changeCompartment", post(events::change_rule_compartment))
            // Notifications control plane
            .route("/20181201/topics", get(ons::list_topics).post(ons::create_topic))
            .route("/20181201/topics/{id}", get(ons::get_topic).put(ons::update_topic).delete(ons::delete_topic))
            .route("/20181201/topics/{id}/actions/changeCompartment", post(ons::change_topic_compartment))
            // Notifications data plane
            .route("/20181201/topics/{id}/messages", post(ons::publish_message))
            .route("/20181201/subscriptions", get(ons::list_subscriptions).post(ons::create_subscription))
            .route(
                "/20181201/subscriptions/{id}",
                get(ons::get_subscription).put(ons::update_subscription).delete(ons::delete_subscription),
            )
            .route("/20181201/subscriptions/{id}/resendConfirmation", post(ons::resend_confirmation))
            // Functions
            .route("/20181201/applications", get(functions::list_applications).post(functions::create_application))
            .route("/20181201/applications/{id}", get(functions::get_application))
            .route("/20181201/functions", get(functions::list_functions).post(functions::create_function))
            .route("/20181201/functions/{id}", get(functions::get_function))
            .route("/20181201/functions/{id}/actions/invoke", post(functions::invoke_function))
            .route("/20260325/applications", get(functions::list_applications).post(functions::create_application))
            .route("/20260325/applications/{id}", get(functions::get_application))
            .route("/20260325/functions", get(functions::list_functions).post(functions::create_function))
            .route("/20260325/functions/{id}", get(functions::get_function))
            .route("/20260325/functions/{id}/actions/invoke", post(functions::invoke_function))
            // Identity, as an event source and for the compartment picker
            .route("/20160918/compartments", get(identity::list_compartments).post(identity::create_compartment))
            .route("/20160918/users", post(identity::create_user))
            .route("/20160918/users/{id}", put(identity::update_user).delete(identity::delete_user))
            .route("/20160918/policies", get(identity::list_policies).post(identity::create_policy))
            .route("/20160918/groups", get(identity::list_groups).post(identity::create_group))
            .route("/20160918/userGroupMemberships", get(identity::list_memberships).post(identity::add_user_to_group))
            .route("/20160918/userGroupMemberships/{id}", delete(identity::remove_user_from_group))
            .route("/20160918/policies/{id}", put(identity::update_policy).delete(identity::delete_policy))
            // Object Storage, as an event source
            .route("/n/", get(objectstorage::get_namespace))
            .route("/n/{namespace}/b/", get(objectstorage::list_buckets).post(objectstorage::create_bucket))
            .route(
                "/n/{namespace}/b/{bucket}",
                get(objectstorage::get_bucket).post(objectstorage::update_bucket).delete(objectstorage::delete_bucket),
            )
            .route(
                "/n/{namespace}/b/{bucket}/o/{*object}",
                get(objectstorage::get_object).put(objectstorage::put_object).delete(objectstorage::delete_object),
            )
            // Audit
            .route("/20190901/auditEvents", get(audit::list_events))
            // Compute, as an event source
            .route("/20160918/instances", get(compute::list_instances).post(compute::launch_instance))
            .route(
                "/20160918/instances/{id}",
                get(compute::get_instance).post(compute::instance_action).delete(compute::terminate_instance),
            )
            // Sandbox administration
            .route("/sandbox/v1/events", post(bus::emit_event))
            .route("/sandbox/v1/faults", get(faults::get_faults).put(faults::put_faults))
            .route("/sandbox/v1/deliveries", get(admin::list_deliveries))
            .route("/sandbox/v1/outbox", get(admin::list_outbox))
            .route("/sandbox/v1/invocations", get(admin::list_invocations))
            .route("/sandbox/v1/stream-messages", get(admin::list_stream_messages))
            .route("/sandbox/v1/keys", post(admin::trust_key))
            .route("/sandbox/v1/resource-principal-tokens", post(auth_service::mint_resource_token))
            // Identity auth service
            .route("/v1/token/upst/actions/GenerateUpst", post(auth_service::generate_upst))
            .route("/v1/authentication/refresh", post(auth_service::refresh))
            .fallback(not_implemented)
            .method_not_allowed_fallback(not_implemented)
            .layer(middleware::from_fn_with_state(self.clone(), audit::record))
            .layer(middleware::from_fn_with_state(self.clone(), faults::inject))
            .layer(middleware::from_fn_with_state(self.clone(), verify_signature));
        // Links OCI mails to subscribers work without a signature; the certificate exchange and
        // the metadata service check their own callers.
        let public = Router::new()
            // Faults apply to the exchange too (its latency is part of a token's first call).
            .route(
                "/v1/x509",
                post(auth_service::federate).layer(middleware::from_fn_with_state(self.clone(), faults::inject)),
            )
            .route("/opc/v2/{*item}", get(metadata::get_metadata))
            .merge(
                // Following a link changes the subscription, so the audit log has it (OCI's
                // operation names; whether OCI audits them is unconfirmed).
                Router::new()
                    .route("/20181201/subscriptions/{id}/confirmation", get(ons::confirm_subscription))
                    .route("/20181201/subscriptions/{id}/unsubscription", get(ons::unsubscribe))
                    .layer(middleware::from_fn_with_state(self.clone(), audit::record)),
            )
            .method_not_allowed_fallback(not_implemented);
        public
            .merge(signed)
            .layer(middleware::from_fn_with_state(self.clone(), note_changes))
            .layer(middleware::from_fn(request_id))
            .with_state(self.clone())
    }

    fn unsubscribe_url(&self, id: &str, token: &str, protocol: &str) -> String {
        format!("{}/20181201/subscriptions/{id}/unsubscription?token={token}&protocol={protocol}", self.base_url())
    }

    fn confirmation_url(&self, id: &str, token: &str, protocol: &str) -> String {
        format!("{}/20181201/subscriptions/{id}/confirmation?token={token}&protocol={protocol}", self.base_url())
    }
}

/// Answers anything the sandbox does not model.
async fn not_implemented(method: Method, OriginalUri(uri): OriginalUri) -> SandboxError {
    SandboxError::not_implemented(method.as_str(), uri.path())
}

/// Verifies the signature, then reads the body and checks it against the signed length and hash,
/// then hands the request on unchanged. A body announced over the call's limit is refused before
/// anything is read, and an unsigned or forged request is refused on its headers alone, so neither
/// costs memory.
async fn verify_signature(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let limit = body_limit(&parts.method, parts.uri.path());
    let declared = parts.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
    if declared.and_then(|v| v.parse::<u64>().ok()).is_some_and(|length| length > limit as u64) {
        return SandboxError::too_large(format!("The request body is over {limit} bytes.")).into_response();
    }
    let (signed_body, caller) = match auth::verify_head(&parts, sandbox.keys(), chrono::Utc::now()) {
        Ok(verified) => verified,
        Err(err) => {
            tracing::debug!(error = %err, path = %parts.uri.path(), "sandbox refused a request signature");
            return err.into_response();
        }
    };
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return SandboxError::too_large(format!("The request body is over {limit} bytes.")).into_response();
    };
    if let Err(err) = signed_body.check_body(&bytes) {
        return err.into_response();
    }
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// Saves the state after calls that can change it (writes, and the confirmation links) before
/// answering them, so whatever a client was told exists survives the process dying right after,
/// and emits the events the changes announced.
/// A refused call changed nothing and is not saved: a flood of refused writes costs no snapshots.
async fn note_changes(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let writes =
        request.method() != Method::GET || path.ends_with("/confirmation") || path.ends_with("/unsubscription");
    let response = next.run(request).await;
    if writes && response.status().is_success() {
        sandbox.save_now().await;
        sandbox.emit_announced();
    }
    response
}

/// The `opc-request-id` of the call being served.
#[derive(Debug, Clone)]
struct RequestId(String);

/// Every answer carries an `opc-request-id`: the client's, extended with the sandbox's part.
async fn request_id(mut request: Request, next: Next) -> Response {
    let client = request.headers().get("opc-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let own = world::random_lowercase(32).to_ascii_uppercase();
    let id = match client {
        Some(client) => format!("{client}/{own}"),
        None => own,
    };
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("opc-request-id", value);
    }
    response
}
