//! What signs a connection's requests, and keeping it valid: a user's API key, or a security
//! token that expires and is renewed.
//!
//! - **API key**: fixed, never renewed.
//! - **Session token** (`oci session authenticate`): refreshed with the auth service once half its
//!   lifetime has passed, so a session in use stays alive up to OCI's 24-hour limit; the new token
//!   is handed to `on_renew` to be stored. Once expired it cannot be refreshed, and every call
//!   fails with the command that starts a new session.
//! - **Instance principal**: the metadata service's certificate and key are exchanged for a token
//!   bound to a fresh session key, again when half of its lifetime has passed (the SDK renews a
//!   minute before expiry or on a 401; renewing at half-life keeps a slow exchange off the path of
//!   the call that finds the token stale).
//! - **Resource principal** (version 2.2): the platform provides the token and the session key in
//!   `OCI_RESOURCE_PRINCIPAL_RPST` and `OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM`, each the value itself
//!   or the absolute path of a file the platform rewrites; files are read again when the token is
//!   due for renewal.
//!
//! A token past half its life is renewed in the background while calls keep signing with it; only
//! a token within a minute of expiry (the SDK's jitter) is renewed before the call that needs it.
//! One renewal runs at a time per connection; calls waiting for it then share its result.

use super::client::OciClient;
use super::error::OciError;
use super::key::PrivateKey;
use super::metadata::MetadataClient;
use super::signer::ApiKey;
use super::token::SecurityToken;
use chrono::{TimeDelta, Utc};
use secrecy::SecretString;
use std::sync::Arc;

/// Called with each renewed session token, to store it.
pub type OnRenew = Arc<dyn Fn(&str) + Send + Sync>;

/// What signs a connection's requests.
#[derive(Clone)]
pub enum Credentials {
    /// A user's API key.
    Key(Arc<ApiKey>),
    /// A security token, renewed as it nears expiry.
    Token(Arc<TokenCredentials>),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Key(key) => f.debug_tuple("Key").field(&key.key_id()).finish(),
            Credentials::Token(token) => f.debug_tuple("Token").field(&token.source.name()).finish(),
        }
    }
}

/// Where a renewed token comes from.
pub enum TokenSource {
    /// A user session from `oci session authenticate`.
    Session {
        /// The session key.
        key: Arc<PrivateKey>,
        /// The config profile the session was made for, when known, for the renewal command.
        profile: Option<String>,
        /// Stores each renewed token.
        on_renew: Option<OnRenew>,
    },
    /// The instance this process runs on.
    Instance {
        /// Its metadata service.
        metadata: MetadataClient,
    },
    /// The resource this process runs as (`OCI_RESOURCE_PRINCIPAL_*`, version 2.2).
    Resource {
        /// `OCI_RESOURCE_PRINCIPAL_RPST`: the token, or the absolute path of its file.
        rpst: String,
        /// `OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM`: the key, or the absolute path of its file.
        private_pem: String,
        /// `OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM_PASSPHRASE`, when the key is encrypted.
        pass_phrase: Option<SecretString>,
    },
}

impl TokenSource {
    fn name(&self) -> &'static str {
        match self {
            TokenSource::Session { .. } => "session token",
            TokenSource::Instance { .. } => "instance principal",
            TokenSource::Resource { .. } => "resource principal",
        }
    }
}

/// How close to expiry a token is renewed before the call that needs it, instead of in the
/// background: the Python SDK's `DEFAULT_EXPIRY_JITTER_SECONDS`.
const RENEW_BEFORE_CALL: TimeDelta = TimeDelta::seconds(60);

/// A token, its key, and how to renew them.
pub struct TokenCredentials {
    source: TokenSource,
    current: tokio::sync::Mutex<Option<Signing>>,
    renewing: std::sync::atomic::AtomicBool,
    renew_before_call: TimeDelta,
}

/// A token and the key that signs with it.
#[derive(Clone)]
struct Signing {
    key: Arc<ApiKey>,
    token: SecurityToken,
}

impl Signing {
    /// Whether the token still has more than half its lifetime.
    fn is_fresh(&self) -> bool {
        let claims = self.token.claims();
        let half = TimeDelta::seconds((claims.exp - claims.iat).max(0) / 2);
        claims.valid_at(Utc::now(), half)
    }

    /// Whether it can still sign a call with `margin` to spare.
    fn is_usable(&self, margin: TimeDelta) -> bool {
        self.token.claims().valid_at(Utc::now(), margin)
    }
}

impl TokenCredentials {
    /// Credentials that start from `token` (a session) or from nothing (principals: the first
    /// call fetches one).
    pub fn new(source: TokenSource, token: Option<SecurityToken>) -> Self {
        let current = match (&source, token) {
            (TokenSource::Session { key, .. }, Some(token)) => {
                Some(Signing { key: Arc::new(ApiKey::session_shared(token.as_str(), key.clone())), token })
            }
            _ => None,
        };
        Self {
            source,
            current: tokio::sync::Mutex::new(current),
            renewing: std::sync::atomic::AtomicBool::new(false),
            renew_before_call: RENEW_BEFORE_CALL,
        }
    }

    /// Renews before the call (instead of in the background) once the token has less than
    /// `margin` left; tests shorten it to see both paths with tokens of a few seconds.
    pub fn renew_before_call(mut self, margin: TimeDelta) -> Self {
        self.renew_before_call = margin;
        self
    }

    /// The token signing now, without renewing it (for showing who a connection is).
    pub async fn token(&self) -> Option<SecurityToken> {
        self.current.lock().await.as_ref().map(|s| s.token.clone())
    }
}

impl Credentials {
    /// The key to sign `operation` with now, renewed first when due. `client` reaches the auth
    /// service (and is the connection's own client: same endpoints, same HTTP settings).
    ///
    /// A boxed `Send` future rather than an `async fn`: renewing sends a call through the client
    /// whose signing path awaits this, so the future's type would otherwise contain itself, and
    /// whether it is `Send` (for the background renewal's task) could not be decided.
    pub fn signing_key<'a>(
        &'a self,
        client: &'a OciClient,
        operation: &'static str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Arc<ApiKey>, OciError>> + Send + 'a>> {
        Box::pin(self.signing_key_now(client, operation))
    }

    async fn signing_key_now(&self, client: &OciClient, operation: &'static str) -> Result<Arc<ApiKey>, OciError> {
        let token = match self {
            Credentials::Key(key) => return Ok(key.clone()),
            Credentials::Token(token) => token,
        };
        let mut current = token.current.lock().await;
        match current.as_ref() {
            Some(signing) if signing.is_fresh() => return Ok(signing.key.clone()),
            // Past half its life but good for a while yet: this call signs with it, and the
            // renewal runs beside it, so no caller waits for the exchange.
            Some(signing) if signing.is_usable(token.renew_before_call) => {
                if !token.renewing.swap(true, std::sync::atomic::Ordering::AcqRel) {
                    tokio::spawn(token.clone().renew_in_background(client.clone(), operation));
                }
                return Ok(signing.key.clone());
            }
            _ => {}
        }
        let renewed = renew(&token.source, current.as_ref(), client, operation).await?;
        let key = renewed.key.clone();
        *current = Some(renewed);
        Ok(key)
    }
}

impl TokenCredentials {
    /// Renews the token unless another call did meanwhile. Boxed as a `Send` future: it sends a
    /// call through the client, whose signing path is what spawns it.
    fn renew_in_background(
        self: Arc<Self>,
        client: OciClient,
        operation: &'static str,
    ) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let mut current = self.current.lock().await;
            if !current.as_ref().is_some_and(Signing::is_fresh) {
                match renew(&self.source, current.as_ref(), &client, operation).await {
                    Ok(renewed) => *current = Some(renewed),
                    // The token in hand still works; the call that finds it nearly expired renews
                    // it itself and reports the failure.
                    Err(err) => tracing::warn!(error = %err, "renewing a security token in the background failed"),
                }
            }
            self.renewing.store(false, std::sync::atomic::Ordering::Release);
        })
    }
}

fn failure(operation: &'static str, detail: impl Into<String>, remedy: impl Into<String>) -> OciError {
    OciError::Credentials { operation, detail: detail.into(), remedy: remedy.into() }
}

async fn renew(
    source: &TokenSource,
    current: Option<&Signing>,
    client: &OciClient,
    operation: &'static str,
) -> Result<Signing, OciError> {
    match source {
        TokenSource::Session { key, profile, on_renew } => {
            let Some(current) = current else {
                return Err(failure(
                    operation,
                    "the connection has no session token",
                    session_remedy(profile.as_deref(), client),
                ));
            };
            let claims = current.token.claims();
            if !claims.valid_at(Utc::now(), TimeDelta::zero()) {
                return Err(failure(
                    operation,
                    format!("the session token expired at {}", claims.expires_at().to_rfc3339()),
                    session_remedy(profile.as_deref(), client),
                ));
            }
            let text = client.refresh_session(current.token.as_str(), &current.key).await.map_err(|err| {
                failure(
                    operation,
                    format!("the session could not be refreshed ({err})"),
                    session_remedy(profile.as_deref(), client),
                )
            })?;
            let token = read_token(&text, operation, "the auth service's answer")?;
            if let Some(store) = on_renew {
                store(token.as_str());
            }
            Ok(Signing { key: Arc::new(ApiKey::session_shared(token.as_str(), key.clone())), token })
        }
        TokenSource::Instance { metadata } => {
            let issued = metadata.credentials().await?;
            let unusable = |what: &str, err: &dyn std::fmt::Display| {
                failure(
                    operation,
                    format!("the instance's {what} from the metadata service cannot be used ({err})"),
                    "Check the instance's identity certificate; the metadata service may be another service than OCI's",
                )
            };
            let leaf = pem::parse(&issued.cert_pem).map_err(|e| unusable("certificate", &e))?.into_contents();
            let intermediate = pem::parse(&issued.intermediate_pem)
                .map_err(|e| unusable("intermediate certificate", &e))?
                .into_contents();
            let identity = super::certificate::identity(&leaf).map_err(|e| unusable("certificate", &e))?;
            let leaf_key = PrivateKey::from_pem(issued.key_pem.as_bytes(), None).map_err(|e| unusable("key", &e))?;
            let session = tokio::task::spawn_blocking(PrivateKey::generate)
                .await
                .map_err(|e| unusable("session key", &e))?
                .map_err(|e| unusable("session key", &e))?
                .0;
            let text = client
                .exchange_certificate(&identity.tenancy, &leaf, &leaf_key, &[intermediate], session.public_key_der())
                .await?;
            let token = read_token(&text, operation, "the auth service's answer")?;
            Ok(Signing { key: Arc::new(ApiKey::session(token.as_str(), session)), token })
        }
        TokenSource::Resource { rpst, private_pem, pass_phrase } => {
            let remedy = "Resource principals work when Signalbox runs as an OCI Function or container instance, which sets OCI_RESOURCE_PRINCIPAL_VERSION=2.2, OCI_RESOURCE_PRINCIPAL_RPST, OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM and OCI_RESOURCE_PRINCIPAL_REGION";
            let token_text = value_or_file(rpst)
                .map_err(|e| failure(operation, format!("OCI_RESOURCE_PRINCIPAL_RPST {e}"), remedy))?;
            let pem_text = zeroize::Zeroizing::new(
                value_or_file(private_pem)
                    .map_err(|e| failure(operation, format!("OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM {e}"), remedy))?,
            );
            let token = read_token(&token_text, operation, "OCI_RESOURCE_PRINCIPAL_RPST")?;
            if !token.claims().valid_at(Utc::now(), TimeDelta::zero()) {
                return Err(failure(
                    operation,
                    format!("the resource principal token expired at {}", token.claims().expires_at().to_rfc3339()),
                    "The platform rewrites the token file before it expires; check that OCI_RESOURCE_PRINCIPAL_RPST names that file and not a copied value",
                ));
            }
            let key = PrivateKey::from_pem(pem_text.as_bytes(), pass_phrase.as_ref()).map_err(|e| {
                failure(operation, format!("OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM cannot be used ({e})"), remedy)
            })?;
            Ok(Signing { key: Arc::new(ApiKey::session(token.as_str(), key)), token })
        }
    }
}

fn read_token(text: &str, operation: &'static str, from: &str) -> Result<SecurityToken, OciError> {
    SecurityToken::parse(text).map_err(|err| {
        failure(
            operation,
            format!("{from} is not a security token ({err})"),
            "Check what issued it; it must be OCI's identity service",
        )
    })
}

/// The command that starts a new session (for `profile` when known), with the region the
/// connection uses.
fn session_remedy(profile: Option<&str>, client: &OciClient) -> String {
    let profile = profile.unwrap_or("<your session profile>");
    format!(
        "Run `oci session authenticate --profile-name {profile} --region {}` and upload the new token to this connection (a session can be refreshed with `oci session refresh --profile {profile}` only while it is still valid)",
        client.region().id()
    )
}

/// An `OCI_RESOURCE_PRINCIPAL_*` value: the value itself, or the content of the file at the
/// absolute path it names (the SDK's rule).
fn value_or_file(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("is empty".to_owned());
    }
    if std::path::Path::new(value).is_absolute() {
        return std::fs::read_to_string(value).map_err(|err| format!("names {value}, which cannot be read ({err})"));
    }
    Ok(value.to_owned())
}

/// A resource principal's `OCI_RESOURCE_PRINCIPAL_*` settings (version 2.2), read once at startup.
#[derive(Clone)]
pub struct ResourceEnvironment {
    /// `OCI_RESOURCE_PRINCIPAL_RPST`.
    pub rpst: String,
    /// `OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM`.
    pub private_pem: String,
    /// `OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM_PASSPHRASE`, read.
    pub pass_phrase: Option<SecretString>,
    /// `OCI_RESOURCE_PRINCIPAL_REGION`.
    pub region: String,
}

impl std::fmt::Debug for ResourceEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token and key may be the values themselves: only the region is shown.
        f.debug_struct("ResourceEnvironment").field("region", &self.region).finish_non_exhaustive()
    }
}

impl ResourceEnvironment {
    /// This process's, when it runs as a resource with version 2.2 (what Functions and container
    /// instances set); `None` otherwise.
    pub fn from_environment() -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if var("OCI_RESOURCE_PRINCIPAL_VERSION")? != "2.2" {
            return None;
        }
        Some(Self {
            rpst: var("OCI_RESOURCE_PRINCIPAL_RPST")?,
            private_pem: var("OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM")?,
            pass_phrase: var("OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM_PASSPHRASE")
                .and_then(|p| value_or_file(&p).ok())
                .map(SecretString::from),
            region: var("OCI_RESOURCE_PRINCIPAL_REGION")?,
        })
    }

    /// The token source it describes.
    pub fn source(&self) -> TokenSource {
        TokenSource::Resource {
            rpst: self.rpst.clone(),
            private_pem: self.private_pem.clone(),
            pass_phrase: self.pass_phrase.clone(),
        }
    }

    /// The token as it is now (to learn the tenancy and resource when a connection is made).
    pub fn current_token(&self) -> Result<SecurityToken, String> {
        let text = value_or_file(&self.rpst).map_err(|e| format!("OCI_RESOURCE_PRINCIPAL_RPST {e}"))?;
        SecurityToken::parse(&text).map_err(|e| format!("OCI_RESOURCE_PRINCIPAL_RPST: {e}"))
    }
}
