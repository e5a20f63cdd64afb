//! The audit row of a change made in OCI, shared by the handlers and by background work (Verify).
//!
//! A change is one signed call and one audit row written after OCI answers: `ok` with the
//! before/after JSON and the `opc-request-id`, or `failed` with OCI's code when it refuses. Input
//! that fails validation never reaches OCI and leaves no row.

use crate::auth::Caller;
use crate::db::DbError;
use crate::db::audit_events::NewAuditEvent;
use crate::error::AppError;
use crate::oci::error::OciError;
use crate::state::AppState;

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
