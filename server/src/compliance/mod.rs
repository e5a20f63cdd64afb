//! Compliance checks: every recommendation of [`app::compliance`] judged for every region and
//! compartment of a check's scope ([`judge`]) from what each region holds ([`read`]), stored as the
//! check's cells. A cell whose status changed (or that is seen failing for the first time) is an
//! audit row, and the check's topic, when it has one, is told of the changes in one message.
//! Checked on demand and every [`CHECK_EVERY`].

pub mod judge;
pub mod read;

use crate::apply::fanout::{TargetKey, compartment_names, resolve};
use crate::connections::{find, reach_row, tenancy};
use crate::db::DbError;
use crate::db::audit_events::NewAuditEvent;
use crate::db::compliance::{self, CheckRow, ResultRow};
use crate::error::AppError;
use crate::state::AppState;
use app::api::compliance::CellStatus;
use app::compliance::{RECOMMENDATIONS, Requirement};
use chrono::Utc;
use judge::{Verdict, Window};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

/// How often every check runs again.
pub const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

/// Room for the lines of a change message (OCI's limit is 64 KB).
const MESSAGE_ROOM: usize = 60 * 1024;

/// What a run found: the cells, and how many changed status.
pub struct Outcome {
    /// Every cell.
    pub cells: Vec<ResultRow>,
    /// Cells whose status changed.
    pub changed: usize,
}

/// Runs `check` now and stores its cells; `audit` names who asked (the schedule or a person).
/// The cloud failing to answer is a cell in error, not a failed run; a scope that no longer
/// resolves (a compartment deleted) is the run's error.
pub async fn run(state: &AppState, check: &CheckRow, audit: NewAuditEvent<'_>) -> Result<Outcome, AppError> {
    let connection = find(state, check.team_id, check.connection_id).await?;
    let home = reach_row(state, &connection).await?;
    let home_region = home.client.region().id().to_owned();
    let names = compartment_names(&home, &tenancy(&connection)).await?;
    let keys = resolve(&check.scope(), &home_region, &names)?;
    let name = |id: &str| names.get(id).map_or_else(|| id.to_owned(), |(name, _)| name.clone());
    let lineage = |id: &str| {
        let mut chain = vec![id.to_owned()];
        while let Some(parent) = chain.last().and_then(|c| names.get(c)).and_then(|(_, p)| p.clone()) {
            if chain.contains(&parent) || chain.len() > 64 {
                break;
            }
            chain.push(parent);
        }
        chain
    };
    let mut by_region: BTreeMap<String, Vec<&TargetKey>> = BTreeMap::new();
    for key in &keys {
        by_region.entry(key.region.clone()).or_default().push(key);
    }
    let window = check.delivery_days.map(|days| Window { days: u32::try_from(days).unwrap_or(0), now: Utc::now() });
    let checked_at = Utc::now();
    let mut cells = Vec::new();
    // Every region is read at once (each has its own endpoints; the client's pace is shared).
    let mut regions = Vec::new();
    for (region, targets) in by_region {
        let reached = if region == home_region { home.clone() } else { home.clone().in_region(state, &region)? };
        let topic_compartments: BTreeSet<String> = targets.iter().map(|k| k.compartment_id.clone()).collect();
        let rule_compartments: BTreeSet<String> = topic_compartments.iter().flat_map(|c| lineage(c)).collect();
        regions.push((region, targets, reached, rule_compartments, topic_compartments));
    }
    let read = regions.iter().map(|(_, _, reached, rule_compartments, topic_compartments)| {
        read::region(state, check.team_id, reached, rule_compartments, topic_compartments)
    });
    let all_facts = futures_util::future::join_all(read).await;
    for ((region, targets, ..), facts) in regions.iter().zip(&all_facts) {
        for target in targets {
            let compartment = &target.compartment_id;
            for rec in RECOMMENDATIONS {
                let verdict: Verdict = match rec.requirement {
                    Requirement::Rule(types) => {
                        judge::rule_cell(types, compartment, &lineage(compartment), facts, &name, window)
                    }
                    Requirement::TopicWithSubscription => judge::topic_cell(compartment, facts, &name),
                };
                let (rule_id, rule_name) = verdict.rule.clone().unzip();
                cells.push(ResultRow {
                    recommendation: rec.id.to_owned(),
                    region: region.clone(),
                    compartment_id: compartment.clone(),
                    compartment_name: name(compartment),
                    status: verdict.status.as_str().to_owned(),
                    reason: verdict.reason,
                    rule_id,
                    rule_name,
                    topic_id: verdict.topic_id,
                    request_ids: serde_json::to_string(&verdict.request_ids).unwrap_or_else(|_| "[]".into()),
                    checked_at,
                    since: checked_at,
                });
            }
        }
    }
    let changes = store(state, check, &mut cells, checked_at, audit).await?;
    if !changes.is_empty()
        && let Some(topic) = &check.notify_topic_id
    {
        notify(&home.client, check, topic, &changes).await;
    }
    Ok(Outcome { cells, changed: changes.len() })
}

/// A cell's change of status: (recommendation, region, compartment name, from, to, reason).
type Change = (String, String, String, String, String, String);

/// Stores the cells (each keeping when its status began), and one audit row per change, in one
/// transaction.
async fn store(
    state: &AppState,
    check: &CheckRow,
    cells: &mut [ResultRow],
    checked_at: chrono::DateTime<Utc>,
    audit: NewAuditEvent<'_>,
) -> Result<Vec<Change>, AppError> {
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let before: HashMap<(String, String, String), ResultRow> = compliance::results(&mut tx, check.id)
        .await?
        .into_iter()
        .map(|row| ((row.recommendation.clone(), row.region.clone(), row.compartment_id.clone()), row))
        .collect();
    let mut changes = Vec::new();
    for cell in cells.iter_mut() {
        let key = (cell.recommendation.clone(), cell.region.clone(), cell.compartment_id.clone());
        let old = before.get(&key);
        match old {
            Some(old) if old.status == cell.status => cell.since = old.since,
            None if cell.status == CellStatus::Pass.as_str() => {}
            _ => {
                let from = old.map_or("unchecked", |o| o.status.as_str()).to_owned();
                let target = format!("CIS {} · {} · {}", cell.recommendation, cell.region, cell.compartment_name);
                let detail = format!("{from} → {}", cell.status);
                let after = serde_json::json!({
                    "recommendation": cell.recommendation,
                    "region": cell.region,
                    "compartment_id": cell.compartment_id,
                    "status": cell.status,
                    "reason": cell.reason,
                    "rule_id": cell.rule_id,
                    "topic_id": cell.topic_id,
                })
                .to_string();
                let before_json = old.map(|o| serde_json::json!({"status": o.status, "reason": o.reason}).to_string());
                NewAuditEvent {
                    team_id: Some(check.team_id),
                    action: "compliance.status_change",
                    target_kind: Some("compliance_check"),
                    target_id: Some(check.id.to_string()),
                    target_name: Some(&target),
                    connection_id: Some(check.connection_id),
                    compartment_id: Some(&cell.compartment_id),
                    detail: Some(&detail),
                    before_json: before_json.as_deref(),
                    after_json: Some(&after),
                    ok: true,
                    ..audit.clone()
                }
                .append(&mut tx)
                .await?;
                changes.push((
                    cell.recommendation.clone(),
                    cell.region.clone(),
                    cell.compartment_name.clone(),
                    from,
                    cell.status.clone(),
                    cell.reason.clone(),
                ));
            }
        }
    }
    compliance::replace_results(&mut tx, check.id, cells, checked_at).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(changes)
}

/// Tells the check's topic of its changes, in one message. A topic that cannot be told is logged:
/// the changes are in the audit trail whatever happens to the message.
async fn notify(client: &crate::oci::client::OciClient, check: &CheckRow, topic: &str, changes: &[Change]) {
    let mut body = String::new();
    for (shown, (rec, region, compartment, from, to, reason)) in changes.iter().enumerate() {
        let line = format!("CIS {rec} in {compartment} ({region}): {from} → {to}. {reason}\n");
        // OCI takes at most 64 KB a message; the audit trail has every change.
        if body.len() + line.len() > MESSAGE_ROOM {
            body.push_str(&format!("… and {} more; the audit trail lists every change.\n", changes.len() - shown));
            break;
        }
        body.push_str(&line);
    }
    let message = crate::oci::ons::MessageDetails {
        title: Some(format!("Signalbox compliance: {} change(s) in {}", changes.len(), check.name)),
        body,
    };
    if let Err(err) = client.publish_message(topic, &message).await {
        tracing::warn!(check = check.id, %err, "the compliance check's topic could not be told of its changes");
    }
}

/// Runs every check every [`CHECK_EVERY`] (the first one period after start), until aborted.
pub async fn check_periodically(state: AppState) {
    let mut every = tokio::time::interval(CHECK_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        let checks = match compliance::all(&state.pool).await {
            Ok(checks) => checks,
            Err(err) => {
                tracing::warn!(%err, "the scheduled compliance checks could not be listed");
                continue;
            }
        };
        for check in checks {
            if let Err(err) = run(&state, &check, crate::pipelines::health::scheduled()).await {
                tracing::warn!(check = check.id, %err, "a scheduled compliance check failed");
            }
        }
    }
}
