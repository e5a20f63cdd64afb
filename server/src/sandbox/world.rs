//! The sandbox's state: one tenancy with its compartments and every emulated service's resources.
//!
//! All services live in one `World` behind one lock, because validation crosses services (a rule's
//! action must name an existing topic) and the state is small. Handlers lock, call a method of a
//! service's state half, and unlock; nothing awaits while holding the lock.

use super::audit::state::AuditState;
use super::compute::state::ComputeState;
use super::error::SandboxError;
use super::events::state::EventsState;
use super::functions::state::FunctionsState;
use super::identity::state::IdentityStore;
use super::objectstorage::state::StorageState;
use super::ons::state::OnsState;
use super::tracked::Tracked;
use app::model::ocid::Ocid;
use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::Value;
use std::collections::BTreeMap;

/// How long OCI honours a retry token.
const RETRY_TOKEN_TTL: TimeDelta = TimeDelta::hours(24);

/// A compartment of the sandbox tenancy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Compartment {
    /// OCID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Parent OCID (`None` for the root, the tenancy).
    pub parent: Option<String>,
}

/// Everything the sandbox emulates. Serialisable, so it can be persisted as one snapshot.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct World {
    /// Tenancy OCID (the root compartment).
    pub tenancy: String,
    /// Region id the sandbox pretends to be (`us-ashburn-1`).
    pub region: String,
    /// Region short code used in OCIDs (`iad`).
    pub region_code: String,
    /// Compartments by OCID.
    pub compartments: BTreeMap<String, Compartment>,
    /// Events rules.
    pub events: EventsState,
    /// Notifications topics and subscriptions.
    pub ons: OnsState,
    /// Compute instances.
    pub compute: ComputeState,
    /// Functions applications, functions and invocations.
    pub functions: FunctionsState,
    /// Every call served.
    pub audit: AuditState,
    /// Users and policies.
    pub identity: IdentityStore,
    /// Buckets and objects.
    pub storage: StorageState,
    /// What OSS actions wrote.
    pub stream_messages: std::collections::VecDeque<super::bus::StreamMessage>,
    /// Retry tokens seen, by `operation token`. Saved with the rest, so a create repeated after
    /// the process restarted still answers with the resource it made.
    #[serde(default, skip_serializing)]
    pub(super) retry_tokens: Tracked<RetryRecord>,
    /// When expired retry tokens were last removed.
    #[serde(skip)]
    retry_tokens_purged: Option<DateTime<Utc>>,
    /// Changes made by the call being served, emitted as events once it is done
    /// ([`super::bus::Announcement`]).
    #[serde(skip)]
    pub(super) announcements: Vec<super::bus::Announcement>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct RetryRecord {
    body_hash: String,
    resource_id: String,
    at: DateTime<Utc>,
}

/// What a retry token says about a create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// First use: go ahead and create.
    New,
    /// Seen before with the same body: answer with this resource.
    Existing(String),
}

impl World {
    /// A tenancy with the preset compartment tree: root, `prod` (with `prod/web`), `dev`, `shared`.
    pub fn new(tenancy: &str, region: &str, region_code: &str) -> Self {
        let mut world = Self {
            tenancy: tenancy.to_owned(),
            region: region.to_owned(),
            region_code: region_code.to_owned(),
            compartments: BTreeMap::new(),
            events: EventsState::default(),
            ons: OnsState::default(),
            compute: ComputeState::default(),
            functions: FunctionsState::default(),
            audit: AuditState::default(),
            identity: IdentityStore::default(),
            storage: StorageState::default(),
            stream_messages: Default::default(),
            retry_tokens: Tracked::default(),
            retry_tokens_purged: None,
            announcements: Vec::new(),
        };
        world
            .compartments
            .insert(tenancy.to_owned(), Compartment { id: tenancy.to_owned(), name: "sandbox".into(), parent: None });
        for (name, parent) in [("prod", None), ("dev", None), ("shared", None), ("web", Some("prod"))] {
            let parent_id = match parent {
                Some(parent) => world.compartment_named(parent).map(|c| c.id.clone()),
                None => Some(tenancy.to_owned()),
            };
            let id = format!("ocid1.compartment.oc1..sandbox{name}");
            world.compartments.insert(id.clone(), Compartment { id, name: name.into(), parent: parent_id });
        }
        world.ensure_administrators();
        world
    }

    /// The compartment called `name`.
    pub fn compartment_named(&self, name: &str) -> Option<&Compartment> {
        self.compartments.values().find(|c| c.name == name)
    }

    /// Checks a compartment OCID, creating the compartment under the root on first use so scripts
    /// written for a real tenancy run unchanged.
    pub fn ensure_compartment(&mut self, id: &str, field: &str) -> Result<(), SandboxError> {
        if self.compartments.contains_key(id) {
            return Ok(());
        }
        if Ocid::parse_of(id, &["compartment"]).is_none() {
            return Err(SandboxError::invalid_parameter(format!(
                "{field} \"{id}\" is not a compartment OCID (ocid1.compartment.oc1..<unique>)."
            )));
        }
        let name = id.rsplit('.').next().unwrap_or(id).to_owned();
        self.compartments
            .insert(id.to_owned(), Compartment { id: id.to_owned(), name, parent: Some(self.tenancy.clone()) });
        Ok(())
    }

    /// The compartment and every ancestor up to the root, nearest first.
    pub fn lineage(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = Some(id.to_owned());
        while let Some(id) = current {
            current = self.compartments.get(&id).and_then(|c| c.parent.clone());
            out.push(id);
            if out.len() > 64 {
                break;
            }
        }
        out
    }

    /// The compartment of any resource the sandbox holds, by OCID.
    pub fn compartment_of(&self, id: &str) -> Option<String> {
        if let Ok((rule, _)) = self.get_rule(id) {
            return Some(rule.compartment_id);
        }
        if let Ok((topic, _)) = self.get_topic(id) {
            return Some(topic.compartment_id);
        }
        [
            self.get_subscription(id).map(|s| s.compartment_id).ok(),
            self.get_instance(id).map(|i| i.compartment_id).ok(),
            self.get_application(id).map(|a| a.compartment_id).ok(),
            self.get_function(id).map(|f| f.compartment_id).ok(),
        ]
        .into_iter()
        .flatten()
        .next()
    }

    /// A fresh OCID of `kind` in this region.
    pub fn new_ocid(&self, kind: &str) -> String {
        format!("ocid1.{kind}.oc1.{}.{}", self.region_code, random_lowercase(60))
    }

    /// Looks up a retry token. The same token with another body is a conflict, as OCI's
    /// idempotency is for retries of one request (design choice; OCI's behaviour is undocumented).
    pub fn replay(
        &mut self,
        operation: &'static str,
        token: Option<&str>,
        body: &Value,
    ) -> Result<Replay, SandboxError> {
        let Some(token) = token else {
            return Ok(Replay::New);
        };
        if token.is_empty() || token.len() > 64 {
            return Err(SandboxError::invalid_parameter("opc-retry-token must be 1 to 64 characters."));
        }
        let now = Utc::now();
        // Expired tokens go at most once a minute: a scan per create would make creating
        // thousands of resources cost the square of their number.
        if self.retry_tokens_purged.is_none_or(|at| now - at > TimeDelta::minutes(1)) {
            self.retry_tokens.retain(|_, record| now - record.at < RETRY_TOKEN_TTL);
            self.retry_tokens_purged = Some(now);
        }
        match self.retry_tokens.get(&format!("{operation} {token}")) {
            None => Ok(Replay::New),
            Some(record) if now - record.at >= RETRY_TOKEN_TTL => Ok(Replay::New),
            Some(record) if record.body_hash != hash_json(body) => Err(SandboxError::conflict(
                "This opc-retry-token was used for a different request; use a new token for a new request.",
            )),
            Some(record) => Ok(Replay::Existing(record.resource_id.clone())),
        }
    }

    /// Remembers that `token` created `resource_id`.
    pub fn remember(&mut self, operation: &'static str, token: Option<&str>, body: &Value, resource_id: &str) {
        if let Some(token) = token {
            let record =
                RetryRecord { body_hash: hash_json(body), resource_id: resource_id.to_owned(), at: Utc::now() };
            self.retry_tokens.insert(format!("{operation} {token}"), record);
        }
    }
}

/// SHA-256 of the body's JSON text: stable across restarts, unlike `std`'s hasher.
fn hash_json(value: &Value) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, value.to_string().as_bytes()))
}

/// Random lowercase alphanumerics, as in OCIDs.
pub fn random_lowercase(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(|b| char::from(b).to_ascii_lowercase()).collect()
}

/// A new etag.
pub fn new_etag() -> String {
    format!("{:032x}", rand::rng().random::<u128>())
}

/// Checks an `if-match` header against the current etag.
pub fn check_etag(if_match: Option<&str>, current: &str, id: &str) -> Result<(), SandboxError> {
    match if_match {
        Some(wanted) if wanted != current => Err(SandboxError::no_etag_match(id)),
        _ => Ok(()),
    }
}

/// One page of `items` starting at the opaque `page` token, and the next token.
pub fn paginate<T: Clone>(
    items: &[T],
    limit: Option<u32>,
    page: Option<&str>,
    max: u32,
) -> Result<(Vec<T>, Option<String>), SandboxError> {
    let limit = limit.unwrap_or(10.min(max));
    if limit == 0 || limit > max {
        return Err(SandboxError::invalid_parameter(format!("limit must be between 1 and {max}.")));
    }
    let start = match page {
        None => 0,
        Some(token) => token.parse::<usize>().map_err(|_| {
            SandboxError::invalid_parameter(format!("page \"{token}\" is not a page token from opc-next-page."))
        })?,
    };
    let end = (start + limit as usize).min(items.len());
    let slice = items.get(start..end).map(<[T]>::to_vec).unwrap_or_default();
    let next = (end < items.len()).then(|| end.to_string());
    Ok((slice, next))
}
