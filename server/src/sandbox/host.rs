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
//! A tenancy answers in other regions too, under `/regions/{region}/…` (the home region also
//! answers there): each region is a [`Sandbox`] of its own for the regional services (Events,
//! Notifications, Functions, Compute, Object Storage, Audit, the sandbox's own admin API), made
//! on first use and saved under `tenancy@region`, sharing the home region's keys and following
//! its compartments. Identity is global in OCI, so Identity calls under any region's prefix are
//! answered by the home region, and identity events are emitted there only, as OCI emits them
//! in the home region. The prefix is how an endpoint override reaches another region
//! (`OciClient::in_region`; design choice, the sandbox has one URL where OCI has a host per region).
//!
//! Preset compartments carry the same OCIDs in every tenancy (`ocid1.compartment.oc1..sandboxdev`,
//! ...): tenancies never meet, so the ids cannot be confused, and scripts written for one run in
//! any.

use super::error::SandboxError;
use super::persist::{PersistError, Store};
use super::{Sandbox, SandboxConfig};
use crate::oci::region::Region;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
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

    /// The tenancy `tenancy` in `region` (one the region table knows), made on first use; the
    /// home region is [`Self::tenant`].
    pub fn regional_tenant(&self, tenancy: &str, region: &Region) -> Sandbox {
        self.regional_entry(tenancy, region).sandbox
    }

    /// The home region.
    pub fn home_region(&self) -> &str {
        &self.inner.config.region
    }

    /// The tenancy `tenancy` with its router, made on first use.
    fn entry(&self, tenancy: &str) -> Tenant {
        self.made(tenancy, || {
            let sandbox = Sandbox::new(SandboxConfig { tenancy: tenancy.to_owned(), ..self.inner.config.clone() });
            sandbox.set_base_url(&self.base_url());
            sandbox
        })
    }

    /// The tenancy `tenancy` in `region` with its router, made on first use.
    fn regional_entry(&self, tenancy: &str, region: &Region) -> Tenant {
        if region.id() == self.home_region() {
            return self.entry(tenancy);
        }
        let home = self.entry(tenancy).sandbox;
        let tenant = self.made(&format!("{tenancy}@{}", region.id()), || {
            let sandbox = home.in_region(region.id(), region.short_code().unwrap_or("xyz"));
            sandbox.set_base_url(&format!("{}/regions/{}", self.base_url(), region.id()));
            sandbox
        });
        tenant.sandbox.follow_compartments(&home);
        tenant
    }

    /// The tenant saved under `key`, made by `make` on first use.
    fn made(&self, key: &str, make: impl FnOnce() -> Sandbox) -> Tenant {
        if let Some(tenant) = self.get(key) {
            return tenant;
        }
        let mut tenants = self.inner.tenants.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(tenant) = tenants.get(key) {
            return tenant.clone();
        }
        let sandbox = make();
        let router = sandbox.router();
        let tenant = Tenant { sandbox: sandbox.clone(), router };
        tenants.insert(key.to_owned(), tenant.clone());
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
        let url = url.trim_end_matches('/');
        for tenant in self.all() {
            match tenant.sandbox.store_key().split_once('@') {
                Some((_, region)) => tenant.sandbox.set_base_url(&format!("{url}/regions/{region}")),
                None => tenant.sandbox.set_base_url(url),
            }
        }
    }

    /// The URL clients reach the sandbox at.
    pub fn base_url(&self) -> String {
        self.inner.base_url.read().map(|b| b.clone()).unwrap_or_default()
    }

    /// Restores every tenancy saved in `store` and saves every tenancy there from now on.
    pub async fn persist_to(&self, store: Store) -> Result<(), PersistError> {
        for key in store.tenancies().await? {
            match key.split_once('@').map(|(tenancy, region)| (tenancy, Region::parse(region))) {
                Some((tenancy, Ok(region))) => {
                    self.regional_tenant(tenancy, &region);
                }
                Some((_, Err(_))) => tracing::warn!(key, "a saved sandbox region is not a region; left alone"),
                None => {
                    self.tenant(&key);
                }
            }
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

    /// The tenancy (and region) a request belongs to (see the module documentation).
    fn route(&self, request: &Request, region: Option<&Region>) -> Tenant {
        let path = request.uri().path();
        // Identity is global: any region's Identity endpoint is the home region's.
        let region = region.filter(|_| !path.starts_with("/20160918/") || path.starts_with("/20160918/instances"));
        let within = |tenancy: &str| match region {
            Some(region) => self.regional_entry(tenancy, region),
            None => self.entry(tenancy),
        };
        let signed = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(key_tenancy)
            .filter(|tenancy| self.get(tenancy).is_some());
        if let Some(tenancy) = signed {
            return within(&tenancy);
        }
        if let Some(subscription) = public_link_subscription(path) {
            let holder =
                self.all().into_iter().find(|t| t.sandbox.world().ons.stored_subscription(subscription).is_some());
            if let Some(tenant) = holder {
                return tenant;
            }
        }
        self.entry(&self.inner.config.tenancy)
    }
}

/// Hands the request to its tenancy's router, without its `/regions/{region}` prefix (the
/// signature is checked against the path as sent, which axum keeps as the original URI).
async fn dispatch(State(host): State<SandboxHost>, mut request: Request) -> Response {
    let region = match strip_region(&mut request) {
        Ok(region) => region,
        Err(err) => return err.into_response(),
    };
    let tenant = host.route(&request, region.as_ref());
    match tenant.router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Takes a leading `/regions/{region}` off the request's path: the region it names, or a 404
/// naming it when the region table does not know it.
fn strip_region(request: &mut Request) -> Result<Option<Region>, SandboxError> {
    let Some(rest) = request.uri().path().strip_prefix("/regions/") else {
        return Ok(None);
    };
    let (name, path) = rest.split_once('/').map_or((rest, ""), |(name, path)| (name, path));
    let region = Region::parse(name)
        .ok()
        .filter(|region| region.id() == name && region.short_code().is_some())
        .ok_or_else(|| SandboxError::not_found("region", name))?;
    let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let uri = format!("/{path}{query}")
        .parse::<http::Uri>()
        .map_err(|_| SandboxError::invalid_parameter("The path after the region is not a valid path."))?;
    *request.uri_mut() = uri;
    Ok(Some(region))
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
