//! The `deployment_resources` table: the OCIDs a deployment owns, by kind and template key. A
//! step of an apply writes its row in the same transaction that marks the step done.

use super::Conn;
use super::DbError;
use app::template::plan::{Owned, ResourceKind};
use sqlx::{Any, Executor};

/// A row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResourceRow {
    /// `topic`, `subscription`, `rule`.
    pub kind: String,
    /// Template key.
    pub key: String,
    /// OCID.
    pub ocid: String,
    /// Name (a subscription's endpoint, redacted).
    pub name: String,
}

impl ResourceRow {
    /// The kind, parsed (the table's CHECK admits only known kinds).
    pub fn resource_kind(&self) -> ResourceKind {
        ResourceKind::parse(&self.kind).unwrap_or(ResourceKind::Topic)
    }

    /// As the planner takes it.
    pub fn owned(&self) -> Owned {
        Owned { kind: self.resource_kind(), key: self.key.clone(), id: self.ocid.clone() }
    }
}

/// What a deployment owns: topics, subscriptions, rules, each by key.
pub async fn of_deployment<'c>(
    executor: impl Executor<'c, Database = Any>,
    deployment_id: i64,
) -> Result<Vec<ResourceRow>, DbError> {
    Ok(sqlx::query_as(
        "SELECT kind, key, ocid, name FROM deployment_resources WHERE deployment_id = $1 \
         ORDER BY CASE kind WHEN 'topic' THEN 0 WHEN 'subscription' THEN 1 ELSE 2 END, key",
    )
    .bind(deployment_id)
    .fetch_all(executor)
    .await?)
}

/// What a deployment owns, as the planner takes it.
pub async fn owned(pool: &crate::db::Pool, deployment_id: i64) -> Result<Vec<Owned>, DbError> {
    Ok(of_deployment(pool, deployment_id).await?.iter().map(ResourceRow::owned).collect())
}

/// The OCID owned for a key.
pub async fn ocid_of(
    conn: &mut Conn,
    deployment_id: i64,
    kind: ResourceKind,
    key: &str,
) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar("SELECT ocid FROM deployment_resources WHERE deployment_id = $1 AND kind = $2 AND key = $3")
        .bind(deployment_id)
        .bind(kind.as_str())
        .bind(key)
        .fetch_optional(conn)
        .await?)
}

/// Records (or replaces) the OCID owned for a key.
pub async fn put(
    conn: &mut Conn,
    deployment_id: i64,
    kind: ResourceKind,
    key: &str,
    ocid: &str,
    name: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO deployment_resources (deployment_id, kind, key, ocid, name) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (deployment_id, kind, key) DO UPDATE SET ocid = excluded.ocid, name = excluded.name",
    )
    .bind(deployment_id)
    .bind(kind.as_str())
    .bind(key)
    .bind(ocid)
    .bind(name)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets a resource once it is deleted (only while it is still the one owned for its key: a
/// replace's old half must not forget the new one).
pub async fn forget(conn: &mut Conn, deployment_id: i64, ocid: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM deployment_resources WHERE deployment_id = $1 AND ocid = $2")
        .bind(deployment_id)
        .bind(ocid)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets every key not in `keep` (resources gone from the cloud and from the template).
pub async fn keep_only(conn: &mut Conn, deployment_id: i64, keep: &[(ResourceKind, String)]) -> Result<(), DbError> {
    let mut query = super::builder::Builder::new("DELETE FROM deployment_resources WHERE deployment_id = ");
    query.push_bind(deployment_id);
    // `NOT IN (NULL)` would keep everything; an empty list forgets everything.
    if !keep.is_empty() {
        query
            .push(" AND kind || ':' || key NOT IN ")
            .push_list(keep.iter().map(|(k, key)| format!("{}:{key}", k.as_str())));
    }
    query.build_query()?.execute(conn).await?;
    Ok(())
}
