//! A fan-out deployment's health: each active target's pipelines (the rules its deployment made)
//! with their last stored status, and a check of every target now.
//!
//! A target is one compartment in one region, and its check is that compartment's ordinary health
//! check there ([`health::check`]): the statuses are stored by region, so the dashboard, the
//! Health page and the 15-minute schedule follow regional targets as they follow any other
//! compartment, and a change of status is the same audit row.

use super::health::{self, Checker, Place};
use crate::connections::Reached;
use crate::db::audit_events::NewAuditEvent;
use crate::db::deployment_resources::{self, ResourceRow};
use crate::db::deployments::DeploymentRow;
use crate::db::pipeline_health;
use crate::error::AppError;
use crate::oci::client::RetryPolicy;
use crate::state::AppState;
use app::api::deployment_sets::{SetHealth, TargetHealth};
use app::api::health::HealthStatus;
use app::template::plan::ResourceKind;
use futures_util::StreamExt;
use std::collections::HashMap;

/// Targets checked at once; each reads its compartment several calls at a time, within the
/// client's pace.
const TARGETS_IN_FLIGHT: usize = 16;

/// Every active member's last stored health; `errors` are the members a check just failed to
/// read, by deployment id.
pub async fn stored(
    state: &AppState,
    home_region: &str,
    members: &[DeploymentRow],
    errors: &HashMap<i64, String>,
) -> Result<SetHealth, AppError> {
    let mut targets = Vec::new();
    let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
    for member in members.iter().filter(|m| m.state == "active") {
        let rules: Vec<String> = deployment_resources::of_deployment(&mut *conn, member.id)
            .await?
            .into_iter()
            .filter(|r| r.resource_kind() == ResourceKind::Rule)
            .map(|r: ResourceRow| r.ocid)
            .collect();
        let rows = pipeline_health::of_compartment(
            &mut conn,
            member.connection_id,
            member.region.as_deref().unwrap_or_default(),
            &member.compartment_id,
        )
        .await?;
        let mut pipelines: Vec<_> =
            rows.iter().filter(|row| rules.contains(&row.rule_id)).map(health::stored_status).collect();
        pipelines.sort_by(|a, b| a.status.cmp(&b.status).then_with(|| a.rule_name.cmp(&b.rule_name)));
        let unchecked = rules.len().saturating_sub(pipelines.len()) as i64;
        // The worst first: `HealthStatus` orders broken before degraded before healthy.
        let status = match (unchecked, pipelines.first()) {
            (0, Some(worst)) => Some(worst.status),
            (0, None) => Some(HealthStatus::Healthy),
            _ => pipelines.first().map(|p| p.status).filter(|s| *s != HealthStatus::Healthy),
        };
        targets.push(TargetHealth {
            deployment_id: member.id,
            region: member.region.clone().unwrap_or_else(|| home_region.to_owned()),
            compartment_id: member.compartment_id.clone(),
            status,
            pipelines,
            unchecked,
            error: errors.get(&member.id).cloned(),
        });
    }
    Ok(SetHealth::of(targets))
}

/// Checks every active member's compartment in its region now, [`TARGETS_IN_FLIGHT`] at a time,
/// with [`RetryPolicy::interactive`]: a target that cannot be read is named with why and keeps
/// its last statuses, and the others are not held up behind it.
pub async fn check(
    state: &AppState,
    team_id: i64,
    home_region: &str,
    members: &[DeploymentRow],
    audit: NewAuditEvent<'_>,
) -> Result<SetHealth, AppError> {
    let active: Vec<DeploymentRow> = members.iter().filter(|m| m.state == "active").cloned().collect();
    let results: Vec<(i64, Result<(), AppError>)> = futures_util::stream::iter(active)
        .map(|member| {
            let (state, audit) = (state.clone(), audit.clone());
            async move {
                let outcome = async {
                    let reached = crate::connections::reach_deployment(&state, &member).await?;
                    let reached = Reached { client: reached.client.with_retry(RetryPolicy::interactive()), ..reached };
                    let place = Place {
                        connection_id: member.connection_id,
                        region: member.region.as_deref(),
                        compartment_id: &member.compartment_id,
                    };
                    health::check(&state, team_id, place, &reached, Checker { audit }).await?.map_err(AppError::Oci)
                }
                .await;
                (member.id, outcome.map(|_| ()))
            }
        })
        .buffer_unordered(TARGETS_IN_FLIGHT)
        .collect()
        .await;
    let mut errors = HashMap::new();
    for (id, outcome) in results {
        match outcome {
            Ok(()) => {}
            // A store that fails is the server's trouble, not one target's.
            Err(err @ (AppError::Database(_) | AppError::Unavailable(_) | AppError::Internal(_))) => return Err(err),
            Err(err) => {
                errors.insert(id, err.to_string());
            }
        }
    }
    stored(state, home_region, members, &errors).await
}
