//! What the lists read from the inventory (the server's copy of what it last read from OCI) say
//! about themselves: how fresh they are, and where the next page starts.
//!
//! Lists are paged by keyset: a page ends with an opaque cursor naming its last row, and the next
//! page starts after it, so a page costs the same however deep it is and a row added meanwhile
//! is neither skipped nor shown twice.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most rows one page holds.
pub const MAX_PAGE: u32 = 200;
/// Rows in a page when the request does not say.
pub const DEFAULT_PAGE: u32 = 50;

/// How fresh the inventory of a compartment is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Freshness {
    /// When the last successful sync started reading OCI: what is shown is at least this fresh.
    pub synced_at: Option<DateTime<Utc>>,
    /// When the last sync failed, if it failed after the last success.
    pub failed_at: Option<DateTime<Utc>>,
    /// Why it failed, in words for the person looking.
    pub error: Option<String>,
    /// Whether a sync is reading OCI now (the list will be fresher on the next look).
    pub refreshing: bool,
    /// When this server last heard of a change here through an Events delivery to an inbox
    /// (changes then show within a second); none since it started when absent.
    #[serde(default)]
    pub heard_at: Option<DateTime<Utc>>,
    /// When the server answered: what "12 s ago" is counted from, on the server and in the
    /// browser alike.
    pub answered_at: DateTime<Utc>,
}

impl Freshness {
    /// Whether the last sync failed, so what is shown may be out of date.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// By name, A to Z.
    #[default]
    Name,
    /// Newest first.
    Newest,
    /// Oldest first (what has waited longest).
    Oldest,
}

impl Sort {
    /// Reads the `sort` query value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "name" => Some(Self::Name),
            "newest" => Some(Self::Newest),
            "oldest" => Some(Self::Oldest),
            _ => None,
        }
    }

    /// The `sort` query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Newest => "newest",
            Self::Oldest => "oldest",
        }
    }
}

/// Which page of a list to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// Order.
    pub sort: Sort,
    /// The cursor of the page before's last row (`next` of that page).
    pub after: Option<String>,
    /// The cursor of the page after's first row (`previous` of that page).
    pub before: Option<String>,
    /// Rows, 1 to [`MAX_PAGE`]; [`DEFAULT_PAGE`] when `None`.
    pub limit: Option<u32>,
    /// Re-read the compartment from OCI before answering.
    pub refresh: bool,
}

impl PageRequest {
    /// The query string parameters (each starting with `&`). The order is always given: lists
    /// differ in their default (subscriptions put the oldest first).
    pub fn query(&self) -> String {
        let mut query = format!("&sort={}", self.sort.as_str());
        if let Some(after) = &self.after {
            query.push_str(&format!("&after={}", super::urlencoding(after)));
        }
        if let Some(before) = &self.before {
            query.push_str(&format!("&before={}", super::urlencoding(before)));
        }
        if let Some(limit) = self.limit {
            query.push_str(&format!("&limit={limit}"));
        }
        if self.refresh {
            query.push_str("&refresh=true");
        }
        query
    }
}

/// A page of a list read from the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Rows matching the filters, on every page together.
    pub total: u64,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
    /// Pass as `before` for the page before; absent on the first.
    pub previous: Option<String>,
    /// How fresh the rows are.
    pub freshness: Freshness,
}

/// How fresh the inventory of a compartment is, for a page that shows one of its resources;
/// `refresh` re-reads the compartment from OCI first (a failure is told in the answer).
pub async fn get_freshness(
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
    refresh: bool,
) -> Result<Freshness, super::ApiError> {
    super::get_json(&format!(
        "/teams/{team_id}/connections/{connection_id}/inventory/freshness?compartment_id={}&refresh={refresh}",
        super::urlencoding(compartment_id)
    ))
    .await
}
