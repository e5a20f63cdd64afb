//! Events (`/20181201`): rules and their actions.
//!
//! Reference: <https://docs.oracle.com/iaas/api/#/en/events/20181201/>. Models follow
//! `oci-api.md` §3.1; the condition is a string holding JSON, exactly as on the wire.

use super::client::{Call, OciClient, Response};
use super::error::{OciError, Operation, Verb};
use super::region::Service;
use super::wire::{ChangeCompartmentDetails, DefinedTags, FreeformTags, SortOrder, escape, oci_enum};
use chrono::{DateTime, Utc};
use http::Method;
use serde::{Deserialize, Serialize};

oci_enum! {
    /// Lifecycle of a rule or an action.
    LifecycleState {
        Creating = "CREATING",
        Active = "ACTIVE",
        Inactive = "INACTIVE",
        Updating = "UPDATING",
        Deleting = "DELETING",
        Deleted = "DELETED",
        Failed = "FAILED",
    }
}

oci_enum! {
    /// Sort keys of ListRules.
    RuleSortBy { TimeCreated = "TIME_CREATED", Id = "ID", DisplayName = "DISPLAY_NAME" }
}

/// Where an action sends matching events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "actionType")]
pub enum ActionTarget {
    /// A Notifications topic.
    #[serde(rename = "ONS", rename_all = "camelCase")]
    Notifications {
        /// Topic OCID.
        topic_id: Option<String>,
    },
    /// A Streaming stream.
    #[serde(rename = "OSS", rename_all = "camelCase")]
    Streaming {
        /// Stream OCID.
        stream_id: Option<String>,
    },
    /// A Function.
    #[serde(rename = "FAAS", rename_all = "camelCase")]
    Functions {
        /// Function OCID.
        function_id: Option<String>,
    },
    /// An action type this version does not know.
    #[serde(other)]
    Unknown,
}

/// An action as sent on create and update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionDetails {
    /// The target, with `actionType`.
    #[serde(flatten)]
    pub target: ActionTarget,
    /// Whether the action runs.
    pub is_enabled: bool,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The action list wrapper OCI uses on create and update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionDetailsList {
    /// At most 10 actions.
    pub actions: Vec<ActionDetails>,
}

/// An action as OCI returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// The target, with `actionType`.
    #[serde(flatten)]
    pub target: ActionTarget,
    /// Action OCID.
    pub id: String,
    /// Lifecycle.
    pub lifecycle_state: LifecycleState,
    /// Why the action is in its state, when OCI says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_message: Option<String>,
    /// Whether the action runs.
    #[serde(default)]
    pub is_enabled: bool,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The action list wrapper OCI returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionList {
    /// The actions.
    pub actions: Vec<Action>,
}

/// A rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Rule OCID.
    pub id: String,
    /// Name shown in the console.
    pub display_name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Lifecycle.
    pub lifecycle_state: LifecycleState,
    /// The filter, a JSON document as a string.
    pub condition: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Whether the rule matches events.
    pub is_enabled: bool,
    /// Free-form tags.
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default)]
    pub defined_tags: DefinedTags,
    /// The actions.
    pub actions: ActionList,
    /// Creation time.
    pub time_created: DateTime<Utc>,
    /// Why the rule is in its state, when OCI says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_message: Option<String>,
}

/// A rule in a list: [`Rule`] without its actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSummary {
    /// Rule OCID.
    pub id: String,
    /// Name shown in the console.
    pub display_name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Lifecycle.
    pub lifecycle_state: LifecycleState,
    /// The filter, a JSON document as a string.
    pub condition: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Whether the rule matches events.
    pub is_enabled: bool,
    /// Free-form tags.
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default)]
    pub defined_tags: DefinedTags,
    /// Creation time.
    pub time_created: DateTime<Utc>,
}

/// Body of CreateRule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRuleDetails {
    /// Name shown in the console.
    pub display_name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the rule matches events.
    pub is_enabled: bool,
    /// The filter, a JSON document as a string.
    pub condition: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// The actions.
    pub actions: ActionDetailsList,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "FreeformTags::is_empty")]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default, skip_serializing_if = "DefinedTags::is_empty")]
    pub defined_tags: DefinedTags,
}

/// Body of UpdateRule: only the fields present change; `actions` replaces the whole set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRuleDetails {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enable or disable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    /// New condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// New action set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<ActionDetailsList>,
    /// New free-form tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    /// New defined tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
}

/// Parameters of ListRules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRulesRequest {
    /// Compartment OCID (required).
    pub compartment_id: String,
    /// Page size, 1 to 50.
    pub limit: Option<u32>,
    /// Page token from `opc-next-page`.
    pub page: Option<String>,
    /// Only rules in this state.
    pub lifecycle_state: Option<LifecycleState>,
    /// Only rules with this display name.
    pub display_name: Option<String>,
    /// Sort key.
    pub sort_by: Option<RuleSortBy>,
    /// Sort direction.
    pub sort_order: Option<SortOrder>,
}

const fn op(name: &'static str, verb: Verb) -> Operation {
    Operation { name, service: Service::Events, resource: "cloudevents-rules", verb }
}

/// ListRules.
pub static LIST_RULES: Operation = op("ListRules", Verb::Inspect);
/// GetRule.
pub static GET_RULE: Operation = op("GetRule", Verb::Read);
/// CreateRule.
pub static CREATE_RULE: Operation = op("CreateRule", Verb::Manage);
/// UpdateRule.
pub static UPDATE_RULE: Operation = op("UpdateRule", Verb::Manage);
/// DeleteRule.
pub static DELETE_RULE: Operation = op("DeleteRule", Verb::Manage);
/// ChangeRuleCompartment.
pub static CHANGE_RULE_COMPARTMENT: Operation = op("ChangeRuleCompartment", Verb::Manage);

impl OciClient {
    /// [ListRules](https://docs.oracle.com/iaas/api/#/en/events/20181201/RuleSummary/ListRules)
    pub async fn list_rules(&self, request: &ListRulesRequest) -> Result<Response<Vec<RuleSummary>>, OciError> {
        let call = Call::new(&LIST_RULES, Method::GET, "/rules".into())
            .query("compartmentId", Some(&request.compartment_id))
            .query("limit", request.limit)
            .query("page", request.page.as_ref())
            .query("lifecycleState", request.lifecycle_state.as_ref())
            .query("displayName", request.display_name.as_ref())
            .query("sortBy", request.sort_by.as_ref())
            .query("sortOrder", request.sort_order.as_ref());
        self.send(call).await
    }

    /// [GetRule](https://docs.oracle.com/iaas/api/#/en/events/20181201/Rule/GetRule)
    pub async fn get_rule(&self, rule_id: &str) -> Result<Response<Rule>, OciError> {
        self.send(Call::new(&GET_RULE, Method::GET, format!("/rules/{}", escape(rule_id)))).await
    }

    /// [CreateRule](https://docs.oracle.com/iaas/api/#/en/events/20181201/Rule/CreateRule)
    pub async fn create_rule(&self, details: &CreateRuleDetails) -> Result<Response<Rule>, OciError> {
        self.create_rule_with_token(details, None).await
    }

    /// CreateRule with the caller's `opc-retry-token`.
    pub async fn create_rule_with_token(
        &self,
        details: &CreateRuleDetails,
        retry_token: Option<&str>,
    ) -> Result<Response<Rule>, OciError> {
        let call = Call::new(&CREATE_RULE, Method::POST, "/rules".into()).json(details)?;
        self.send(call.idempotent_create_with(retry_token)).await
    }

    /// [UpdateRule](https://docs.oracle.com/iaas/api/#/en/events/20181201/Rule/UpdateRule)
    pub async fn update_rule(
        &self,
        rule_id: &str,
        details: &UpdateRuleDetails,
        if_match: Option<&str>,
    ) -> Result<Response<Rule>, OciError> {
        let call = Call::new(&UPDATE_RULE, Method::PUT, format!("/rules/{}", escape(rule_id))).json(details)?;
        self.send(call.if_match(if_match)).await
    }

    /// [DeleteRule](https://docs.oracle.com/iaas/api/#/en/events/20181201/Rule/DeleteRule)
    pub async fn delete_rule(&self, rule_id: &str, if_match: Option<&str>) -> Result<Response<()>, OciError> {
        let call = Call::new(&DELETE_RULE, Method::DELETE, format!("/rules/{}", escape(rule_id)));
        self.send_empty(call.if_match(if_match)).await
    }

    /// [ChangeRuleCompartment](https://docs.oracle.com/iaas/api/#/en/events/20181201/Rule/ChangeRuleCompartment)
    pub async fn change_rule_compartment(
        &self,
        rule_id: &str,
        compartment_id: &str,
        if_match: Option<&str>,
    ) -> Result<Response<()>, OciError> {
        let path = format!("/rules/{}/actions/changeCompartment", escape(rule_id));
        let details = ChangeCompartmentDetails { compartment_id: compartment_id.to_owned() };
        let call = Call::new(&CHANGE_RULE_COMPARTMENT, Method::POST, path).json(&details)?.idempotent_create();
        self.send_empty(call.if_match(if_match)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_cli_action_json_round_trips() {
        let wire = r#"{"actionType":"ONS","topicId":"ocid1.onstopic.oc1.iad.example","isEnabled":true}"#;
        let action: ActionDetails = serde_json::from_str(wire).unwrap();
        assert_eq!(
            action.target,
            ActionTarget::Notifications { topic_id: Some("ocid1.onstopic.oc1.iad.example".into()) }
        );
        assert_eq!(serde_json::to_string(&action).unwrap(), wire);
    }

    #[test]
    fn a_rule_from_oci_parses_with_unknown_states_and_action_types() {
        let wire = serde_json::json!({
            "id": "ocid1.eventrule.oc1.iad.x",
            "displayName": "notify-on-launch",
            "lifecycleState": "MIGRATING",
            "condition": "{\"eventType\":[\"com.oraclecloud.computeapi.launchinstance.end\"]}",
            "compartmentId": "ocid1.compartment.oc1..c",
            "isEnabled": true,
            "freeformTags": {"team": "ops"},
            "definedTags": {"Operations": {"CostCenter": "42"}},
            "timeCreated": "2018-09-12T22:47:12.613Z",
            "actions": {"actions": [
                {"actionType": "ONS", "id": "ocid1.eventaction.oc1.iad.a", "lifecycleState": "ACTIVE", "isEnabled": true, "topicId": "t"},
                {"actionType": "QUEUE", "id": "ocid1.eventaction.oc1.iad.b", "lifecycleState": "ACTIVE", "isEnabled": false}
            ]}
        });
        let rule: Rule = serde_json::from_value(wire).unwrap();
        assert_eq!(rule.lifecycle_state, LifecycleState::Unknown("MIGRATING".into()));
        assert_eq!(rule.actions.actions[1].target, ActionTarget::Unknown);
        assert_eq!(rule.freeform_tags["team"], "ops");
    }

    #[test]
    fn updates_send_only_what_changes() {
        let details = UpdateRuleDetails { is_enabled: Some(false), ..Default::default() };
        assert_eq!(serde_json::to_string(&details).unwrap(), r#"{"isEnabled":false}"#);
    }
}
