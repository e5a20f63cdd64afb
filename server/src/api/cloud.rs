//! What every handler that changes something in OCI shares: reaching the connection, checking a
//! compartment OCID, and the audit row of the change.
//!
//! A change is one signed call and one audit row written after OCI answers: `ok` with the
//! before/after JSON and the `opc-request-id`, or `failed` with OCI's code when it refuses. Input
//! that fails validation never reaches OCI and leaves no row.

use super::ApiResult;
use super::connections::find;
use crate::auth::Caller;
use crate::connections;
use crate::db::DbError;
use crate::db::audit_events::NewAuditEvent;
use crate::db::connections::ConnectionRow;
use crate::error::AppError;
use crate::oci::client::OciClient;
use crate::oci::error::OciError;
use crate::oci::wire::is_ocid_of;
use crate::state::AppState;
use app::api::connections::ConnectionKind;

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
pub async fn reach(state: &AppState, team_id: i64, connection_id: i64) -> ApiResult<Reached> {
    let row: ConnectionRow = find(state, team_id, connection_id).await?;
    if row.kind() == ConnectionKind::Sandbox {
        let team = connections::team_sandbox(state, row.team_id).await?;
        return Ok(Reached { client: team.client, sandbox: Some(team.sandbox) });
    }
    let client = connections::client(state, &state.master_key, &row).await?;
    Ok(Reached { client, sandbox: None })
}

/// The trimmed compartment OCID, or a 400 naming `field`.
pub fn check_compartment(field: &'static str, id: &str) -> Result<String, AppError> {
    let id = id.trim();
    if is_ocid_of(id, &["compartment", "tenancy"]) {
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
    if is_ocid_of(id, &[kind]) {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            format!("\"{id}\" is not a {kind} OCID (ocid1.{kind}.oc1…); copy it from the list."),
        ))
    }
}

/// One change made through OCI, for its audit row.
#[derive(Clone, Copy)]
pub struct Change<'a> {
    /// Who makes it.
    pub caller: &'a Caller,
    /// In which team.
    pub team_id: i64,
    /// Through which connection.
    pub connection_id: i64,
    /// `topic.create`, `subscription.delete`, …
    pub action: &'a str,
    /// `topic`, `subscription`, `rule`.
    pub kind: &'a str,
    /// The target's name (or OCID when it has none).
    pub name: &'a str,
}

impl Change<'_> {
    /// Writes the audit row: `ok` with the request id, or `failed` with OCI's code. The
    /// compartment is read from the snapshot (after, else before), which every target carries.
    pub async fn record(
        &self,
        state: &AppState,
        target_id: Option<&str>,
        before: Option<&str>,
        after: Option<&str>,
        outcome: Result<Option<&str>, &OciError>,
    ) -> Result<(), AppError> {
        let (ok, request_id, detail) = match outcome {
            Ok(id) => (true, id.map(str::to_owned), None),
            Err(err) => (false, err.opc_request_id().map(str::to_owned), Some(err.to_string())),
        };
        let compartment = [after, before].into_iter().flatten().find_map(|json| {
            serde_json::from_str::<serde_json::Value>(json).ok()?["compartment_id"].as_str().map(str::to_owned)
        });
        let mut conn = state.pool.acquire().await.map_err(DbError::from)?;
        NewAuditEvent {
            team_id: Some(self.team_id),
            compartment_id: compartment.as_deref(),
            target_id: target_id.map(str::to_owned),
            ok,
            detail: detail.as_deref(),
            before_json: before,
            after_json: after,
            connection_id: Some(self.connection_id),
            opc_request_id: request_id.as_deref(),
            ..self.caller.audit(self.action, self.kind, String::new(), self.name)
        }
        .append(&mut conn)
        .await?;
        Ok(())
    }

    /// The answer to a read the change needs first (usually the target as it is before). OCI
    /// refusing that read refuses the change, so it is recorded the same way: a target that is
    /// gone, or that the connection's policies do not let it see, is an attempt worth auditing.
    pub async fn read<T>(
        &self,
        state: &AppState,
        target_id: Option<&str>,
        read: Result<T, OciError>,
    ) -> Result<T, AppError> {
        match read {
            Ok(value) => Ok(value),
            Err(err) => Err(self.refused(state, target_id, err).await),
        }
    }

    /// Records OCI's refusal and turns it into the API's error.
    pub async fn refused(&self, state: &AppState, target_id: Option<&str>, err: OciError) -> AppError {
        if let Err(audit) = self.record(state, target_id, None, None, Err(&err)).await {
            return audit;
        }
        AppError::Oci(err)
    }
}

/// JSON of a value for an audit row's before/after.
pub fn snapshot<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
