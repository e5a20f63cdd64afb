//! Many tenancies behind one sandbox URL, each its own [`Sandbox`].
//!
//! A tenancy here is a whole emulated tenancy: its world (compartments, topics, rules, functions,
//! audit), the keys it trusts, its delivery log and outbox, its faults. Nothing is shared between
//! two tenancies, so one team's built-in connection (its own tenancy and key, see
//! `crate::builtin`) can neither see nor change another team's resources, and a team's sandbox
//! log holds its own deliveries only. Isolation comes from the shape, not from checks in each
//! handler: a request reaches exactly one tenancy's router and that router knows nothing else.
//!
//! A signed request goes to the tenancy its `keyId` names (`tenancy/user/fingerprint`), whose own
//! router then verifies the signature against that tenancy's keys only: naming another tenancy in
//! a `keyId` gets nothing without that tenancy's key. The unsigned confirmation and unsubscribe
//! links go to the tenancy holding the subscription they name. Anything else goes to the default
//! tenancy, which refuses it as its own router would. A request signed with a security token goes
//! to the tenancy the token's claims name, and that tenancy verifies the token. The metadata
//! service and the certificate exchange are unsigned or signed by a certificate: the exchange's
//! `keyId` names its tenancy; the metadata service answers for the default tenancy.
//!
//! Preset compartments carry the same OCIDs in every tenancy (`ocid1.compartment.oc1..sandboxdev`,
//! ...): tenancies never meet, so the ids cannot be confused, and scripts written for one run in
//! any.

use super::persist::{PersistError, Store};
use super::{Sandbox, SandboxConfig};
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use tower::ServiceExt;

/// A tenancy's sandbox and its router.
#[derive(Clone)]
struct Tenant {
    sandbox: Sandbox,
    router: Router,
}

/// The tenancies served at one URL. Cheap to clone.
#[derive(Clone)]
pub struct SandboxHost {
    inner: Arc<HostInner>,
}

struct HostInner {
    /// How every tenancy is made (the tenancy OCID is replaced per tenancy).
    config: SandboxConfig,
    tenants: RwLock<BTreeMap<String, Tenant>>,
    base_url: RwLock<String>,
    store: RwLock<Option<Store>>,
}

impl SandboxHost {
    /// A host whose default tenancy is `config.tenancy`.
    pub fn new(config: SandboxConfig) -> Self {
        let host = Self {
            inner: Arc::new(HostInner {
                config,
                tenants: RwLock::default(),
                base_url: RwLock::default(),
                store: RwLock::default(),
            }),
        };
        host.default_tenant();
        host
    }

    /// The default tenancy.
    pub fn default_tenant(&self) -> Sandbox {
        self.tenant(&self.inner.config.tenancy)
    }

    /// The tenancy `tenancy`, made (empty, with the preset compartments) on first use. A tenancy
    /// made while a store is attached is saved there from then on.
    pub fn tenant(&self, tenancy: &str) -> Sandbox {
        self.entry(tenancy).sandbox
    }

    /// The tenancy `tenancy` with its router, made on first use.
    fn entry(&self, tenancy: &str) -> Tenant {
        if let Some(tenant) = self.get(tenancy) {
            return tenant;
        }
        let mut tenants = self.inner.tenants.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(tenant) = tenants.get(tenancy) {
            return tenant.clone();
        }
        let sandbox = Sandbox::new(SandboxConfig { tenancy: tenancy.to_owned(), ..self.inner.config.clone() });
        sandbox.set_base_url(&self.base_url());
        let router = sandbox.router();
        let tenant = Tenant { sandbox: sandbox.clone(), router };
        tenants.insert(tenancy.to_owned(), tenant.clone());
        drop(tenants);
        // Tenancies saved earlier were all restored by `persist_to`; one made now is new.
        if let Some(store) = self.store() {
            sandbox.attach(store);
        }
        tenant
    }

    fn get(&self, tenancy: &str) -> Option<Tenant> {
        self.inner.tenants.read().ok().and_then(|tenants| tenants.get(tenancy).cloned())
    }

    fn all(&self) -> Vec<Tenant> {
        self.inner.tenants.read().map(|tenants| tenants.values().cloned().collect()).unwrap_or_default()
    }

    fn store(&self) -> Option<Store> {
        self.inner.store.read().ok().and_then(|store| store.clone())
    }

    /// Sets the URL clients reach every tenancy at.
    pub fn set_base_url(&self, url: &str) {
        if let Ok(mut base) = self.inner.base_url.write() {
            *base = url.trim_end_matches('/').to_owned();
        }
        for tenant in self.all() {
            tenant.sandbox.set_base_url(url);
        }
    }

    /// The URL clients reach the sandbox at.
    pub fn base_url(&self) -> String {
        self.inner.base_url.read().map(|b| b.clone()).unwrap_or_default()
    }

    /// Restores every tenancy saved in `store` and saves every tenancy there from now on.
    pub async fn persist_to(&self, store: Store) -> Result<(), PersistError> {
        for tenancy in store.tenancies().await? {
            self.tenant(&tenancy);
        }
        if let Ok(mut slot) = self.inner.store.write() {
            *slot = Some(store.clone());
        }
        for tenant in self.all() {
            tenant.sandbox.persist_to(store.clone()).await?;
        }
        Ok(())
    }

    /// Saves every tenancy now (on shutdown).
    pub async fn save_now(&self) {
        for tenant in self.all() {
            tenant.sandbox.save_now().await;
        }
    }

    /// The router of every tenancy: each request goes to one tenancy's own router.
    pub fn router(&self) -> Router {
        Router::new().fallback(dispatch).with_state(self.clone())
    }

    /// The tenancy a request belongs to (see the module documentation).
    fn route(&self, request: &Request) -> Tenant {
        let signed = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(key_tenancy)
            .and_then(|tenancy| self.get(&tenancy));
        if let Some(tenant) = signed {
            return tenant;
        }
        if let Some(subscription) = public_link_subscription(request.uri().path()) {
            let holder =
                self.all().into_iter().find(|t| t.sandbox.world().ons.stored_subscription(subscription).is_some());
            if let Some(tenant) = holder {
                return tenant;
            }
        }
        self.entry(&self.inner.config.tenancy)
    }
}

/// Hands the request to its tenancy's router.
async fn dispatch(State(host): State<SandboxHost>, request: Request) -> Response {
    let tenant = host.route(&request);
    match tenant.router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The tenancy part of an `Authorization: Signature keyId="tenancy/user/fingerprint",...` header.
/// For a security token (`ST$<token>`), the tenancy its claims name: only routing trusts them
/// unverified, the tenancy's own router then verifies the token.
fn key_tenancy(authorization: &str) -> Option<String> {
    let key_id = authorization.split("keyId=\"").nth(1)?.split('"').next()?;
    if let Some(token) = key_id.strip_prefix("ST$") {
        return crate::oci::token::decode_claims(token).ok()?.tenancy().map(str::to_owned);
    }
    key_id.split('/').next().filter(|tenancy| !tenancy.is_empty()).map(str::to_owned)
}

/// The subscription a confirmation or unsubscribe link names
/// (`/20181201/subscriptions/{id}/confirmation` or `.../unsubscription`).
fn public_link_subscription(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/20181201/subscriptions/")?;
    let (id, action) = rest.split_once('/')?;
    matches!(action, "confirmation" | "unsubscription").then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_routed_by_the_key_id_tenancy() {
        assert_eq!(
            key_tenancy(
                r#"Signature version="1",keyId="ocid1.tenancy.oc1..a/ocid1.user.oc1..b/aa:bb",algorithm="rsa-sha256""#
            ),
            Some("ocid1.tenancy.oc1..a".to_owned())
        );
        assert_eq!(key_tenancy("Signature version=\"1\""), None);
        assert_eq!(key_tenancy(r#"Signature keyId="/user/fp""#), None);
        assert_eq!(public_link_subscription("/20181201/subscriptions/ocid1.x/confirmation"), Some("ocid1.x"));
        assert_eq!(public_link_subscription("/20181201/subscriptions/ocid1.x/unsubscription"), Some("ocid1.x"));
        assert_eq!(public_link_subscription("/20181201/subscriptions/ocid1.x"), None);
    }

    #[tokio::test]
    async fn tenancies_share_nothing() {
        let host = SandboxHost::new(SandboxConfig::default());
        let a = host.default_tenant();
        let b = host.tenant("ocid1.tenancy.oc1..aaaaaaaaother");
        assert_ne!(a.tenancy(), b.tenancy());
        let details = crate::oci::ons::CreateTopicDetails {
            name: "only-in-a".into(),
            compartment_id: "ocid1.compartment.oc1..sandboxdev".into(),
            description: None,
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
        };
        let (topic, _) = a.world().create_topic(details.clone(), None, "").expect("created in a");
        assert!(a.world().get_topic(&topic.topic_id).is_ok());
        assert!(b.world().get_topic(&topic.topic_id).is_err(), "b cannot see a's topic");
        // Topic names are unique per tenancy: b may use the same name.
        let (mine, _) = b.world().create_topic(details, None, "").expect("the same name in b");
        let again = host.tenant("ocid1.tenancy.oc1..aaaaaaaaother");
        assert!(again.world().get_topic(&mine.topic_id).is_ok(), "the same tenancy is handed out again");
    }
}
