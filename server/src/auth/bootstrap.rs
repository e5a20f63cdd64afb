//! First run: when there are no users, create the first site administrator, `admin`, and a team
//! for them. The password comes from `SIGNALBOX_ADMIN_PASSWORD`; without it a one-time password is
//! generated, written to the log once, and must be changed at first login.

use super::password;
use crate::db::Pool;
use crate::db::audit_events::{NewAuditEvent, Source};
use crate::db::{DbError, teams, users};
use app::api::auth::Role;
use rand::Rng;
use rand::distr::Alphanumeric;
use secrecy::{ExposeSecret, SecretString};

/// Username of the first administrator.
pub const ADMIN_USERNAME: &str = "admin";

/// Name of the first team.
pub const FIRST_TEAM: &str = "Platform";

/// Why the first administrator could not be created.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The configured password breaks the policy.
    #[error("SIGNALBOX_ADMIN_PASSWORD is not acceptable: {0}")]
    Policy(password::PolicyError),
    /// The database refused.
    #[error("cannot create the first administrator: {0}")]
    Database(#[from] DbError),
    /// Hashing failed.
    #[error("cannot create the first administrator: {0}")]
    Hash(anyhow::Error),
}

/// Creates `admin` and the first team when the instance has no users yet.
pub async fn ensure_admin(pool: &Pool, configured: Option<&SecretString>) -> Result<(), BootstrapError> {
    if users::count(pool).await? > 0 {
        return Ok(());
    }
    let (secret, one_time) = match configured {
        Some(password) => {
            password::check_policy(ADMIN_USERNAME, password.expose_secret()).map_err(BootstrapError::Policy)?;
            (password.clone(), false)
        }
        None => {
            let generated: String = rand::rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect();
            (SecretString::from(generated), true)
        }
    };
    let hash = password::hash(&secret).await.map_err(BootstrapError::Hash)?;
    let mut tx = crate::db::begin(pool).await.map_err(DbError::from)?;
    let admin = users::NewUser {
        username: ADMIN_USERNAME,
        display_name: "Administrator",
        password_hash: &hash,
        must_change_password: one_time,
        is_site_admin: true,
    }
    .insert(&mut tx)
    .await?;
    let team = teams::insert(&mut tx, FIRST_TEAM).await?;
    teams::set_member(&mut tx, team.id, admin.id, Role::Admin).await?;
    NewAuditEvent {
        actor_user_id: None,
        actor_token_id: None,
        actor_name: "signalbox",
        team_id: Some(team.id),
        source: Source::System,
        action: "user.bootstrap",
        target_kind: Some("user"),
        target_id: Some(admin.id.to_string()),
        target_name: Some(ADMIN_USERNAME),
        ok: true,
        detail: Some(if one_time { "one-time password generated" } else { "password from SIGNALBOX_ADMIN_PASSWORD" }),
        client_ip: None,
        ..Default::default()
    }
    .append(&mut tx)
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    if one_time {
        // Shown once, on purpose: there is no other way to learn it.
        tracing::warn!(
            username = ADMIN_USERNAME,
            one_time_password = secret.expose_secret(),
            "first run: log in with this one-time password; you will be asked to choose a new one"
        );
    } else {
        tracing::info!(username = ADMIN_USERNAME, "first run: created the administrator with SIGNALBOX_ADMIN_PASSWORD");
    }
    Ok(())
}
