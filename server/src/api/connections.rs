//! `/api/v1/teams/{team_id}/connections`: a team's OCI connections. Keys go in once, sealed;
//! nothing here ever answers with a key or a pass phrase.

use super::ApiResult;
use super::extract::Path;
use super::json::Json as JsonBody;
use crate::auth::Caller;
use crate::connections::{self, find, key_context, pass_phrase_context, security_token_context};
use crate::db::audit_events::NewAuditEvent;
use crate::db::connections::{ConnectionRow, NewConnection};
use crate::db::inventory_items::{self, Filter, Kind};
use crate::db::inventory_syncs::TREE;
use crate::db::{DbError, connections as table};
use crate::error::AppError;
use crate::inventory;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::connections::{CompartmentSummary, Connection, ConnectionKind, ConnectionTest, CreateConnectionRequest};
use axum::http::StatusCode;
use axum::{Extension, Json};
use std::collections::HashMap;
use std::time::Instant;

/// A connection as the API shows it: no key, no pass phrase.
fn summary(row: &ConnectionRow) -> Connection {
    Connection {
        id: row.id,
        team_id: row.team_id,
        name: row.name.clone(),
        kind: row.kind(),
        tenancy: row.tenancy_ocid.clone(),
        user: row.user_ocid.clone(),
        fingerprint: row.fingerprint.clone(),
        region: row.region.clone(),
        has_pass_phrase: row.pass_phrase_sealed.is_some(),
        session_expires_at: row.session_expires_at,
        created_at: row.created_at,
        last_test: row.last_test_message.as_deref().and_then(|json| serde_json::from_str(json).ok()),
    }
}

/// Handles `GET /api/v1/teams/{team_id}/connections`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections",
    tag = "connections",
    params(("team_id" = i64, Path, description = "Team id")),
    responses((status = 200, body = Vec<Connection>), (status = 403, body = ErrorBody))
)]
pub async fn list_connections(state: AppState, Path(team_id): Path<i64>) -> ApiResult<Json<Vec<Connection>>> {
    Ok(Json(table::of_team(&state.pool, team_id).await?.iter().map(summary).collect()))
}

/// Handles `POST /api/v1/teams/{team_id}/connections`: checks the credentials completely, then
/// stores them with the key sealed.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections",
    tag = "connections",
    params(("team_id" = i64, Path, description = "Team id")),
    request_body = CreateConnectionRequest,
    responses((status = 200, body = Connection), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn create_connection(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<i64>,
    JsonBody(request): JsonBody<CreateConnectionRequest>,
) -> ApiResult<Json<Connection>> {
    let checked = if request.source.is_host_principal() {
        // The host's own identity serves every team that uses it: the operator allows it, and
        // only a site administrator, signed in (not an API token), makes such a connection.
        if !state.config.host_principals {
            return Err(AppError::Forbidden(
                "Instance and resource principal connections are off on this server; the operator enables them with --host-principals.".into(),
            ));
        }
        if !(caller.is_session() && caller.user.is_site_admin) {
            return Err(AppError::Forbidden(
                "Only a site administrator, signed in, may connect with the host's own identity (instance or resource principal).".into(),
            ));
        }
        connections::check_host_principal(&state, &request).await?
    } else {
        connections::check_off_thread(request).await?
    };
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let id = NewConnection {
        team_id,
        name: &checked.name,
        kind: checked.kind,
        tenancy: &checked.tenancy,
        user: &checked.user,
        fingerprint: &checked.fingerprint,
        region: &checked.region,
        created_by: caller.user.id,
    }
    .insert(&mut tx)
    .await
    .map_err(|err| match err {
        DbError::Conflict => AppError::Conflict {
            field: "name".into(),
            message: format!("This team has a connection named {} already; choose another name.", checked.name),
        },
        other => other.into(),
    })?;
    let key = checked.private_key.as_ref().map(|k| state.master_key.seal(k.as_bytes(), &key_context(id)));
    let pass_phrase =
        checked.pass_phrase.as_ref().map(|p| state.master_key.seal(p.as_bytes(), &pass_phrase_context(id)));
    let token =
        checked.security_token.as_ref().map(|t| state.master_key.seal(t.as_bytes(), &security_token_context(id)));
    let secrets = table::Secrets {
        private_key: key.as_deref(),
        pass_phrase: pass_phrase.as_deref(),
        security_token: token.as_deref(),
        session_expires_at: checked.session_expires_at,
    };
    table::set_secrets(&mut tx, id, &secrets).await?;
    // What the audit trail keeps: everything but the key, the pass phrase and the token.
    let after = serde_json::json!({
        "name": checked.name,
        "kind": checked.kind.as_str(),
        "tenancy": checked.tenancy,
        "user": checked.user,
        "fingerprint": checked.fingerprint,
        "region": checked.region,
        "pass_phrase": checked.pass_phrase.as_ref().map(|_| "(set)"),
        "session_expires_at": checked.session_expires_at,
    })
    .to_string();
    let mut event = audit(&caller, "connection.create", team_id, id, &checked.name);
    event.after_json = Some(&after);
    event.append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(summary(&table::of_team_by_id(&state.pool, team_id, id).await?)))
}

/// Handles `DELETE /api/v1/teams/{team_id}/connections/{connection_id}`. The built-in sandbox
/// connection cannot be deleted.
#[utoipa::path(
    delete,
    path = "/teams/{team_id}/connections/{connection_id}",
    tag = "connections",
    params(("team_id" = i64, Path, description = "Team id"), ("connection_id" = i64, Path, description = "Connection id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn delete_connection(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let row = find(&state, team_id, connection_id).await?;
    if row.kind() == ConnectionKind::Sandbox {
        return Err(AppError::invalid("connection_id", "The built-in sandbox connection cannot be deleted."));
    }
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    table::delete(&mut tx, row.id).await?;
    connections::forget(&state, row.id);
    let before = serde_json::to_string(&summary(&row)).unwrap_or_default();
    let mut event = audit(&caller, "connection.delete", team_id, row.id, &row.name);
    event.before_json = Some(&before);
    event.append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Handles `POST /api/v1/teams/{team_id}/connections/{connection_id}/test`: one cheap signed call
/// (listing the tenancy's compartments), its outcome recorded and answered. An OCI refusal is a
/// result, not an error: the answer is 200 with `ok: false` and the remedy.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/test",
    tag = "connections",
    params(("team_id" = i64, Path, description = "Team id"), ("connection_id" = i64, Path, description = "Connection id")),
    responses((status = 200, body = ConnectionTest), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn test_connection(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
) -> ApiResult<Json<ConnectionTest>> {
    let row = find(&state, team_id, connection_id).await?;
    let client = connections::client(&state, &state.master_key, &row).await?;
    let started = Instant::now();
    let result = client.list_compartments(&connections::tenancy(&row), false, None).await;
    let took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let test = match result {
        Ok(response) => ConnectionTest {
            at: chrono::Utc::now(),
            ok: true,
            message: format!(
                "OCI accepted the signed request ({} compartment{} at the top level).",
                response.body.len(),
                if response.body.len() == 1 { "" } else { "s" }
            ),
            opc_request_id: response.opc_request_id,
            took_ms,
        },
        Err(err) => ConnectionTest {
            at: chrono::Utc::now(),
            ok: false,
            message: err.to_string(),
            opc_request_id: err.opc_request_id().map(str::to_owned),
            took_ms,
        },
    };
    let answer = serde_json::to_string(&test).map_err(|e| AppError::Internal(e.into()))?;
    table::record_test(&state.pool, row.id, test.at, test.ok, &answer).await?;
    Ok(Json(test))
}

/// `?refresh=` of the compartment list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct CompartmentsQuery {
    /// `true` re-reads the tree from OCI first (a compartment made elsewhere a moment ago).
    pub refresh: Option<bool>,
}

/// Handles `GET /api/v1/teams/{team_id}/connections/{connection_id}/compartments`: every
/// compartment the connection can see, in tree order with its path (from the inventory).
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/compartments",
    tag = "connections",
    params(("team_id" = i64, Path, description = "Team id"), ("connection_id" = i64, Path, description = "Connection id"), CompartmentsQuery),
    responses((status = 200, body = Vec<CompartmentSummary>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn list_compartments(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    super::extract::Query(query): super::extract::Query<CompartmentsQuery>,
) -> ApiResult<Json<Vec<CompartmentSummary>>> {
    let row = find(&state, team_id, connection_id).await?;
    inventory::ensure(&state, team_id, connection_id, TREE, query.refresh.unwrap_or(false)).await?;
    let mut conn = state.pool.acquire().await.map_err(DbError::from)?;
    let rows = inventory_items::all(&mut conn, connection_id, Kind::Compartment, &Filter::default()).await?;
    let tree = inventory::items::tree(&connections::tenancy(&row), &rows).map_err(anyhow::Error::from)?;
    Ok(Json(tree))
}

/// Orders compartments parent before children, siblings by name, each with its path.
pub(crate) fn tree_order(tenancy: &str, all: Vec<crate::oci::identity::Compartment>) -> Vec<CompartmentSummary> {
    let mut children: HashMap<String, Vec<crate::oci::identity::Compartment>> = HashMap::new();
    for compartment in all {
        children.entry(compartment.compartment_id.clone()).or_default().push(compartment);
    }
    let mut out = Vec::new();
    let mut stack: Vec<(String, String)> = vec![(tenancy.to_owned(), String::new())];
    while let Some((parent, prefix)) = stack.pop() {
        let mut kids = children.remove(&parent).unwrap_or_default();
        kids.sort_by(|a, b| b.name.cmp(&a.name));
        for kid in kids {
            let path = if prefix.is_empty() { kid.name.clone() } else { format!("{prefix}/{}", kid.name) };
            out.push(CompartmentSummary {
                id: kid.id.clone(),
                name: kid.name.clone(),
                parent_id: kid.compartment_id.clone(),
                path: path.clone(),
            });
            stack.push((kid.id, path));
        }
    }
    // Depth-first with a stack visits siblings in reverse; the paths sort into tree order.
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// An audit row of a change to connection `id`.
fn audit<'a>(caller: &'a Caller, action: &'a str, team_id: i64, id: i64, name: &'a str) -> NewAuditEvent<'a> {
    NewAuditEvent { team_id: Some(team_id), ..caller.audit(action, "connection", id.to_string(), name) }
}
