//! Functions a subscription or a rule action can target: the type of
//! `.../connections/{connection_id}/functions` and its client call.

use super::ApiError;
use serde::{Deserialize, Serialize};

/// A function, with the application it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FunctionSummary {
    /// Function OCID.
    pub id: String,
    /// Function name.
    pub name: String,
    /// Application name.
    pub application: String,
    /// Lifecycle state (`ACTIVE`, …).
    pub state: String,
}

/// Lists the functions of every application in a compartment.
pub async fn list_functions(
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
) -> Result<Vec<FunctionSummary>, ApiError> {
    super::get_json(&format!(
        "/teams/{team_id}/connections/{connection_id}/functions?compartment_id={}",
        super::urlencoding(compartment_id)
    ))
    .await
}
