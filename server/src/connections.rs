//! Connections: checking new credentials before anything is stored, sealing their secrets, and
//! building the signing client a stored connection calls OCI with.
//!
//! A new connection is checked completely before it is stored: OCIDs, fingerprint and region are
//! parsed, the key is decrypted with its pass phrase, and the key's fingerprint must be the one
//! given, so a typo is reported at once with the field at fault instead of as a 401 from OCI
//! later. The key is stored sealed under the master key with the row id in its context.
//!
//! Handlers and background work reach a team's connection the same way ([`reach`]), and check the
//! OCIDs a request names before OCI is called ([`check_compartment`], [`check_target`]).

use crate::db::connections::ConnectionRow;
use crate::error::AppError;
use crate::master_key::MasterKey;
use crate::oci::client::OciClient;
use crate::oci::config::{ConfigFile, ConfigProblem};
use crate::oci::key::{Fingerprint, KeyError, PrivateKey};
use crate::oci::metadata::MetadataClient;
use crate::oci::pace::Pace;
use crate::oci::principal::{Credentials, TokenCredentials, TokenSource};
use crate::oci::region::Region;
use crate::oci::signer::ApiKey;
use crate::oci::token::{Jwk, SecurityToken};
use crate::state::AppState;
use app::api::connections::{ConnectionKind, CreateConnectionRequest, CredentialSource};
use app::model::ocid::Ocid;
use secrecy::SecretString;
use std::path::Path;
use std::sync::{Arc, LazyLock};
use zeroize::Zeroizing;

/// One HTTP client for every real connection: connection pooling and TLS setup are shared.
static HTTP: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
});

/// A checked new connection, ready to store.
pub struct Checked {
    /// Name.
    pub name: String,
    /// How it signs in.
    pub kind: ConnectionKind,
    /// Tenancy OCID.
    pub tenancy: String,
    /// The principal: a user, instance or resource OCID.
    pub user: String,
    /// Fingerprint of the key, as the key has it (empty for host principals).
    pub fingerprint: String,
    /// Region id.
    pub region: String,
    /// The key as given (PEM), to seal.
    pub private_key: Option<Zeroizing<String>>,
    /// The pass phrase, to seal.
    pub pass_phrase: Option<Zeroizing<String>>,
    /// A session's token, to seal.
    pub security_token: Option<Zeroizing<String>>,
    /// When the session's token expires.
    pub session_expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Sealing context of a connection's private key.
pub fn key_context(id: i64) -> String {
    format!("connection/{id}/private_key")
}

/// Sealing context of a connection's pass phrase.
pub fn pass_phrase_context(id: i64) -> String {
    format!("connection/{id}/pass_phrase")
}

/// Sealing context of a session-token connection's token.
pub fn security_token_context(id: i64) -> String {
    format!("connection/{id}/security_token")
}

fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim().to_owned();
    if !(1..=100).contains(&name.chars().count()) {
        return Err(AppError::invalid(
            "name",
            "Name the connection (1 to 100 characters), such as \"prod-frankfurt\".",
        ));
    }
    app::model::text::check_one_line(&name).map_err(|m| AppError::invalid("name", m))?;
    Ok(name)
}

/// Checks a create request of an API-key or session-token connection; every error names its
/// field and the fix. Host principals are checked by [`check_host_principal`].
pub fn check(request: CreateConnectionRequest) -> Result<Checked, AppError> {
    let name = check_name(&request.name)?;
    let private_key = Zeroizing::new(request.private_key);
    let mut pass_phrase = request.pass_phrase.filter(|p| !p.is_empty()).map(Zeroizing::new);
    let security_token = request.security_token.filter(|t| !t.trim().is_empty()).map(Zeroizing::new);
    // (tenancy, user, fingerprint, region, session profile) as the source gives them.
    let (tenancy, user, fingerprint, region, session) = match request.source {
        CredentialSource::Fields { tenancy, user, fingerprint, region } => {
            let tenancy = check_ocid(tenancy.trim(), "tenancy", "source.tenancy")?;
            let user = check_ocid(user.trim(), "user", "source.user")?;
            let fingerprint = Fingerprint::parse(fingerprint.trim())
                .map_err(|err| AppError::invalid("source.fingerprint", format!("{err}.")))?;
            (tenancy, user, Some(fingerprint), check_region(&region)?, None)
        }
        CredentialSource::ConfigFile { config, profile } => {
            let file = ConfigFile::parse(Path::new("the uploaded config file"), &config)
                .map_err(|err| AppError::invalid("source.config", format!("{err}.")))?;
            let profile = file.profile_for_uploaded_key(profile.trim()).map_err(|err| {
                let field = match (&*err.problem, err.field.as_deref()) {
                    (ConfigProblem::NoSuchProfile(_), _) => "source.profile",
                    _ => "source.config",
                };
                AppError::invalid(field, format!("{err}."))
            })?;
            if pass_phrase.is_none() {
                pass_phrase = profile
                    .pass_phrase
                    .as_ref()
                    .map(|p| Zeroizing::new(secrecy::ExposeSecret::expose_secret(p).to_owned()));
            }
            let session = profile.security_token_file.is_some().then(|| profile.name.clone());
            (profile.tenancy, profile.user, Some(profile.fingerprint), profile.region.id().to_owned(), session)
        }
        CredentialSource::SessionToken { region } => {
            (String::new(), String::new(), None, check_region(&region)?, Some("DEFAULT".to_owned()))
        }
        CredentialSource::InstancePrincipal | CredentialSource::ResourcePrincipal => {
            return Err(AppError::Internal(anyhow::anyhow!("host principals are checked by check_host_principal")));
        }
    };
    let secret = pass_phrase.as_ref().map(|p| SecretString::from(p.as_str().to_owned()));
    let key = PrivateKey::from_pem(private_key.as_bytes(), secret.as_ref()).map_err(|err| {
        let field = match err {
            KeyError::PassphraseRequired | KeyError::WrongPassphrase => "pass_phrase",
            _ => "private_key",
        };
        AppError::invalid(field, format!("The private key cannot be used: {err}."))
    })?;
    if let Some(fingerprint) = &fingerprint
        && key.fingerprint() != fingerprint
    {
        return Err(AppError::invalid(
            "source.fingerprint",
            format!(
                "The fingerprint is {} but the uploaded key's is {}; upload the private key whose public half you added to the user in OCI, or correct the fingerprint.",
                fingerprint.as_str(),
                key.fingerprint().as_str()
            ),
        ));
    }
    let base = Checked {
        name,
        kind: ConnectionKind::ApiKey,
        tenancy,
        user,
        fingerprint: key.fingerprint().as_str().to_owned(),
        region,
        private_key: Some(private_key),
        pass_phrase,
        security_token: None,
        session_expires_at: None,
    };
    match session {
        None if security_token.is_some() => Err(AppError::invalid(
            "security_token",
            "A security token belongs to a session profile (one with security_token_file); leave it out for an API key.",
        )),
        None => Ok(base),
        Some(profile) => check_session(base, &key, security_token, &profile),
    }
}

/// The session part of a session-token connection: the token must be one OCI issued for the
/// uploaded key, in the profile's tenancy, and still valid.
fn check_session(
    mut checked: Checked,
    key: &PrivateKey,
    token: Option<Zeroizing<String>>,
    profile: &str,
) -> Result<Checked, AppError> {
    let renew = format!(
        "run `oci session authenticate --profile-name {profile} --region {}` and upload the new token file",
        checked.region
    );
    let token_text = token.ok_or_else(|| {
        AppError::invalid(
            "security_token",
            "Upload the session's token: the file the profile's security_token_file names (~/.oci/sessions/<profile>/token).",
        )
    })?;
    let token = SecurityToken::parse(&token_text)
        .map_err(|err| AppError::invalid("security_token", format!("The security token cannot be read: {err}.")))?;
    let claims = token.claims();
    let tenancy = claims.tenancy().unwrap_or_default().to_owned();
    if Ocid::parse_of(&tenancy, &["tenancy"]).is_none() || Ocid::parse(&claims.sub).is_none() {
        return Err(AppError::invalid(
            "security_token",
            "The security token names no tenancy or user; upload the token OCI issued.",
        ));
    }
    if !checked.tenancy.is_empty() && checked.tenancy != tenancy {
        return Err(AppError::invalid(
            "security_token",
            format!(
                "The token is for tenancy {tenancy}, the profile names {}; upload the profile's own token.",
                checked.tenancy
            ),
        ));
    }
    if !claims.valid_at(chrono::Utc::now(), chrono::TimeDelta::zero()) {
        return Err(AppError::invalid(
            "security_token",
            format!("The session expired at {}; {renew}.", claims.expires_at().to_rfc3339()),
        ));
    }
    if !Jwk::of_public_key_der(key.public_key_der()).is_some_and(|jwk| jwk.same_key(&claims.jwk)) {
        return Err(AppError::invalid(
            "private_key",
            "The key is not the session's: upload the key_file of the profile the token was made for (~/.oci/sessions/<profile>/oci_api_key.pem).",
        ));
    }
    checked.kind = ConnectionKind::SessionToken;
    checked.tenancy = tenancy;
    checked.user = claims.sub.clone();
    checked.session_expires_at = Some(claims.expires_at());
    checked.security_token = Some(Zeroizing::new(token.as_str().to_owned()));
    Ok(checked)
}

fn check_region(region: &str) -> Result<String, AppError> {
    Region::parse(region.trim())
        .map(|r| r.id().to_owned())
        .map_err(|err| AppError::invalid("source.region", format!("{err}.")))
}

fn check_ocid(value: &str, kind: &str, field: &str) -> Result<String, AppError> {
    if Ocid::parse_of(value, &[kind]).is_some() {
        Ok(value.to_owned())
    } else {
        Err(AppError::invalid(
            field,
            format!("\"{value}\" is not a {kind} OCID; copy it (ocid1.{kind}.oc1..aaaa…) from the OCI console."),
        ))
    }
}

/// [`check`] on the blocking pool: decrypting a key runs its KDF, which must not stall the async
/// workers (its cost is capped, see `oci::key::MAX_PBKDF2_ITERATIONS`).
pub async fn check_off_thread(request: CreateConnectionRequest) -> Result<Checked, AppError> {
    tokio::task::spawn_blocking(move || check(request))
        .await
        .map_err(|err| AppError::Internal(anyhow::anyhow!("checking a connection's key: {err}")))?
}

/// Checks an instance- or resource-principal connection: the operator must allow host
/// principals, and the host must be one (its metadata service answers, or it has the resource
/// principal environment). Tenancy, principal and region are read from the host.
pub async fn check_host_principal(state: &AppState, request: &CreateConnectionRequest) -> Result<Checked, AppError> {
    let name = check_name(&request.name)?;
    if !request.private_key.trim().is_empty() || request.security_token.is_some() {
        return Err(AppError::invalid(
            "private_key",
            "Instance and resource principals use the host's own identity; leave the key and token out.",
        ));
    }
    let base = |kind, tenancy: String, user: String, region: String| Checked {
        name: name.clone(),
        kind,
        tenancy,
        user,
        fingerprint: String::new(),
        region,
        private_key: None,
        pass_phrase: None,
        security_token: None,
        session_expires_at: None,
    };
    match request.source {
        CredentialSource::InstancePrincipal => {
            let metadata = MetadataClient::new(HTTP.clone(), &state.config.metadata_url);
            let unreachable = |err: crate::oci::error::OciError| AppError::invalid("source", format!("{err}."));
            let region = metadata.region().await.map_err(unreachable)?;
            let cert = metadata.get("identity/cert.pem").await.map_err(unreachable)?;
            let identity =
                pem::parse(&cert).ok().and_then(|p| crate::oci::certificate::identity(p.contents()).ok()).ok_or_else(
                    || AppError::invalid("source", "The metadata service's certificate names no tenancy; is it OCI's?"),
                )?;
            let region = Region::parse(&region)
                .map_err(|err| AppError::invalid("source", format!("The metadata service names {err}.")))?;
            Ok(base(ConnectionKind::InstancePrincipal, identity.tenancy, identity.instance, region.id().to_owned()))
        }
        CredentialSource::ResourcePrincipal => {
            let environment = state.config.resource_principal.as_ref().ok_or_else(|| {
                AppError::invalid(
                    "source",
                    "Signalbox is not running as an OCI resource: OCI_RESOURCE_PRINCIPAL_VERSION=2.2 with OCI_RESOURCE_PRINCIPAL_RPST, OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM and OCI_RESOURCE_PRINCIPAL_REGION are not all set.",
                )
            })?;
            let token = environment.current_token().map_err(|err| AppError::invalid("source", format!("{err}.")))?;
            let tenancy = token.claims().tenancy().unwrap_or_default().to_owned();
            let region = check_region(&environment.region)?;
            Ok(base(ConnectionKind::ResourcePrincipal, tenancy, token.claims().sub.clone(), region))
        }
        _ => Err(AppError::Internal(anyhow::anyhow!("not a host principal"))),
    }
}

/// Team `team_id`'s connection `connection_id`; a 404 naming both when the team has no such
/// connection.
pub async fn find(state: &AppState, team_id: i64, connection_id: i64) -> Result<ConnectionRow, AppError> {
    crate::db::connections::of_team_by_id(&state.pool, team_id, connection_id).await.map_err(|err| match err {
        crate::db::DbError::NotFound => {
            AppError::NotFound(format!("Team {team_id} has no connection {connection_id}."))
        }
        other => other.into(),
    })
}

/// A team's connection and a client signed with its key.
#[derive(Clone)]
pub struct Reached {
    /// The client.
    pub client: OciClient,
    /// The team's own tenancy of the embedded sandbox, for the built-in connection.
    pub sandbox: Option<crate::sandbox::Sandbox>,
}

impl Reached {
    /// Whether it is the built-in sandbox (which can reach loopback endpoints).
    pub fn is_sandbox(&self) -> bool {
        self.sandbox.is_some()
    }

    /// The same connection in `region` (a region id the region table knows, or a well-formed
    /// one for OCI itself); a 400 naming `region` otherwise. The built-in sandbox answers in
    /// every region of the table, each with resources of its own.
    pub fn in_region(self, state: &AppState, region: &str) -> Result<Reached, AppError> {
        let bad = || {
            AppError::invalid(
                "region",
                format!(
                    "\"{region}\" is not an OCI region id; use one such as eu-frankfurt-1 (the region list names them)."
                ),
            )
        };
        let parsed = Region::parse(region).map_err(|_| bad())?;
        if parsed.id() != region.trim() {
            return Err(bad());
        }
        let sandbox = match self.sandbox {
            Some(home) => {
                if parsed.short_code().is_none() {
                    return Err(bad());
                }
                Some(state.builtin.host.regional_tenant(home.tenancy(), &parsed))
            }
            None => None,
        };
        Ok(Reached { client: self.client.in_region(&parsed), sandbox })
    }
}

/// The client of a deployment: its connection's, in its region.
pub async fn reach_deployment(
    state: &AppState,
    row: &crate::db::deployments::DeploymentRow,
) -> Result<Reached, AppError> {
    Ok(reach_region(state, row.team_id, row.connection_id, row.region.as_deref()).await?.0)
}

/// The client of a team's connection in `region` (`None`, blank or the connection's own region:
/// its own), with the region as stored beside what is read there: `None` for the connection's
/// own. A bad region id is a 400 naming `region`.
pub async fn reach_region(
    state: &AppState,
    team_id: i64,
    connection_id: i64,
    region: Option<&str>,
) -> Result<(Reached, Option<String>), AppError> {
    let reached = reach(state, team_id, connection_id).await?;
    match region.map(str::trim).filter(|r| !r.is_empty() && *r != reached.client.region().id()) {
        Some(region) => Ok((reached.in_region(state, region)?, Some(region.to_owned()))),
        None => Ok((reached, None)),
    }
}

/// The client of a team's connection.
pub async fn reach(state: &AppState, team_id: i64, connection_id: i64) -> Result<Reached, AppError> {
    reach_row(state, &find(state, team_id, connection_id).await?).await
}

/// The client of a connection already read.
pub async fn reach_row(state: &AppState, row: &ConnectionRow) -> Result<Reached, AppError> {
    if row.kind() == ConnectionKind::Sandbox {
        let team = team_sandbox(state, row.team_id).await?;
        let client = team.client.with_write_log(state.inventory.own_writes.clone(), row.id);
        return Ok(Reached { client, sandbox: Some(team.sandbox) });
    }
    let client = client(state, &state.master_key, row).await?;
    Ok(Reached { client, sandbox: None })
}

/// The trimmed compartment OCID, or a 400 naming `field`.
pub fn check_compartment(field: &'static str, id: &str) -> Result<String, AppError> {
    let id = id.trim();
    if Ocid::parse_of(id, &["compartment", "tenancy"]).is_some() {
        Ok(id.to_owned())
    } else {
        Err(AppError::invalid(
            field,
            format!(
                "\"{id}\" is not a compartment OCID (ocid1.compartment.oc1..aaaa… or the tenancy OCID); pick one from the compartment list."
            ),
        ))
    }
}

/// Refuses, naming `field`, a path id that is not an OCID of `kind` (`onstopic`, `eventrule`, …):
/// OCI would answer "not found" for it, and the mistake is in the request, not in the cloud.
pub fn check_target(field: &'static str, id: &str, kind: &str) -> Result<(), AppError> {
    if Ocid::parse_of(id, &[kind]).is_some() {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            format!("\"{id}\" is not a {kind} OCID (ocid1.{kind}.oc1…); copy it from the list."),
        ))
    }
}

/// The team's own tenancy of the embedded sandbox and the client of its built-in connection.
pub async fn team_sandbox(state: &AppState, team_id: i64) -> Result<crate::builtin::TeamSandbox, AppError> {
    state
        .builtin
        .for_team(team_id)
        .await
        .map_err(|err| AppError::ConnectionUnusable(format!("The built-in sandbox connection cannot be used: {err}.")))
}

/// The signing client of a stored connection. Credentials that renew themselves (tokens) are
/// kept per connection for the life of the process ([`Credentials`](crate::oci::principal)), so a
/// token is exchanged once, not once per request; an API key is decrypted on the blocking pool.
pub async fn client(state: &AppState, master_key: &MasterKey, row: &ConnectionRow) -> Result<OciClient, AppError> {
    // Every client of a connection notes its writes, so the change feed skips them (see
    // `crate::oci::write_log`).
    let writes = state.inventory.own_writes.clone();
    if row.kind() == ConnectionKind::Sandbox {
        return Ok(team_sandbox(state, row.team_id).await?.client.with_write_log(writes, row.id));
    }
    let unusable = |why: &str| AppError::ConnectionUnusable(format!("Connection {} {why}", row.name));
    let region = Region::parse(&row.region).map_err(|err| unusable(&format!("has an unknown region ({err}).")))?;
    let kept = match cached(state, row) {
        Some(found) => found,
        None => {
            let made = Kept { credentials: credentials(state, master_key, row).await?, pace: Arc::default() };
            remember(state, row, made.clone());
            made
        }
    };
    let client = OciClient::with_credentials(HTTP.clone(), kept.credentials, region)
        .with_pace(kept.pace)
        .with_write_log(writes, row.id);
    Ok(match &state.config.oci_endpoint {
        Some(endpoint) => client.with_endpoint_for_all(endpoint),
        None => client,
    })
}

/// What a stored connection keeps between requests.
#[derive(Debug, Clone)]
pub struct Kept {
    /// How it signs (tokens renewed in place).
    credentials: Credentials,
    /// OCI's throttling as its calls learned it.
    pace: Arc<Pace>,
}

/// Forgets a connection's credentials (when it is deleted).
pub fn forget(state: &AppState, connection_id: i64) {
    state.credentials.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&connection_id);
}

fn cached(state: &AppState, row: &ConnectionRow) -> Option<Kept> {
    let cache = state.credentials.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Keyed by id and creation time: a deleted connection's id is never someone else's key.
    cache.get(&row.id).filter(|(created, _)| *created == row.created_at).map(|(_, c)| c.clone())
}

fn remember(state: &AppState, row: &ConnectionRow, kept: Kept) {
    let mut cache = state.credentials.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    cache.insert(row.id, (row.created_at, kept));
}

async fn credentials(state: &AppState, master_key: &MasterKey, row: &ConnectionRow) -> Result<Credentials, AppError> {
    let unusable = |why: &str| AppError::ConnectionUnusable(format!("Connection {} {why}", row.name));
    if row.kind().is_host_principal() && !state.config.host_principals {
        return Err(unusable(
            "acts as the host Signalbox runs on, which this server no longer allows (--host-principals is off).",
        ));
    }
    match row.kind() {
        ConnectionKind::InstancePrincipal => {
            let metadata = MetadataClient::new(HTTP.clone(), &state.config.metadata_url);
            let source = TokenSource::Instance { metadata };
            return Ok(Credentials::Token(Arc::new(TokenCredentials::new(source, None))));
        }
        ConnectionKind::ResourcePrincipal => {
            let environment = state.config.resource_principal.as_ref().ok_or_else(|| {
                unusable("needs the OCI_RESOURCE_PRINCIPAL_* environment, which this server no longer has.")
            })?;
            let source = environment.source();
            return Ok(Credentials::Token(Arc::new(TokenCredentials::new(source, None))));
        }
        _ => {}
    }
    let sealed = row.private_key_sealed.as_deref().ok_or_else(|| unusable("has no key; delete and re-create it."))?;
    let pem = master_key.open(sealed, &key_context(row.id)).map_err(|_| {
        unusable("cannot decrypt its key: the master key changed. Restore master.key or re-create the connection.")
    })?;
    let pass_phrase = match row.pass_phrase_sealed.as_deref() {
        Some(sealed) => {
            let plain = master_key
                .open(sealed, &pass_phrase_context(row.id))
                .map_err(|_| unusable("cannot decrypt its pass phrase: the master key changed."))?;
            Some(SecretString::from(String::from_utf8_lossy(&plain).into_owned()))
        }
        None => None,
    };
    let loaded = tokio::task::spawn_blocking(move || PrivateKey::from_pem(&pem, pass_phrase.as_ref()))
        .await
        .map_err(|err| AppError::Internal(anyhow::anyhow!("loading a connection's key: {err}")))?;
    let key = loaded.map_err(|err| unusable(&format!("has a key that no longer loads ({err}).")))?;
    if row.kind() != ConnectionKind::SessionToken {
        return Ok(Credentials::Key(Arc::new(ApiKey::new(&row.tenancy_ocid, &row.user_ocid, key))));
    }
    let sealed = row.security_token_sealed.as_deref().ok_or_else(|| unusable("has no session token."))?;
    let text = master_key
        .open(sealed, &security_token_context(row.id))
        .map_err(|_| unusable("cannot decrypt its session token: the master key changed."))?;
    let token = SecurityToken::parse(&String::from_utf8_lossy(&text))
        .map_err(|err| unusable(&format!("has a session token that no longer reads ({err}).")))?;
    let on_renew = store_renewed_token(state, row.id);
    // The profile the session came from is not kept: the renewal command names a placeholder.
    let source = TokenSource::Session { key: Arc::new(key), profile: None, on_renew: Some(on_renew) };
    Ok(Credentials::Token(Arc::new(TokenCredentials::new(source, Some(token)))))
}

/// Seals and stores each refreshed session token, so a restart carries on with the newest one.
fn store_renewed_token(state: &AppState, id: i64) -> crate::oci::principal::OnRenew {
    let state = state.clone();
    Arc::new(move |token: &str| {
        let Ok(parsed) = SecurityToken::parse(token) else { return };
        let sealed = state.master_key.seal(token.as_bytes(), &security_token_context(id));
        let pool = state.pool.clone();
        tokio::spawn(async move {
            let expires = parsed.claims().expires_at();
            if let Err(err) = crate::db::connections::set_security_token(&pool, id, &sealed, expires).await {
                tracing::warn!(connection = id, %err, "a refreshed session token could not be stored");
            }
        });
    })
}

/// The user a connection signs in as, when it signs in as one (not an instance or resource
/// principal).
pub fn user_of(row: &ConnectionRow) -> Option<String> {
    match row.kind() {
        ConnectionKind::Sandbox => Some(crate::builtin::BUILTIN_USER.to_owned()),
        ConnectionKind::ApiKey | ConnectionKind::SessionToken if !row.user_ocid.is_empty() => {
            Some(row.user_ocid.clone())
        }
        _ => None,
    }
}

/// The tenancy (root compartment) a connection works in.
pub fn tenancy(row: &ConnectionRow) -> String {
    match row.kind() {
        ConnectionKind::Sandbox => crate::builtin::tenancy_of(row.team_id),
        _ => row.tenancy_ocid.clone(),
    }
}
