//! Fan-out: one template version planned for every target (a region and a compartment) of a
//! scope. The scope is resolved against the tenancy's compartments at every plan (one paged
//! Identity listing of the whole tree), so compartments made since a set was applied become new
//! targets and ones renamed or deleted are shown as out of scope, never silently destroyed.
//!
//! Each target is planned as an ordinary deployment ([`super::planning`]) with the connection
//! moved to its region, [`TARGETS_IN_FLIGHT`] at a time. A target whose region or compartment
//! cannot be read is reported with why and left out of the apply; the others go ahead. The set's
//! digest covers every target's changes and which targets could not be planned, so an apply
//! runs what the review showed.

use super::planning::{self, Planned, Reading, Target};
use crate::connections::{Reached, check_compartment, find, reach_row, tenancy};
use crate::db::deployment_resources;
use crate::db::deployments::DeploymentRow;
use crate::error::AppError;
use crate::state::AppState;
use app::api::deployment_sets::{
    MAX_COMPARTMENTS, MAX_PATTERN, MAX_REGIONS, MAX_TARGETS, Scope, SetPlanReview, TargetPlan, TargetStatus,
};
use aws_lc_rs::digest::{SHA256, digest};
use futures_util::{StreamExt, stream};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Targets planned at once. Each reads its compartment (a few lists) and what applying needs
/// (pre-flight); sixteen keep a plan of 150 targets at 100 ms a call to a few seconds without
/// bursting far past OCI's per-tenancy rates.
pub const TARGETS_IN_FLIGHT: usize = 16;

/// Most pages of compartments read to resolve a scope (at OCI's 1,000 a page, far beyond any
/// tenancy's compartment limit).
const MAX_COMPARTMENT_PAGES: usize = 50;

/// What a fan-out plan is made for.
#[derive(Debug, Clone)]
pub struct SetSpec {
    /// Team applying.
    pub team_id: i64,
    /// The user asking.
    pub user_id: i64,
    /// Template.
    pub template_id: i64,
    /// Version.
    pub version: i64,
    /// Connection.
    pub connection_id: i64,
    /// Where.
    pub scope: Scope,
    /// Parameter values.
    pub parameters: BTreeMap<String, Value>,
    /// Plan deleting everything every target has.
    pub destroy: bool,
}

/// A region and a compartment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetKey {
    /// Region id.
    pub region: String,
    /// Compartment OCID.
    pub compartment_id: String,
}

/// One target's plan and what applying it needs.
pub struct PlannedTarget {
    /// Where.
    pub key: TargetKey,
    /// Its compartment's name.
    pub compartment_name: String,
    /// Its deployment, once it exists.
    pub member: Option<DeploymentRow>,
    /// The tag id its resources carry: its deployment's, or a fresh one for a new target planned
    /// for an apply (empty in a review's plan of a new target).
    pub uid: String,
    /// New, existing or out of scope.
    pub status: TargetStatus,
    /// Its plan, or why it could not be made.
    pub planned: Result<Option<Planned>, String>,
    /// What [`planning`] was asked.
    pub target: Target,
}

/// A fan-out plan.
pub struct SetPlanned {
    /// What the review shows.
    pub review: SetPlanReview,
    /// Every target, in the review's order.
    pub targets: Vec<PlannedTarget>,
}

/// Plans `spec` for a set whose targets so far are `members`; `reading` is how new targets are
/// planned (a review reads their compartments, an apply of what was reviewed need not).
pub async fn plan(
    state: &AppState,
    spec: &SetSpec,
    members: &[DeploymentRow],
    reading: Reading,
) -> Result<SetPlanned, AppError> {
    let connection = find(state, spec.team_id, spec.connection_id).await?;
    let home = reach_row(state, &connection).await?;
    let home_region = home.client.region().id().to_owned();
    let names = compartment_names(&home, &tenancy(&connection)).await?;
    let in_scope = match spec.destroy {
        true => Vec::new(),
        false => resolve(&spec.scope, &home_region, &names)?,
    };
    let member_key = |m: &DeploymentRow| TargetKey {
        region: m.region.clone().unwrap_or_else(|| home_region.clone()),
        compartment_id: m.compartment_id.clone(),
    };
    let by_key: HashMap<TargetKey, &DeploymentRow> = members.iter().map(|m| (member_key(m), m)).collect();
    let mut wanted: Vec<(TargetKey, TargetStatus)> = in_scope
        .into_iter()
        .map(|key| {
            let status = if by_key.contains_key(&key) { TargetStatus::Existing } else { TargetStatus::New };
            (key, status)
        })
        .collect();
    for member in members.iter().filter(|m| m.state == "active") {
        let key = member_key(member);
        if !wanted.iter().any(|(k, _)| *k == key) {
            let status = if spec.destroy { TargetStatus::Existing } else { TargetStatus::OutOfScope };
            wanted.push((key, status));
        }
    }
    let shared = std::sync::Arc::new(crate::preflight::facts::Shared::default());
    let name_of = |id: &str| names.get(id).map_or_else(|| id.to_owned(), |(name, _)| name.clone());
    wanted.sort_by_key(|(key, _)| (key.region.clone(), name_of(&key.compartment_id).to_lowercase()));

    let planned: Vec<PlannedTarget> = stream::iter(wanted)
        .map(|(key, status)| {
            let member = by_key.get(&key).map(|m| (*m).clone());
            let compartment_name = name_of(&key.compartment_id);
            let uid = match (&member, reading) {
                (Some(member), _) => member.uid.clone(),
                (None, Reading::TemplateOnly) => super::start::new_uid(),
                (None, Reading::Cloud) => String::new(),
            };
            let home_region = &home_region;
            let shared = shared.clone();
            async move {
                let target = Target {
                    team_id: spec.team_id,
                    user_id: spec.user_id,
                    template_id: spec.template_id,
                    version: spec.version,
                    connection_id: spec.connection_id,
                    compartment_id: key.compartment_id.clone(),
                    region: (key.region != *home_region).then(|| key.region.clone()),
                    compartment_name: Some(compartment_name.clone()),
                    parameters: spec.parameters.clone(),
                    destroy: spec.destroy,
                    shared: Some(shared),
                };
                let planned = plan_target(state, &target, member.as_ref(), &uid, status, reading).await;
                (key, compartment_name, member, uid, status, planned, target)
            }
        })
        .buffered(TARGETS_IN_FLIGHT)
        .map(|(key, compartment_name, member, uid, status, planned, target)| {
            let planned = match planned {
                Ok(planned) => Ok(planned),
                // What is wrong with the request is wrong for every target: refuse it whole.
                Err(err @ (AppError::InvalidInput { .. } | AppError::NotFound(_) | AppError::Forbidden(_))) => {
                    return Err(err);
                }
                Err(other) => Err(other.to_string()),
            };
            Ok(PlannedTarget { key, compartment_name, member, uid, status, planned, target })
        })
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;

    let template_name = planned
        .iter()
        .find_map(|t| t.planned.as_ref().ok().and_then(|p| p.as_ref()).map(|p| p.review.template_name.clone()))
        .unwrap_or_default();
    let targets: Vec<TargetPlan> = planned.iter().map(review_of).collect();
    let review = SetPlanReview { template_name, version: spec.version, digest: fingerprint(&targets), targets };
    Ok(SetPlanned { review, targets: planned })
}

/// The targets `scope` holds now that `members` do not cover (compartments made, or regions
/// added, since the set was applied), as `region · compartment name`.
pub async fn unapplied(
    state: &AppState,
    team_id: i64,
    connection_id: i64,
    scope: &app::api::deployment_sets::Scope,
    members: &[DeploymentRow],
) -> Result<Vec<String>, AppError> {
    let connection = find(state, team_id, connection_id).await?;
    let home = reach_row(state, &connection).await?;
    let home_region = home.client.region().id().to_owned();
    let names = compartment_names(&home, &tenancy(&connection)).await?;
    let have: std::collections::HashSet<TargetKey> = members
        .iter()
        .map(|m| TargetKey {
            region: m.region.clone().unwrap_or_else(|| home_region.clone()),
            compartment_id: m.compartment_id.clone(),
        })
        .collect();
    let mut labels: Vec<String> = resolve(scope, &home_region, &names)?
        .into_iter()
        .filter(|key| !have.contains(key))
        .map(|key| {
            let name = names.get(&key.compartment_id).map_or(key.compartment_id.as_str(), |(n, _)| n.as_str());
            format!("{} · {name}", key.region)
        })
        .collect();
    labels.sort();
    Ok(labels)
}

/// One target's plan: none when it is out of scope.
async fn plan_target(
    state: &AppState,
    target: &Target,
    member: Option<&DeploymentRow>,
    uid: &str,
    status: TargetStatus,
    reading: Reading,
) -> Result<Option<Planned>, AppError> {
    match (status, member) {
        (TargetStatus::OutOfScope, _) => Ok(None),
        (_, Some(member)) => {
            let owned = deployment_resources::owned(&state.pool, member.id).await?;
            Ok(Some(planning::make_for_apply(state, target, uid, &owned, Reading::Cloud).await?))
        }
        (_, None) => Ok(Some(planning::make_for_apply(state, target, uid, &[], reading).await?)),
    }
}

/// A target as the review shows it.
fn review_of(target: &PlannedTarget) -> TargetPlan {
    let (review, error) = match &target.planned {
        Ok(planned) => (planned.as_ref().map(|p| p.review.clone()), None),
        Err(message) => (None, Some(message.clone())),
    };
    TargetPlan {
        region: target.key.region.clone(),
        compartment_id: target.key.compartment_id.clone(),
        compartment_name: target.compartment_name.clone(),
        deployment_id: target.member.as_ref().map(|m| m.id),
        status: target.status,
        review,
        error,
    }
}

/// SHA-256 over every target's place, standing and changes (or that it could not be planned).
pub fn fingerprint(targets: &[TargetPlan]) -> String {
    let lines: Vec<String> = targets
        .iter()
        .map(|t| {
            let changes = match (&t.review, &t.error) {
                (Some(review), _) => review.digest.clone(),
                (None, Some(_)) => "unplanned".to_owned(),
                (None, None) => "left alone".to_owned(),
            };
            format!("{} {} {:?} {changes}", t.region, t.compartment_id, t.status)
        })
        .collect();
    hex::encode(digest(&SHA256, lines.join("\n").as_bytes()))
}

/// Every compartment of the tenancy: name and parent by OCID (the tenancy itself included, as
/// "root").
pub(crate) async fn compartment_names(
    home: &Reached,
    tenancy: &str,
) -> Result<HashMap<String, (String, Option<String>)>, AppError> {
    let mut names = HashMap::from([(tenancy.to_owned(), ("root".to_owned(), None))]);
    let mut page: Option<String> = None;
    for _ in 0..MAX_COMPARTMENT_PAGES {
        let answer = home.client.list_compartments(tenancy, true, page.as_deref()).await.map_err(AppError::Oci)?;
        for c in answer.body {
            names.insert(c.id, (c.name, Some(c.compartment_id)));
        }
        page = answer.next_page;
        if page.is_none() {
            break;
        }
    }
    Ok(names)
}

/// The targets a scope names: every region × every compartment named or matched, each checked
/// against the tenancy's compartments. Mistakes are 400s naming the scope's field.
pub(crate) fn resolve(
    scope: &Scope,
    home_region: &str,
    names: &HashMap<String, (String, Option<String>)>,
) -> Result<Vec<TargetKey>, AppError> {
    if scope.regions.len() > MAX_REGIONS {
        return Err(AppError::invalid("scope.regions", format!("Name at most {MAX_REGIONS} regions.")));
    }
    let mut regions: Vec<String> = Vec::new();
    for (i, region) in scope.regions.iter().enumerate() {
        let id = region.trim();
        let known = crate::oci::region::Region::parse(id).ok().filter(|r| r.id() == id);
        if known.is_none() {
            return Err(AppError::invalid(
                &format!("scope.regions[{i}]"),
                format!("\"{region}\" is not an OCI region id; use one such as eu-frankfurt-1."),
            ));
        }
        if !regions.iter().any(|r| r == id) {
            regions.push(id.to_owned());
        }
    }
    if regions.is_empty() {
        regions.push(home_region.to_owned());
    }
    if scope.compartments.len() > MAX_COMPARTMENTS {
        return Err(AppError::invalid(
            "scope.compartments",
            format!("Name at most {MAX_COMPARTMENTS} compartments, or every compartment under one."),
        ));
    }
    let unknown = |field: &str, id: &str| {
        AppError::invalid(
            field,
            format!(
                "{id} is not an active compartment of this connection's tenancy; pick one from the compartment list."
            ),
        )
    };
    let mut compartments: Vec<String> = Vec::new();
    for (i, id) in scope.compartments.iter().enumerate() {
        let field = format!("scope.compartments[{i}]");
        let id = check_compartment("scope.compartments", id).map_err(|_| unknown(&field, id))?;
        if !names.contains_key(&id) {
            return Err(unknown(&field, &id));
        }
        if !compartments.contains(&id) {
            compartments.push(id);
        }
    }
    match (&scope.under, &scope.pattern) {
        (Some(under), pattern) => {
            let under = check_compartment("scope.under", under)?;
            if !names.contains_key(&under) {
                return Err(unknown("scope.under", &under));
            }
            let pattern = match pattern.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(name_pattern(text)?),
            };
            let options = glob::MatchOptions { case_sensitive: false, ..Default::default() };
            let mut matched: Vec<&String> = names
                .iter()
                .filter(|(id, (name, _))| {
                    below(names, id, &under) && pattern.as_ref().is_none_or(|p| p.matches_with(name, options))
                })
                .map(|(id, _)| id)
                .collect();
            matched.sort();
            for id in matched {
                if !compartments.contains(id) {
                    compartments.push(id.clone());
                }
            }
        }
        (None, Some(_)) => {
            return Err(AppError::invalid(
                "scope.pattern",
                "A pattern matches compartments under one: set scope.under to the compartment to look below.",
            ));
        }
        (None, None) => {}
    }
    if compartments.is_empty() {
        let why = match scope.under {
            Some(_) => "No compartment under scope.under matches the pattern; widen it, or name compartments.",
            None => "Name at least one compartment, or every compartment under one (scope.under).",
        };
        return Err(AppError::invalid("scope.compartments", why));
    }
    let count = regions.len() * compartments.len();
    if count > MAX_TARGETS {
        return Err(AppError::invalid(
            "scope",
            format!(
                "{} regions × {} compartments is {count} targets; at most {MAX_TARGETS} fit in one set.",
                regions.len(),
                compartments.len()
            ),
        ));
    }
    Ok(regions
        .iter()
        .flat_map(|region| {
            compartments.iter().map(|id| TargetKey { region: region.clone(), compartment_id: id.clone() })
        })
        .collect())
}

/// A compartment name pattern, or a 400 naming `scope.pattern`.
fn name_pattern(text: &str) -> Result<glob::Pattern, AppError> {
    if text.chars().count() > MAX_PATTERN {
        return Err(AppError::invalid("scope.pattern", format!("Keep the pattern to {MAX_PATTERN} characters.")));
    }
    app::model::text::check_one_line(text).map_err(|m| AppError::invalid("scope.pattern", m))?;
    glob::Pattern::new(text).map_err(|err| {
        AppError::invalid(
            "scope.pattern",
            format!("The pattern does not read ({}); use * for any run of characters and ? for one.", err.msg),
        )
    })
}

/// Whether `id` is strictly below `ancestor` in the tree `names` describes.
fn below(names: &HashMap<String, (String, Option<String>)>, id: &str, ancestor: &str) -> bool {
    let mut current = names.get(id).and_then(|(_, parent)| parent.clone());
    for _ in 0..64 {
        match current {
            Some(parent) if parent == ancestor => return true,
            Some(parent) => current = names.get(&parent).and_then(|(_, p)| p.clone()),
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> HashMap<String, (String, Option<String>)> {
        let c = |name: &str, parent: Option<&str>| (name.to_owned(), parent.map(str::to_owned));
        HashMap::from([
            ("ocid1.tenancy.oc1..t".to_owned(), c("root", None)),
            ("ocid1.compartment.oc1..prod".to_owned(), c("prod", Some("ocid1.tenancy.oc1..t"))),
            ("ocid1.compartment.oc1..pa".to_owned(), c("proj-a", Some("ocid1.compartment.oc1..prod"))),
            ("ocid1.compartment.oc1..pb".to_owned(), c("Proj-B", Some("ocid1.compartment.oc1..prod"))),
            ("ocid1.compartment.oc1..pbx".to_owned(), c("proj-b-inner", Some("ocid1.compartment.oc1..pb"))),
            ("ocid1.compartment.oc1..dev".to_owned(), c("proj-dev", Some("ocid1.tenancy.oc1..t"))),
        ])
    }

    fn field(err: AppError) -> String {
        match err {
            AppError::InvalidInput { field, .. } => field,
            other => panic!("not a 400: {other}"),
        }
    }

    #[test]
    fn scopes_resolve_to_regions_times_compartments() {
        let scope = Scope {
            regions: vec!["eu-frankfurt-1".into(), "us-ashburn-1".into(), "eu-frankfurt-1".into()],
            compartments: vec!["ocid1.compartment.oc1..dev".into()],
            under: Some("ocid1.compartment.oc1..prod".into()),
            pattern: Some("PROJ-?".into()),
        };
        let targets = resolve(&scope, "us-ashburn-1", &tree()).expect("resolved");
        let got: Vec<(&str, &str)> =
            targets.iter().map(|t| (t.region.as_str(), t.compartment_id.rsplit('.').next().unwrap_or(""))).collect();
        assert_eq!(
            got,
            [
                ("eu-frankfurt-1", "dev"),
                ("eu-frankfurt-1", "pa"),
                ("eu-frankfurt-1", "pb"),
                ("us-ashburn-1", "dev"),
                ("us-ashburn-1", "pa"),
                ("us-ashburn-1", "pb")
            ],
            "names matched without case, the subtree's deeper namesake not, duplicates once"
        );
        // No pattern: the whole subtree, the compartment itself not.
        let all = Scope { under: Some("ocid1.compartment.oc1..prod".into()), ..Scope::default() };
        assert_eq!(resolve(&all, "us-ashburn-1", &tree()).expect("resolved").len(), 3);
        assert!(resolve(&all, "us-ashburn-1", &tree()).expect("resolved").iter().all(|t| t.region == "us-ashburn-1"));
    }

    #[test]
    fn bad_scopes_name_their_field() {
        let t = tree();
        let bad = |scope: Scope| field(resolve(&scope, "us-ashburn-1", &t).expect_err("refused"));
        let one = || vec!["ocid1.compartment.oc1..dev".to_owned()];
        assert_eq!(bad(Scope::default()), "scope.compartments");
        assert_eq!(
            bad(Scope { regions: vec!["mars-1".into()], compartments: one(), ..Scope::default() }),
            "scope.regions[0]"
        );
        assert_eq!(
            bad(Scope { regions: vec!["FRA".into()], compartments: one(), ..Scope::default() }),
            "scope.regions[0]"
        );
        let unknown = vec!["ocid1.compartment.oc1..dev".into(), "ocid1.compartment.oc1..gone".into()];
        assert_eq!(bad(Scope { compartments: unknown, ..Scope::default() }), "scope.compartments[1]");
        assert_eq!(
            bad(Scope { compartments: vec!["not an ocid".into()], ..Scope::default() }),
            "scope.compartments[0]"
        );
        assert_eq!(bad(Scope { pattern: Some("proj-*".into()), ..Scope::default() }), "scope.pattern");
        let under = || Some("ocid1.compartment.oc1..prod".to_owned());
        assert_eq!(bad(Scope { under: under(), pattern: Some("[".into()), ..Scope::default() }), "scope.pattern");
        assert_eq!(bad(Scope { under: under(), pattern: Some("a\nb".into()), ..Scope::default() }), "scope.pattern");
        assert_eq!(bad(Scope { under: under(), pattern: Some("x".repeat(101)), ..Scope::default() }), "scope.pattern");
        assert_eq!(
            bad(Scope { under: under(), pattern: Some("nothing*".into()), ..Scope::default() }),
            "scope.compartments"
        );
        assert_eq!(bad(Scope { under: Some("ocid1.compartment.oc1..gone".into()), ..Scope::default() }), "scope.under");
        let many = (0..21).map(|i| format!("r-egion-{i}")).collect();
        assert_eq!(bad(Scope { regions: many, compartments: one(), ..Scope::default() }), "scope.regions");
    }
}
