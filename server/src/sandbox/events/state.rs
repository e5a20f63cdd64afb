//! Events rules: validation and storage (the state half).
//!
//! Action targets must exist (topics, functions); the sandbox has no Streaming service, so an OSS
//! target only has to be a stream OCID. Choices where OCI documents nothing: a new rule is `ACTIVE` at once, enabled or not; a deleted
//! rule disappears (a later GET answers 404); `displayName` is 1 to 255 characters and
//! `description` at most 1,000; the `displayName` list filter is an exact match; without `sortBy`
//! lists are newest first.

use super::super::error::SandboxError;
use super::super::tracked::{Journal, Tracked};
use super::super::world::{Replay, World, check_etag, new_etag, paginate};
use crate::oci::events::{
    Action, ActionDetails, ActionDetailsList, ActionList, ActionTarget, CreateRuleDetails, LifecycleState, Rule,
    RuleSortBy, RuleSummary, UpdateRuleDetails,
};
use crate::oci::wire::SortOrder;
use app::condition::Condition;
use app::model::ocid::Ocid;
use chrono::Utc;

/// OCI's limit of actions per rule.
pub const MAX_ACTIONS: usize = 10;

/// Rules by OCID, with their etags (saved row by row, not with the rest of the state).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct EventsState {
    #[serde(default, skip_serializing)]
    pub(in crate::sandbox) rules: Tracked<StoredRule>,
    /// Every event routed (saved entry by entry).
    #[serde(default, skip_serializing)]
    pub(in crate::sandbox) emitted: Journal<super::log::EmittedEvent, { super::log::KEPT }>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(in crate::sandbox) struct StoredRule {
    rule: Rule,
    etag: String,
}

/// Filters and paging of ListRules, as received.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRulesQuery {
    /// Compartment OCID.
    pub compartment_id: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Page token.
    pub page: Option<String>,
    /// State filter.
    pub lifecycle_state: Option<LifecycleState>,
    /// Exact name filter.
    pub display_name: Option<String>,
    /// Sort key.
    pub sort_by: Option<RuleSortBy>,
    /// Sort direction.
    pub sort_order: Option<SortOrder>,
}

impl EventsState {
    /// Enabled rules whose compartment is one of `compartments`.
    pub fn enabled_rules_in(&self, compartments: &[String]) -> Vec<Rule> {
        self.rules
            .values()
            .filter(|stored| stored.rule.is_enabled && compartments.contains(&stored.rule.compartment_id))
            .map(|stored| stored.rule.clone())
            .collect()
    }

    /// Rules with an action that targets `topic_id`.
    pub fn rules_targeting_topic(&self, topic_id: &str) -> Vec<&Rule> {
        self.rules
            .values()
            .map(|stored| &stored.rule)
            .filter(|rule| {
                rule.actions.actions.iter().any(|action| {
                    matches!(&action.target, ActionTarget::Notifications { topic_id: Some(id) } if id == topic_id)
                })
            })
            .collect()
    }
}

impl World {
    /// CreateRule.
    pub fn create_rule(
        &mut self,
        details: CreateRuleDetails,
        retry_token: Option<&str>,
    ) -> Result<(Rule, String), SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("CreateRule", retry_token, &request)? {
            return self.get_rule(&id).map_err(|_| SandboxError::invalidated_retry_token());
        }
        check_name(&details.display_name)?;
        check_description(details.description.as_deref())?;
        check_condition(&details.condition)?;
        self.ensure_compartment(&details.compartment_id, "compartmentId")?;
        let actions = self.build_actions(&details.actions)?;
        let rule = Rule {
            id: self.new_ocid("eventrule"),
            display_name: details.display_name,
            description: details.description,
            lifecycle_state: LifecycleState::Active,
            condition: details.condition,
            compartment_id: details.compartment_id,
            is_enabled: details.is_enabled,
            freeform_tags: details.freeform_tags,
            defined_tags: details.defined_tags,
            actions,
            time_created: Utc::now(),
            lifecycle_message: None,
        };
        let etag = new_etag();
        self.remember("CreateRule", retry_token, &request, &rule.id);
        self.events.rules.insert(rule.id.clone(), StoredRule { rule: rule.clone(), etag: etag.clone() });
        self.announce_rule("createrule", &rule);
        Ok((rule, etag))
    }

    /// GetRule.
    pub fn get_rule(&self, id: &str) -> Result<(Rule, String), SandboxError> {
        let stored = self.events.rules.get(id).ok_or_else(|| SandboxError::not_found("rule", id))?;
        Ok((stored.rule.clone(), stored.etag.clone()))
    }

    /// ListRules.
    pub fn list_rules(&mut self, query: &ListRulesQuery) -> Result<(Vec<RuleSummary>, Option<String>), SandboxError> {
        let compartment =
            query.compartment_id.as_deref().ok_or_else(|| SandboxError::missing_parameter("compartmentId"))?;
        self.ensure_compartment(compartment, "compartmentId")?;
        let mut rules: Vec<&Rule> = self
            .events
            .rules
            .values()
            .map(|stored| &stored.rule)
            .filter(|rule| rule.compartment_id == compartment)
            .filter(|rule| query.lifecycle_state.as_ref().is_none_or(|state| &rule.lifecycle_state == state))
            .filter(|rule| query.display_name.as_ref().is_none_or(|name| &rule.display_name == name))
            .collect();
        let sort_by = query.sort_by.clone().unwrap_or(RuleSortBy::TimeCreated);
        let descending = match &query.sort_order {
            Some(SortOrder::Asc) => false,
            Some(SortOrder::Desc) => true,
            Some(SortOrder::Unknown(other)) => {
                return Err(SandboxError::invalid_parameter(format!("sortOrder \"{other}\" is not ASC or DESC.")));
            }
            None => sort_by == RuleSortBy::TimeCreated,
        };
        match &sort_by {
            RuleSortBy::TimeCreated => rules.sort_by(|a, b| a.time_created.cmp(&b.time_created).then(a.id.cmp(&b.id))),
            RuleSortBy::Id => rules.sort_by(|a, b| a.id.cmp(&b.id)),
            RuleSortBy::DisplayName => rules.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id))),
            RuleSortBy::Unknown(other) => {
                return Err(SandboxError::invalid_parameter(format!(
                    "sortBy \"{other}\" is not TIME_CREATED, ID or DISPLAY_NAME."
                )));
            }
        }
        if descending {
            rules.reverse();
        }
        let summaries: Vec<RuleSummary> = rules.into_iter().map(summary).collect();
        paginate(&summaries, query.limit, query.page.as_deref(), 50)
    }

    /// UpdateRule: only the fields present change; `actions` replaces the set.
    pub fn update_rule(
        &mut self,
        id: &str,
        details: UpdateRuleDetails,
        if_match: Option<&str>,
    ) -> Result<(Rule, String), SandboxError> {
        let (current, etag) = self.get_rule(id)?;
        check_etag(if_match, &etag, id)?;
        let mut rule = current;
        if let Some(name) = details.display_name {
            check_name(&name)?;
            rule.display_name = name;
        }
        if let Some(description) = details.description {
            check_description(Some(&description))?;
            rule.description = Some(description);
        }
        if let Some(condition) = details.condition {
            check_condition(&condition)?;
            rule.condition = condition;
        }
        if let Some(actions) = details.actions {
            rule.actions = self.build_actions(&actions)?;
        }
        if let Some(enabled) = details.is_enabled {
            rule.is_enabled = enabled;
        }
        if let Some(tags) = details.freeform_tags {
            rule.freeform_tags = tags;
        }
        if let Some(tags) = details.defined_tags {
            rule.defined_tags = tags;
        }
        let etag = new_etag();
        self.events.rules.insert(id.to_owned(), StoredRule { rule: rule.clone(), etag: etag.clone() });
        self.announce_rule("updaterule", &rule);
        Ok((rule, etag))
    }

    /// DeleteRule.
    pub fn delete_rule(&mut self, id: &str, if_match: Option<&str>) -> Result<(), SandboxError> {
        let (rule, etag) = self.get_rule(id)?;
        check_etag(if_match, &etag, id)?;
        self.events.rules.remove(id);
        self.announce_rule("deleterule", &rule);
        Ok(())
    }

    /// ChangeRuleCompartment.
    pub fn change_rule_compartment(
        &mut self,
        id: &str,
        compartment_id: &str,
        if_match: Option<&str>,
    ) -> Result<(), SandboxError> {
        let (mut rule, etag) = self.get_rule(id)?;
        check_etag(if_match, &etag, id)?;
        self.ensure_compartment(compartment_id, "compartmentId")?;
        rule.compartment_id = compartment_id.to_owned();
        self.announce_rule("changerulecompartment", &rule);
        self.events.rules.insert(id.to_owned(), StoredRule { rule, etag: new_etag() });
        Ok(())
    }

    /// Notes a change to a rule, to be emitted as the Events service's event about it.
    fn announce_rule(&mut self, action: &str, rule: &Rule) {
        let prefix = app::catalogue::EVENTS_SERVICE_PREFIX;
        self.announce(prefix, action, &rule.compartment_id, (&rule.display_name, &rule.id), serde_json::json!({}));
    }

    fn build_actions(&self, list: &ActionDetailsList) -> Result<ActionList, SandboxError> {
        if list.actions.is_empty() {
            return Err(SandboxError::invalid_parameter("actions: a rule needs at least one action."));
        }
        if list.actions.len() > MAX_ACTIONS {
            return Err(SandboxError::invalid_parameter(format!(
                "actions: a rule can have at most {MAX_ACTIONS} actions, this one has {}.",
                list.actions.len()
            )));
        }
        let mut actions = Vec::with_capacity(list.actions.len());
        for (index, details) in list.actions.iter().enumerate() {
            self.check_target(index, details)?;
            actions.push(Action {
                target: details.target.clone(),
                id: self.new_ocid("eventaction"),
                lifecycle_state: LifecycleState::Active,
                lifecycle_message: None,
                is_enabled: details.is_enabled,
                description: details.description.clone(),
            });
        }
        Ok(ActionList { actions })
    }

    fn check_target(&self, index: usize, details: &ActionDetails) -> Result<(), SandboxError> {
        let missing = |field: &str| SandboxError::missing_parameter(&format!("actions[{index}].{field}"));
        match &details.target {
            ActionTarget::Notifications { topic_id } => {
                let id = topic_id.as_deref().ok_or_else(|| missing("topicId"))?;
                if !self.ons.has_topic(id) {
                    return Err(SandboxError::related_not_found(format!(
                        "actions[{index}].topicId {id} does not exist or is not authorized."
                    )));
                }
            }
            ActionTarget::Functions { function_id } => {
                let id = function_id.as_deref().ok_or_else(|| missing("functionId"))?;
                if !self.functions.has_function(id) {
                    return Err(SandboxError::related_not_found(format!(
                        "actions[{index}].functionId {id} does not exist or is not authorized."
                    )));
                }
            }
            ActionTarget::Streaming { stream_id } => {
                let id = stream_id.as_deref().ok_or_else(|| missing("streamId"))?;
                if Ocid::parse_of(id, &["stream"]).is_none() {
                    return Err(SandboxError::related_not_found(format!(
                        "actions[{index}].streamId {id} is not a stream OCID."
                    )));
                }
            }
            ActionTarget::Unknown => {
                return Err(SandboxError::invalid_parameter(format!(
                    "actions[{index}].actionType must be ONS, OSS or FAAS."
                )));
            }
        }
        Ok(())
    }
}

fn summary(rule: &Rule) -> RuleSummary {
    RuleSummary {
        id: rule.id.clone(),
        display_name: rule.display_name.clone(),
        description: rule.description.clone(),
        lifecycle_state: rule.lifecycle_state.clone(),
        condition: rule.condition.clone(),
        compartment_id: rule.compartment_id.clone(),
        is_enabled: rule.is_enabled,
        freeform_tags: rule.freeform_tags.clone(),
        defined_tags: rule.defined_tags.clone(),
        time_created: rule.time_created,
    }
}

fn check_name(name: &str) -> Result<(), SandboxError> {
    let length = name.chars().count();
    if name.trim().is_empty() || length > 255 {
        return Err(SandboxError::invalid_parameter("displayName must be 1 to 255 characters."));
    }
    Ok(())
}

fn check_description(description: Option<&str>) -> Result<(), SandboxError> {
    if description.is_some_and(|d| d.chars().count() > 1000) {
        return Err(SandboxError::invalid_parameter("description must be at most 1000 characters."));
    }
    Ok(())
}

fn check_condition(condition: &str) -> Result<(), SandboxError> {
    Condition::parse(condition).map(|_| ()).map_err(|err| SandboxError::invalid_parameter(format!("condition: {err}")))
}
