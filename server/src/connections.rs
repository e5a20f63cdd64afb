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
use crate::oci::region::Region;
use crate::oci::signer::ApiKey;
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
    /// Tenancy OCID.
    pub tenancy: String,
    /// User OCID.
    pub user: String,
    /// Fingerprint, as the key has it.
    pub fingerprint: String,
    /// Region id.
    pub region: String,
    /// The key as given (PEM), to seal.
    pub private_key: Zeroizing<String>,
    /// The pass phrase, to seal.
    pub pass_phrase: Option<Zeroizing<String>>,
}

/// Sealing context of a connection's private key.
pub fn key_context(id: i64) -> String {
    format!("connection/{id}/private_key")
}

/// Sealing context of a connection's pass phrase.
pub fn pass_phrase_context(id: i64) -> String {
    format!("connection/{id}/pass_phrase")
}

/// Checks a create request; every error names its field and the fix.
pub fn check(request: CreateConnectionRequest) -> Result<Checked, AppError> {
    let name = request.name.trim().to_owned();
    if !(1..=100).contains(&name.chars().count()) {
        return Err(AppError::invalid(
            "name",
            "Name the connection (1 to 100 characters), such as \"prod-frankfurt\".",
        ));
    }
    app::model::text::check_one_line(&name).map_err(|m| AppError::invalid("name", m))?;
    let private_key = Zeroizing::new(request.private_key);
    let mut pass_phrase = request.pass_phrase.filter(|p| !p.is_empty()).map(Zeroizing::new);
    let (tenancy, user, fingerprint, region) = match request.source {
        CredentialSource::Fields { tenancy, user, fingerprint, region } => {
            let tenancy = check_ocid(tenancy.trim(), "tenancy", "source.tenancy")?;
            let user = check_ocid(user.trim(), "user", "source.user")?;
            let fingerprint = Fingerprint::parse(fingerprint.trim())
                .map_err(|err| AppError::invalid("source.fingerprint", format!("{err}.")))?;
            let region =
                Region::parse(region.trim()).map_err(|err| AppError::invalid("source.region", format!("{err}.")))?;
            (tenancy, user, fingerprint, region)
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
            (profile.tenancy, profile.user, profile.fingerprint, profile.region)
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
    if key.fingerprint() != &fingerprint {
        return Err(AppError::invalid(
            "source.fingerprint",
            format!(
                "The fingerprint is {} but the uploaded key's is {}; upload the private key whose public half you added to the user in OCI, or correct the fingerprint.",
                fingerprint.as_str(),
                key.fingerprint().as_str()
            ),
        ));
    }
    Ok(Checked {
        name,
        tenancy,
        user,
        fingerprint: fingerprint.as_str().to_owned(),
        region: region.id().to_owned(),
        private_key,
        pass_phrase,
    })
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
}

/// The client of a team's connection.
pub async fn reach(state: &AppState, team_id: i64, connection_id: i64) -> Result<Reached, AppError> {
    let row: ConnectionRow = find(state, team_id, connection_id).await?;
    if row.kind() == ConnectionKind::Sandbox {
        let team = team_sandbox(state, row.team_id).await?;
        return Ok(Reached { client: team.client, sandbox: Some(team.sandbox) });
    }
    let client = client(state, &state.master_key, &row).await?;
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

/// The signing client of a stored connection. Its key is decrypted on the blocking pool.
pub async fn client(state: &AppState, master_key: &MasterKey, row: &ConnectionRow) -> Result<OciClient, AppError> {
    if row.kind() == ConnectionKind::Sandbox {
        return Ok(team_sandbox(state, row.team_id).await?.client);
    }
    let unusable = |why: &str| AppError::ConnectionUnusable(format!("Connection {} {why}", row.name));
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
    let region = Region::parse(&row.region).map_err(|err| unusable(&format!("has an unknown region ({err}).")))?;
    let api_key = ApiKey::new(&row.tenancy_ocid, &row.user_ocid, key);
    Ok(OciClient::new(HTTP.clone(), Arc::new(api_key), region))
}

/// The tenancy (root compartment) a connection works in.
pub fn tenancy(row: &ConnectionRow) -> String {
    match row.kind() {
        ConnectionKind::Sandbox => crate::builtin::tenancy_of(row.team_id),
        ConnectionKind::ApiKey => row.tenancy_ocid.clone(),
    }
}
