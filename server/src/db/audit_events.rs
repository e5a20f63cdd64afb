//! The `audit_events` table: append-only. No function here updates or deletes a row.

use super::DbError;
use sqlx::SqliteConnection;

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// The web UI (a session).
    Ui,
    /// An API token.
    Api,
    /// The signalbox command.
    Cli,
    /// The apply engine.
    Engine,
    /// Signalbox itself (bootstrap, schedules).
    #[default]
    System,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Ui => "ui",
            Source::Api => "api",
            Source::Cli => "cli",
            Source::Engine => "engine",
            Source::System => "system",
        }
    }
}

/// One audit row to append.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEvent<'a> {
    /// Acting user.
    pub actor_user_id: Option<i64>,
    /// Acting token.
    pub actor_token_id: Option<i64>,
    /// Name of the actor as it was then (a username, or what a failed login claimed to be).
    pub actor_name: &'a str,
    /// Team the change belongs to.
    pub team_id: Option<i64>,
    /// Where it came from.
    pub source: Source,
    /// `auth.login`, `user.create`, ...
    pub action: &'a str,
    /// `user`, `team`, `token`, ...
    pub target_kind: Option<&'a str>,
    /// Target id.
    pub target_id: Option<String>,
    /// Target name.
    pub target_name: Option<&'a str>,
    /// Whether it succeeded.
    pub ok: bool,
    /// Why it failed, or other detail (never a secret).
    pub detail: Option<&'a str>,
    /// Client address.
    pub client_ip: Option<String>,
    /// The target before the change, as JSON with secrets left out.
    pub before_json: Option<&'a str>,
    /// The target after the change, as JSON with secrets left out.
    pub after_json: Option<&'a str>,
    /// The connection the change went through.
    pub connection_id: Option<i64>,
    /// OCI's `opc-request-id` of the call that made the change.
    pub opc_request_id: Option<&'a str>,
}

impl NewAuditEvent<'_> {
    /// Appends the row, in the caller's transaction when it has one.
    #[tracing::instrument(skip_all)]
    pub async fn append(&self, conn: &mut SqliteConnection) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO audit_events (actor_user_id, actor_token_id, actor_name, team_id, source, action, target_kind, target_id, target_name, result, detail, client_ip, before_json, after_json, connection_id, opc_request_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) RETURNING id",
        )
        .bind(self.actor_user_id)
        .bind(self.actor_token_id)
        .bind(self.actor_name)
        .bind(self.team_id)
        .bind(self.source.as_str())
        .bind(self.action)
        .bind(self.target_kind)
        .bind(&self.target_id)
        .bind(self.target_name)
        .bind(if self.ok { "ok" } else { "failed" })
        .bind(self.detail)
        .bind(&self.client_ip)
        .bind(self.before_json)
        .bind(self.after_json)
        .bind(self.connection_id)
        .bind(self.opc_request_id)
        .fetch_one(conn)
        .await?)
    }
}
