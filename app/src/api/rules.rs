//! Events rules through a connection: the types of `.../connections/{connection_id}/rules`, the
//! checks the editor and the server share (so the Save button and the API refuse the same input
//! with the same words), and the client calls.

use super::ApiError;
use super::inventory::{Page, PageRequest};
use crate::model::ocid::Ocid;
use crate::model::problem::Problem;
pub use crate::model::rule::{
    ActionKind, MAX_ACTIONS, MAX_DESCRIPTION, MAX_NAME, check_condition, check_description, check_name,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One action of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RuleAction {
    /// Kind.
    pub kind: ActionKind,
    /// Topic, function or stream OCID.
    pub target_id: String,
    /// Whether the action runs.
    #[serde(default = "enabled")]
    pub is_enabled: bool,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Lifecycle state, in answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl RuleAction {
    /// An enabled action without a description.
    pub fn new(kind: ActionKind, target_id: String) -> Self {
        Self { kind, target_id, is_enabled: true, description: String::new(), state: None }
    }
}

fn enabled() -> bool {
    true
}

/// A rule in a list (with its actions once the inventory has read them: OCI's list has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RuleSummary {
    /// Rule OCID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Lifecycle state.
    pub state: String,
    /// Whether it matches events.
    pub is_enabled: bool,
    /// The condition, as stored.
    pub condition: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// The actions, once read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<RuleAction>>,
}

/// A rule with its actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rule {
    /// Rule OCID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Lifecycle state.
    pub state: String,
    /// Why it is in that state, when OCI says.
    pub state_message: Option<String>,
    /// Whether it matches events.
    pub is_enabled: bool,
    /// The condition, as stored.
    pub condition: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// The actions.
    pub actions: Vec<RuleAction>,
}

/// Body of `POST .../rules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateRuleRequest {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// The condition: a JSON object shaped like the events to match.
    pub condition: String,
    /// Whether it starts enabled.
    #[serde(default = "enabled")]
    pub is_enabled: bool,
    /// 1 to [`MAX_ACTIONS`] actions.
    pub actions: Vec<RuleAction>,
}

/// Body of `PATCH .../rules/{rule_id}`: the fields present change; `actions` replaces the set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpdateRuleRequest {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Enable or disable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    /// New action set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<RuleAction>>,
}

/// Body of `POST .../rules/{rule_id}/move`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MoveRuleRequest {
    /// The compartment to move it to.
    pub compartment_id: String,
}

/// Why an action list is not acceptable, if it is not: the first problem, with its field.
pub fn check_actions(actions: &[RuleAction]) -> Result<(), Problem> {
    if actions.is_empty() {
        return Err(Problem::new("actions", "Add an action: a topic, a function or a stream to send events to."));
    }
    if actions.len() > MAX_ACTIONS {
        return Err(Problem::new(
            "actions",
            format!(
                "A rule has at most {MAX_ACTIONS} actions (OCI's limit); this one has {}. Split it into two rules.",
                actions.len()
            ),
        ));
    }
    for (index, action) in actions.iter().enumerate() {
        let target = action.target_id.trim();
        let kind = action.kind.target_type();
        if Ocid::parse_of(target, &[kind]).is_none() {
            return Err(Problem::new(
                format!("actions[{index}].target_id"),
                format!(
                    "Action {}: \"{target}\" is not a {} OCID (ocid1.{kind}.oc1…); pick one from the list.",
                    index + 1,
                    action.kind.label().to_lowercase()
                ),
            ));
        }
        check_description(&action.description).map_err(|m| Problem::new(format!("actions[{index}].description"), m))?;
    }
    Ok(())
}

fn base(team_id: i64, connection_id: i64) -> String {
    format!("/teams/{team_id}/connections/{connection_id}/rules")
}

/// Filters of the rule list; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFilter {
    /// Lifecycle state.
    pub state: Option<String>,
    /// Enabled or disabled.
    pub enabled: Option<bool>,
    /// Only rules with an action of this kind.
    pub action: Option<ActionKind>,
    /// Text in the name, description or condition.
    pub text: Option<String>,
    /// Only rules with an action sending to this topic, function or stream.
    pub target: Option<String>,
}

impl RuleFilter {
    /// The query string for `compartment_id` and these filters.
    pub fn query(&self, compartment_id: &str) -> String {
        let mut query = format!("compartment_id={}", super::urlencoding(compartment_id));
        if let Some(state) = &self.state {
            query.push_str(&format!("&state={}", super::urlencoding(state)));
        }
        if let Some(enabled) = self.enabled {
            query.push_str(&format!("&enabled={enabled}"));
        }
        if let Some(action) = self.action {
            query.push_str(&format!("&action_type={}", action.as_str()));
        }
        if let Some(text) = self.text.as_deref().filter(|t| !t.is_empty()) {
            query.push_str(&format!("&q={}", super::urlencoding(text)));
        }
        if let Some(target) = &self.target {
            query.push_str(&format!("&target_id={}", super::urlencoding(target)));
        }
        query
    }
}

/// A page of a compartment's rules.
pub async fn list_rules(
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
    filter: &RuleFilter,
    page: &PageRequest,
) -> Result<Page<RuleSummary>, ApiError> {
    super::get_json(&format!("{}?{}{}", base(team_id, connection_id), filter.query(compartment_id), page.query())).await
}

/// One rule with its actions.
pub async fn get_rule(team_id: i64, connection_id: i64, rule_id: &str) -> Result<Rule, ApiError> {
    super::get_json(&format!("{}/{}", base(team_id, connection_id), super::urlencoding(rule_id))).await
}

/// Creates a rule.
pub async fn create_rule(
    team_id: i64,
    connection_id: i64,
    request: &CreateRuleRequest,
    csrf: &str,
) -> Result<Rule, ApiError> {
    super::send_json(http::Method::POST, &base(team_id, connection_id), request, Some(csrf)).await
}

/// Changes a rule.
pub async fn update_rule(
    team_id: i64,
    connection_id: i64,
    rule_id: &str,
    request: &UpdateRuleRequest,
    csrf: &str,
) -> Result<Rule, ApiError> {
    let path = format!("{}/{}", base(team_id, connection_id), super::urlencoding(rule_id));
    super::send_json(http::Method::PATCH, &path, request, Some(csrf)).await
}

/// Deletes a rule.
pub async fn delete_rule(team_id: i64, connection_id: i64, rule_id: &str, csrf: &str) -> Result<(), ApiError> {
    let path = format!("{}/{}", base(team_id, connection_id), super::urlencoding(rule_id));
    super::send_empty(http::Method::DELETE, &path, Some(csrf)).await
}

/// Moves a rule to another compartment.
pub async fn move_rule(
    team_id: i64,
    connection_id: i64,
    rule_id: &str,
    request: &MoveRuleRequest,
    csrf: &str,
) -> Result<(), ApiError> {
    let path = format!("{}/{}/move", base(team_id, connection_id), super::urlencoding(rule_id));
    super::send_body(http::Method::POST, &path, request, Some(csrf)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(kind: ActionKind, target: &str) -> RuleAction {
        RuleAction { kind, target_id: target.into(), is_enabled: true, description: String::new(), state: None }
    }

    #[test]
    fn actions_are_checked_by_kind_and_count() {
        assert!(check_actions(&[action(ActionKind::Notifications, "ocid1.onstopic.oc1.iad.aaaa")]).is_ok());
        assert_eq!(check_actions(&[]).unwrap_err().field, "actions");
        let eleven = vec![action(ActionKind::Notifications, "ocid1.onstopic.oc1.iad.aaaa"); 11];
        let Problem { field, message } = check_actions(&eleven).unwrap_err();
        assert_eq!(field, "actions");
        assert!(message.contains("at most 10"), "{message}");
        let wrong = [
            action(ActionKind::Notifications, "ocid1.onstopic.oc1.iad.aaaa"),
            action(ActionKind::Functions, "ocid1.onstopic.oc1..x"),
        ];
        assert_eq!(check_actions(&wrong).unwrap_err().field, "actions[1].target_id");
    }

    #[test]
    fn conditions_report_where_they_break() {
        assert!(check_condition(r#"{"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]}"#).is_ok());
        let message = check_condition(r#"eventType = "x""#).unwrap_err();
        assert!(message.starts_with("line 1, column 1"), "{message}");
        assert!(message.contains("HCL"), "{message}");
        assert!(check_name("  ").is_err() && check_name(&"n".repeat(256)).is_err());
    }
}
