//! The `inventory_items` table: rules, topics, subscriptions, functions and compartments as
//! Signalbox last read them from OCI.
//!
//! Every row carries the time of the read it comes from, and a write keeps the newer read: a sync
//! that listed a compartment before a rule was changed through Signalbox cannot put the old rule
//! back, and a rule deleted through Signalbox stays gone (a tombstone) until a sync that started
//! after the delete no longer lists it.

use super::Conn;
use super::DbError;
use super::builder::Builder;
use app::api::inventory::Sort;

/// What a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An Events rule.
    Rule,
    /// A Notifications topic.
    Topic,
    /// A Notifications subscription.
    Subscription,
    /// A function.
    Function,
    /// A compartment (its `compartment_id` is its parent).
    Compartment,
}

impl Kind {
    /// The `kind` column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rule => "rule",
            Self::Topic => "topic",
            Self::Subscription => "subscription",
            Self::Function => "function",
            Self::Compartment => "compartment",
        }
    }
}

/// A resource as read, ready to store.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// What it is.
    pub kind: Kind,
    /// OCID.
    pub id: String,
    /// Its compartment (a compartment's parent).
    pub compartment_id: String,
    /// Display name, sorted case-insensitively.
    pub name: String,
    /// Creation time, RFC 3339 in UTC with microseconds (so it sorts as text).
    pub created_at: String,
    /// Lifecycle state.
    pub state: String,
    /// Rules: enabled or not.
    pub enabled: Option<bool>,
    /// A subscription's topic.
    pub parent_id: Option<String>,
    /// Text the `q` filter finds (lower-cased here).
    pub search: String,
    /// Rules: action kinds and targets, space-separated (`None` until the rule's actions are read).
    pub targets: Option<String>,
    /// The API's JSON for it.
    pub body: String,
}

/// A stored row, as lists need it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    /// OCID.
    pub id: String,
    /// Lower-cased name.
    pub sort_name: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// The API's JSON.
    pub body: String,
    /// Rules: the actions' JSON, once read.
    pub actions: Option<String>,
}

/// Stores `item` as read at `read_at` (Unix ms), unless a newer read of it is stored. `actions`
/// (rules) keeps the stored actions when `None`.
pub async fn upsert(
    conn: &mut Conn,
    connection_id: i64,
    item: &NewItem,
    actions: Option<&str>,
    read_at: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO inventory_items \
         (connection_id, kind, id, compartment_id, sort_name, created_at, state, enabled, parent_id, search, targets, \
          body, actions, read_at, gone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0) \
         ON CONFLICT (connection_id, kind, id) DO UPDATE SET \
           compartment_id = excluded.compartment_id, sort_name = excluded.sort_name, \
           created_at = excluded.created_at, state = excluded.state, enabled = excluded.enabled, \
           parent_id = excluded.parent_id, search = excluded.search, \
           targets = coalesce(excluded.targets, inventory_items.targets), body = excluded.body, \
           actions = coalesce(excluded.actions, inventory_items.actions), read_at = excluded.read_at, gone = 0 \
         WHERE inventory_items.read_at <= excluded.read_at",
    )
    .bind(connection_id)
    .bind(item.kind.as_str())
    .bind(&item.id)
    .bind(&item.compartment_id)
    .bind(item.name.to_lowercase())
    .bind(&item.created_at)
    .bind(&item.state)
    .bind(item.enabled.map(i64::from))
    .bind(&item.parent_id)
    .bind(item.search.to_lowercase())
    .bind(&item.targets)
    .bind(&item.body)
    .bind(actions)
    .bind(read_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks a resource deleted as of `read_at`: lists stop showing it, and a sync that read it
/// earlier cannot bring it back.
pub async fn mark_gone(conn: &mut Conn, connection_id: i64, kind: Kind, id: &str, read_at: i64) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE inventory_items SET gone = 1, read_at = $4 \
         WHERE connection_id = $1 AND kind = $2 AND id = $3 AND read_at <= $4",
    )
    .bind(connection_id)
    .bind(kind.as_str())
    .bind(id)
    .bind(read_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The kind, id and body of every row of a compartment (the compartment tree aside), to tell
/// whether a sync changed anything.
pub async fn bodies(
    conn: &mut Conn,
    connection_id: i64,
    compartment_id: &str,
) -> Result<Vec<(String, String, String)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT kind, id, body FROM inventory_items WHERE connection_id = $1 AND compartment_id = $2 \
         AND kind != 'compartment' AND gone = 0",
    )
    .bind(connection_id)
    .bind(compartment_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// When the stored copy of a resource (of any kind) was read, in Unix ms.
pub async fn read_at(conn: &mut Conn, connection_id: i64, id: &str) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar("SELECT max(read_at) FROM inventory_items WHERE connection_id = $1 AND id = $2")
        .bind(connection_id)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// The compartment a stored resource is in.
pub async fn compartment_of(
    conn: &mut Conn,
    connection_id: i64,
    kind: Kind,
    id: &str,
) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT compartment_id FROM inventory_items WHERE connection_id = $1 AND kind = $2 AND id = $3",
    )
    .bind(connection_id)
    .bind(kind.as_str())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Removes the rows of `kind` (in `compartment_id`, or anywhere when `None`) read before
/// `read_before`: what a complete listing that started then no longer showed.
pub async fn remove_unseen(
    conn: &mut Conn,
    connection_id: i64,
    kind: Kind,
    compartment_id: Option<&str>,
    read_before: i64,
) -> Result<u64, DbError> {
    let done = sqlx::query(
        "DELETE FROM inventory_items WHERE connection_id = $1 AND kind = $2 \
         AND ($3 IS NULL OR compartment_id = $3) AND read_at < $4",
    )
    .bind(connection_id)
    .bind(kind.as_str())
    .bind(compartment_id)
    .bind(read_before)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The rows a list may show.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    /// Only in this compartment.
    pub compartment_id: Option<&'a str>,
    /// Only in this lifecycle state.
    pub state: Option<&'a str>,
    /// Rules: only enabled or only disabled.
    pub enabled: Option<bool>,
    /// Rules: only with actions of these kinds or to these targets (`ONS`, an OCID), all of them.
    pub targets: &'a [String],
    /// Only whose search text contains this (any case).
    pub text: Option<&'a str>,
    /// Subscriptions: only of this topic.
    pub parent_id: Option<&'a str>,
}

/// Where a page starts: after or before the row with this sort value and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seek {
    /// From the start.
    First,
    /// The rows after this one.
    After(String, String),
    /// The rows before this one.
    Before(String, String),
}

fn filtered<'q>(query: &mut Builder<'q>, connection_id: i64, kind: Kind, filter: &Filter<'q>) {
    query.push(" WHERE connection_id = ").push_bind(connection_id);
    query.push(" AND kind = ").push_bind(kind.as_str()).push(" AND gone = 0");
    if let Some(compartment) = filter.compartment_id {
        query.push(" AND compartment_id = ").push_bind(compartment);
    }
    if let Some(state) = filter.state {
        query.push(" AND state = ").push_bind(state);
    }
    if let Some(enabled) = filter.enabled {
        query.push(" AND enabled = ").push_bind(i64::from(enabled));
    }
    for target in filter.targets {
        query.push(" AND instr(targets, ").push_bind(format!(" {target} ")).push(") > 0");
    }
    if let Some(text) = filter.text {
        query.push(" AND instr(search, ").push_bind(text.to_lowercase()).push(") > 0");
    }
    if let Some(parent) = filter.parent_id {
        query.push(" AND parent_id = ").push_bind(parent);
    }
}

/// How many rows match `filter`.
pub async fn count(conn: &mut Conn, connection_id: i64, kind: Kind, filter: &Filter<'_>) -> Result<u64, DbError> {
    let mut query = Builder::new("SELECT count(*) FROM inventory_items");
    filtered(&mut query, connection_id, kind, filter);
    let (n,): (i64,) = query.build_query_as()?.fetch_one(&mut *conn).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Up to `limit` rows matching `filter` in `sort` order from `seek`, in display order.
pub async fn page(
    conn: &mut Conn,
    connection_id: i64,
    kind: Kind,
    filter: &Filter<'_>,
    sort: Sort,
    seek: &Seek,
    limit: u32,
) -> Result<Vec<ItemRow>, DbError> {
    let column = match sort {
        Sort::Name => "sort_name",
        Sort::Newest | Sort::Oldest => "created_at",
    };
    // Display order: names and oldest ascending, newest descending. Reading backwards flips it.
    let ascending = matches!(sort, Sort::Name | Sort::Oldest) != matches!(seek, Seek::Before(..));
    let mut query = Builder::new("SELECT id, sort_name, created_at, body, actions FROM inventory_items");
    filtered(&mut query, connection_id, kind, filter);
    if let Seek::After(value, id) | Seek::Before(value, id) = seek {
        let op = if ascending { ">" } else { "<" };
        query.push(format!(" AND ({column}, id) {op} ("));
        query.push_bind(value.clone()).push(", ").push_bind(id.clone()).push(")");
    }
    let direction = if ascending { "ASC" } else { "DESC" };
    query.push(format!(" ORDER BY {column} {direction}, id {direction} LIMIT ")).push_bind(i64::from(limit));
    let mut rows: Vec<ItemRow> = query.build_query_as()?.fetch_all(&mut *conn).await?;
    if matches!(seek, Seek::Before(..)) {
        rows.reverse();
    }
    Ok(rows)
}

/// Every row of `kind` matching `filter`, in name order (short lists: pickers, counts).
pub async fn all(
    conn: &mut Conn,
    connection_id: i64,
    kind: Kind,
    filter: &Filter<'_>,
) -> Result<Vec<ItemRow>, DbError> {
    let mut query = Builder::new("SELECT id, sort_name, created_at, body, actions FROM inventory_items");
    filtered(&mut query, connection_id, kind, filter);
    query.push(" ORDER BY sort_name, id");
    Ok(query.build_query_as()?.fetch_all(&mut *conn).await?)
}

/// One stored row, if it is there and not gone.
pub async fn find(conn: &mut Conn, connection_id: i64, kind: Kind, id: &str) -> Result<Option<ItemRow>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, sort_name, created_at, body, actions FROM inventory_items \
         WHERE connection_id = $1 AND kind = $2 AND id = $3 AND gone = 0",
    )
    .bind(connection_id)
    .bind(kind.as_str())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Subscriptions by topic and state in a compartment: `(topic_id, state, count)`.
pub async fn subscription_states(
    conn: &mut Conn,
    connection_id: i64,
    compartment_id: &str,
) -> Result<Vec<(String, String, i64)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT parent_id, state, count(*) FROM inventory_items \
         WHERE connection_id = $1 AND kind = 'subscription' AND compartment_id = $2 AND gone = 0 \
         AND parent_id IS NOT NULL GROUP BY parent_id, state",
    )
    .bind(connection_id)
    .bind(compartment_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The ids of rules in a compartment whose actions have not been read yet.
pub async fn rules_without_actions(
    conn: &mut Conn,
    connection_id: i64,
    compartment_id: &str,
) -> Result<Vec<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM inventory_items WHERE connection_id = $1 AND kind = 'rule' AND compartment_id = $2 \
         AND gone = 0 AND actions IS NULL",
    )
    .bind(connection_id)
    .bind(compartment_id)
    .fetch_all(&mut *conn)
    .await?)
}
