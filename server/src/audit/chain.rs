//! The hash chain over `audit_events`.
//!
//! A row's hash is SHA-256 over the previous row's hash, a newline, and the row's canonical
//! content: a JSON object of every column except the two hashes, in a fixed field order. Changing
//! any value of a row changes its hash; removing a row breaks the link of the row after it; moving
//! a row changes its id, which is part of the content. The head of the chain (row count, last id,
//! last hash) is kept in `audit_chain`, so a tail removed with the rows is detected too, and
//! checkpoints (row count + head hash) written to the log catch a tail removed together with the
//! head.

use aws_lc_rs::digest::{SHA256, digest};
use serde::Serialize;

/// What a row's hash covers, in the order it is serialised.
#[derive(Debug, Serialize)]
pub struct Content<'a> {
    /// Row id (its position in the chain).
    pub id: i64,
    /// When it was written (RFC 3339, milliseconds, UTC).
    pub at: &'a str,
    /// Acting user.
    pub actor_user_id: Option<i64>,
    /// Acting token.
    pub actor_token_id: Option<i64>,
    /// Actor's name then.
    pub actor_name: &'a str,
    /// Team.
    pub team_id: Option<i64>,
    /// `ui`, `api`, `cli`, `engine`, `system`.
    pub source: &'a str,
    /// What was done.
    pub action: &'a str,
    /// Kind of target.
    pub target_kind: Option<&'a str>,
    /// Target id or OCID.
    pub target_id: Option<&'a str>,
    /// Target name.
    pub target_name: Option<&'a str>,
    /// Compartment of the target.
    pub compartment_id: Option<&'a str>,
    /// Connection the change went through.
    pub connection_id: Option<i64>,
    /// `ok` or `failed`.
    pub result: &'a str,
    /// Why it failed, or other detail.
    pub detail: Option<&'a str>,
    /// Client address.
    pub client_ip: Option<&'a str>,
    /// Target before.
    pub before_json: Option<&'a str>,
    /// Target after.
    pub after_json: Option<&'a str>,
    /// OCI request id(s).
    pub opc_request_id: Option<&'a str>,
    /// Apply run the change belongs to.
    pub apply_run_id: Option<i64>,
}

impl Content<'_> {
    /// The row's hash, chained to `prev_hash` (empty for the first row).
    pub fn hash(&self, prev_hash: &str) -> String {
        // Serialising a struct of strings and integers cannot fail.
        let canonical = serde_json::to_string(self).unwrap_or_default();
        let mut input = Vec::with_capacity(prev_hash.len() + 1 + canonical.len());
        input.extend_from_slice(prev_hash.as_bytes());
        input.push(b'\n');
        input.extend_from_slice(canonical.as_bytes());
        hex::encode(digest(&SHA256, &input))
    }
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The row's content no longer matches its hash.
    Changed { id: i64 },
    /// Rows are missing between two rows.
    Missing { after: i64, id: i64 },
    /// The row does not chain onto the row before it (rows were reordered or replaced).
    Unlinked { id: i64, previous: i64 },
    /// The row was never sealed.
    Unsealed { id: i64 },
    /// The chain is shorter than its head says: rows at the end were removed.
    Truncated { last_id: i64, expected_last_id: i64, rows: i64, expected_rows: i64 },
    /// A checkpoint from the log does not match the chain.
    Checkpoint { rows: i64, expected: String, found: Option<String> },
}

impl Break {
    /// The first row at fault, when one row can be named.
    pub fn row(&self) -> Option<i64> {
        match self {
            Break::Changed { id } | Break::Missing { id, .. } | Break::Unlinked { id, .. } | Break::Unsealed { id } => {
                Some(*id)
            }
            Break::Truncated { last_id, .. } => Some(*last_id),
            Break::Checkpoint { .. } => None,
        }
    }
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Changed { id } => {
                write!(f, "row {id} was changed or moved after it was written (its content no longer matches its hash)")
            }
            Break::Missing { after, id } if id - after == 2 => {
                write!(f, "row {} is missing (the chain goes from row {after} to row {id})", after + 1)
            }
            Break::Missing { after, id } => {
                write!(f, "rows {} to {} are missing (the chain goes from row {after} to row {id})", after + 1, id - 1)
            }
            Break::Unlinked { id, previous } => write!(
                f,
                "row {id} does not follow row {previous}: rows were reordered, replaced or removed between them"
            ),
            Break::Unsealed { id } => write!(f, "row {id} has no hash: it was inserted behind Signalbox's back"),
            Break::Truncated { last_id, expected_last_id, rows, expected_rows } => write!(
                f,
                "the chain ends at row {last_id} ({rows} rows) but its head says row {expected_last_id} ({expected_rows} rows): rows at the end were removed"
            ),
            Break::Checkpoint { rows, expected, found: Some(found) } => write!(
                f,
                "checkpoint at {rows} rows expects head {expected}, the chain has {found} there: rows up to it were changed"
            ),
            Break::Checkpoint { rows, expected, found: None } => {
                write!(
                    f,
                    "checkpoint at {rows} rows (head {expected}) is beyond the end of the chain: rows were removed"
                )
            }
        }
    }
}

/// A checkpoint: the chain had `rows` rows and its last hash was `head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Rows covered.
    pub rows: i64,
    /// Hash of the last of them.
    pub head: String,
}

impl std::str::FromStr for Checkpoint {
    type Err = String;

    /// `ROWS:HASH`, as the checkpoint log line prints it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (rows, head) = s.split_once(':').ok_or("expected ROWS:HASH, e.g. 1000:3f2a…")?;
        let rows = rows.trim().parse().map_err(|_| format!("\"{rows}\" is not a row count"))?;
        let head = head.trim().to_ascii_lowercase();
        if head.len() != 64 || !head.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("\"{head}\" is not a SHA-256 hash (64 hex digits)"));
        }
        Ok(Checkpoint { rows, head })
    }
}

/// Where the chain starts: after the rows retention pruning removed (zero and empty when none
/// were).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Start {
    /// Rows removed.
    pub rows: i64,
    /// Id of the last row removed.
    pub id: i64,
    /// Hash of the last row removed, which the first row kept chains onto.
    pub hash: String,
}

/// Walks rows in id order and finds the first break.
#[derive(Debug)]
pub struct Verifier {
    previous_id: i64,
    previous_hash: String,
    rows: i64,
    checkpoints: Vec<Checkpoint>,
    broken: Option<Break>,
}

impl Verifier {
    /// Starts after the pruned part of the chain, checking `checkpoints` on the way. Checkpoints
    /// inside the pruned part can no longer be checked, except the one at its very end, which
    /// the pruned hash must match.
    pub fn new(start: &Start, mut checkpoints: Vec<Checkpoint>) -> Self {
        checkpoints.sort_by_key(|c| c.rows);
        let broken = checkpoints
            .iter()
            .find(|c| start.rows > 0 && c.rows == start.rows && c.head != start.hash)
            .map(|c| Break::Checkpoint { rows: c.rows, expected: c.head.clone(), found: Some(start.hash.clone()) });
        checkpoints.retain(|c| c.rows > start.rows);
        Verifier { previous_id: start.id, previous_hash: start.hash.clone(), rows: start.rows, checkpoints, broken }
    }

    /// Continues a check that found the chain intact up to row `after_id` (hash `after_hash`,
    /// `rows` rows): only rows written since are read.
    pub fn resume(after_id: i64, after_hash: &str, rows: i64) -> Self {
        Verifier {
            previous_id: after_id,
            previous_hash: after_hash.to_owned(),
            rows,
            checkpoints: Vec::new(),
            broken: None,
        }
    }

    /// Checks the next row; returns `false` once the chain is broken.
    pub fn push(&mut self, content: &Content<'_>, prev_hash: Option<&str>, hash: Option<&str>) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let id = content.id;
        let broken = match (prev_hash, hash) {
            (_, None) | (None, _) => Some(Break::Unsealed { id }),
            (Some(prev), Some(hash)) => {
                if content.hash(prev) != hash {
                    Some(Break::Changed { id })
                } else if prev != self.previous_hash {
                    if id > self.previous_id + 1 {
                        Some(Break::Missing { after: self.previous_id, id })
                    } else {
                        Some(Break::Unlinked { id, previous: self.previous_id })
                    }
                } else {
                    None
                }
            }
        };
        if let Some(broken) = broken {
            self.broken = Some(broken);
            return false;
        }
        self.rows += 1;
        self.previous_id = id;
        self.previous_hash = hash.unwrap_or_default().to_owned();
        if let Some(checkpoint) = self.checkpoints.iter().find(|c| c.rows == self.rows)
            && checkpoint.head != self.previous_hash
        {
            self.broken = Some(Break::Checkpoint {
                rows: checkpoint.rows,
                expected: checkpoint.head.clone(),
                found: Some(self.previous_hash.clone()),
            });
            return false;
        }
        true
    }

    /// The outcome, given the head the database records.
    pub fn finish(self, head_rows: i64, head_last_id: i64) -> Verification {
        let mut broken = self.broken;
        if broken.is_none() && (self.rows < head_rows || self.previous_id < head_last_id) {
            broken = Some(Break::Truncated {
                last_id: self.previous_id,
                expected_last_id: head_last_id,
                rows: self.rows,
                expected_rows: head_rows,
            });
        }
        if broken.is_none()
            && let Some(beyond) = self.checkpoints.iter().find(|c| c.rows > self.rows)
        {
            broken = Some(Break::Checkpoint { rows: beyond.rows, expected: beyond.head.clone(), found: None });
        }
        Verification { rows: self.rows, last_id: self.previous_id, head: self.previous_hash, broken }
    }
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Rows checked before the first break (all of them when intact).
    pub rows: i64,
    /// Id of the last intact row.
    pub last_id: i64,
    /// Hash of the last intact row.
    pub head: String,
    /// The first break, if any.
    pub broken: Option<Break>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(id: i64, action: &str) -> Content<'_> {
        Content {
            id,
            at: "2026-11-30T12:00:00.000Z",
            actor_user_id: Some(1),
            actor_token_id: None,
            actor_name: "admin",
            team_id: Some(1),
            source: "ui",
            action,
            target_kind: Some("rule"),
            target_id: None,
            target_name: Some("r"),
            compartment_id: None,
            connection_id: None,
            result: "ok",
            detail: None,
            client_ip: None,
            before_json: None,
            after_json: Some("{\"a\":1}"),
            opc_request_id: None,
            apply_run_id: None,
        }
    }

    #[test]
    fn hash_is_stable_and_covers_every_field_and_the_link() {
        let row = content(1, "rule.create");
        assert_eq!(row.hash(""), row.hash(""));
        assert_eq!(row.hash("").len(), 64);
        assert_ne!(row.hash(""), row.hash("x"), "the previous hash is part of it");
        assert_ne!(row.hash(""), content(1, "rule.update").hash(""));
        assert_ne!(row.hash(""), content(2, "rule.create").hash(""), "the position is part of it");
    }

    #[test]
    fn checkpoints_parse_from_the_log_form() {
        let hash = "ab".repeat(32);
        assert_eq!(format!("1000:{hash}").parse::<Checkpoint>(), Ok(Checkpoint { rows: 1000, head: hash.clone() }));
        assert!("1000".parse::<Checkpoint>().is_err());
        assert!("x:ab".parse::<Checkpoint>().is_err());
        assert!(format!("10:{}", &hash[..10]).parse::<Checkpoint>().is_err());
    }
}
