//! Identity (`/20160918`): compartments (for the compartment picker); users and policies (the
//! sandbox's IAM event source); and the policies, groups and group memberships pre-flight checks
//! read to tell whether IAM allows what a rule or a plan needs.
//!
//! Reference: <https://docs.oracle.com/iaas/api/#/en/identity/20160918/>.

use super::client::{Call, OciClient, Response};
use super::error::{OciError, Operation, Verb};
use super::region::Service;
use super::wire::{DefinedTags, FreeformTags, escape, oci_enum};
use chrono::{DateTime, Utc};
use http::Method;
use serde::{Deserialize, Serialize};

oci_enum! {
    /// Lifecycle of identity resources.
    IdentityState { Creating = "CREATING", Active = "ACTIVE", Inactive = "INACTIVE", Deleting = "DELETING", Deleted = "DELETED" }
}

/// A compartment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Compartment {
    /// Compartment OCID.
    pub id: String,
    /// Parent compartment OCID.
    pub compartment_id: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Lifecycle.
    pub lifecycle_state: IdentityState,
    /// Creation time.
    pub time_created: DateTime<Utc>,
}

/// Body of CreateCompartment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCompartmentDetails {
    /// Parent compartment OCID.
    pub compartment_id: String,
    /// Name, unique among the parent's compartments.
    pub name: String,
    /// Description.
    pub description: String,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User OCID.
    pub id: String,
    /// Tenancy OCID.
    pub compartment_id: String,
    /// Login name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Lifecycle.
    pub lifecycle_state: IdentityState,
    /// Creation time.
    pub time_created: DateTime<Utc>,
    /// Free-form tags.
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default)]
    pub defined_tags: DefinedTags,
}

/// Body of CreateUser.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUserDetails {
    /// Tenancy OCID.
    pub compartment_id: String,
    /// Login name.
    pub name: String,
    /// Description.
    pub description: String,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Body of UpdateUser.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserDetails {
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Policy OCID.
    pub id: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Name.
    pub name: String,
    /// Statements (`Allow group ops to manage ons-topics in compartment prod`).
    pub statements: Vec<String>,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Lifecycle.
    pub lifecycle_state: IdentityState,
    /// Creation time.
    pub time_created: DateTime<Utc>,
}

/// Body of CreatePolicy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePolicyDetails {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Name.
    pub name: String,
    /// Statements.
    pub statements: Vec<String>,
    /// Description.
    pub description: String,
}

/// Body of UpdatePolicy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePolicyDetails {
    /// New statements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statements: Option<Vec<String>>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Group OCID.
    pub id: String,
    /// Tenancy OCID.
    pub compartment_id: String,
    /// Name, unique in the tenancy.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Lifecycle.
    pub lifecycle_state: IdentityState,
    /// Creation time.
    pub time_created: DateTime<Utc>,
}

/// Body of CreateGroup.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateGroupDetails {
    /// Tenancy OCID.
    pub compartment_id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
}

/// A user's membership of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserGroupMembership {
    /// Membership OCID.
    pub id: String,
    /// Tenancy OCID.
    pub compartment_id: String,
    /// Group OCID.
    pub group_id: String,
    /// User OCID.
    pub user_id: String,
    /// Lifecycle.
    pub lifecycle_state: IdentityState,
    /// Creation time.
    pub time_created: DateTime<Utc>,
}

/// Body of AddUserToGroup.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddUserToGroupDetails {
    /// User OCID.
    pub user_id: String,
    /// Group OCID.
    pub group_id: String,
}

const fn op(name: &'static str, resource: &'static str, verb: Verb) -> Operation {
    Operation { name, service: Service::Identity, resource, verb }
}

/// ListCompartments.
pub static LIST_COMPARTMENTS: Operation = op("ListCompartments", "compartments", Verb::Inspect);
/// CreateCompartment.
pub static CREATE_COMPARTMENT: Operation = op("CreateCompartment", "compartments", Verb::Manage);
/// CreateUser.
pub static CREATE_USER: Operation = op("CreateUser", "users", Verb::Manage);
/// UpdateUser.
pub static UPDATE_USER: Operation = op("UpdateUser", "users", Verb::Manage);
/// DeleteUser.
pub static DELETE_USER: Operation = op("DeleteUser", "users", Verb::Manage);
/// CreatePolicy.
pub static CREATE_POLICY: Operation = op("CreatePolicy", "policies", Verb::Manage);
/// UpdatePolicy.
pub static UPDATE_POLICY: Operation = op("UpdatePolicy", "policies", Verb::Manage);
/// DeletePolicy.
pub static DELETE_POLICY: Operation = op("DeletePolicy", "policies", Verb::Manage);
/// ListPolicies.
pub static LIST_POLICIES: Operation = op("ListPolicies", "policies", Verb::Inspect);
/// ListGroups.
pub static LIST_GROUPS: Operation = op("ListGroups", "groups", Verb::Inspect);
/// CreateGroup.
pub static CREATE_GROUP: Operation = op("CreateGroup", "groups", Verb::Manage);
/// ListUserGroupMemberships.
pub static LIST_USER_GROUP_MEMBERSHIPS: Operation = op("ListUserGroupMemberships", "groups", Verb::Inspect);
/// AddUserToGroup.
pub static ADD_USER_TO_GROUP: Operation = op("AddUserToGroup", "groups", Verb::Use);
/// RemoveUserFromGroup.
pub static REMOVE_USER_FROM_GROUP: Operation = op("RemoveUserFromGroup", "groups", Verb::Use);

impl OciClient {
    /// [ListCompartments](https://docs.oracle.com/iaas/api/#/en/identity/20160918/Compartment/ListCompartments):
    /// one page of the compartments below `parent_id` (the whole subtree when `subtree`).
    pub async fn list_compartments(
        &self,
        parent_id: &str,
        subtree: bool,
        page: Option<&str>,
    ) -> Result<Response<Vec<Compartment>>, OciError> {
        let call = Call::new(&LIST_COMPARTMENTS, Method::GET, "/compartments".into())
            .query("compartmentId", Some(parent_id))
            .query("compartmentIdInSubtree", subtree.then_some("true"))
            .query("accessLevel", subtree.then_some("ANY"))
            .query("page", page);
        self.send(call).await
    }

    /// [CreateCompartment](https://docs.oracle.com/iaas/api/#/en/identity/20160918/Compartment/CreateCompartment)
    pub async fn create_compartment(
        &self,
        details: &CreateCompartmentDetails,
    ) -> Result<Response<Compartment>, OciError> {
        let call = Call::new(&CREATE_COMPARTMENT, Method::POST, "/compartments".into()).json(details)?;
        self.send(call.idempotent_create()).await
    }

    /// [CreateUser](https://docs.oracle.com/iaas/api/#/en/identity/20160918/User/CreateUser)
    pub async fn create_user(&self, details: &CreateUserDetails) -> Result<Response<User>, OciError> {
        self.send(Call::new(&CREATE_USER, Method::POST, "/users".into()).json(details)?.idempotent_create()).await
    }

    /// [UpdateUser](https://docs.oracle.com/iaas/api/#/en/identity/20160918/User/UpdateUser)
    pub async fn update_user(&self, user_id: &str, details: &UpdateUserDetails) -> Result<Response<User>, OciError> {
        self.send(Call::new(&UPDATE_USER, Method::PUT, format!("/users/{}", escape(user_id))).json(details)?).await
    }

    /// [DeleteUser](https://docs.oracle.com/iaas/api/#/en/identity/20160918/User/DeleteUser)
    pub async fn delete_user(&self, user_id: &str) -> Result<Response<()>, OciError> {
        self.send_empty(Call::new(&DELETE_USER, Method::DELETE, format!("/users/{}", escape(user_id)))).await
    }

    /// [CreatePolicy](https://docs.oracle.com/iaas/api/#/en/identity/20160918/Policy/CreatePolicy)
    pub async fn create_policy(&self, details: &CreatePolicyDetails) -> Result<Response<Policy>, OciError> {
        self.send(Call::new(&CREATE_POLICY, Method::POST, "/policies".into()).json(details)?.idempotent_create()).await
    }

    /// [UpdatePolicy](https://docs.oracle.com/iaas/api/#/en/identity/20160918/Policy/UpdatePolicy)
    pub async fn update_policy(
        &self,
        policy_id: &str,
        details: &UpdatePolicyDetails,
    ) -> Result<Response<Policy>, OciError> {
        self.send(Call::new(&UPDATE_POLICY, Method::PUT, format!("/policies/{}", escape(policy_id))).json(details)?)
            .await
    }

    /// [DeletePolicy](https://docs.oracle.com/iaas/api/#/en/identity/20160918/Policy/DeletePolicy)
    pub async fn delete_policy(&self, policy_id: &str) -> Result<Response<()>, OciError> {
        self.send_empty(Call::new(&DELETE_POLICY, Method::DELETE, format!("/policies/{}", escape(policy_id)))).await
    }

    /// [ListPolicies](https://docs.oracle.com/iaas/api/#/en/identity/20160918/Policy/ListPolicies):
    /// one page of the policies attached to `compartment_id` (not its subcompartments).
    pub async fn list_policies(
        &self,
        compartment_id: &str,
        page: Option<&str>,
    ) -> Result<Response<Vec<Policy>>, OciError> {
        let call = Call::new(&LIST_POLICIES, Method::GET, "/policies".into())
            .query("compartmentId", Some(compartment_id))
            .query("limit", Some("100"))
            .query("page", page);
        self.send(call).await
    }

    /// [ListGroups](https://docs.oracle.com/iaas/api/#/en/identity/20160918/Group/ListGroups): one
    /// page of the tenancy's groups.
    pub async fn list_groups(&self, tenancy_id: &str, page: Option<&str>) -> Result<Response<Vec<Group>>, OciError> {
        let call = Call::new(&LIST_GROUPS, Method::GET, "/groups".into())
            .query("compartmentId", Some(tenancy_id))
            .query("limit", Some("100"))
            .query("page", page);
        self.send(call).await
    }

    /// [CreateGroup](https://docs.oracle.com/iaas/api/#/en/identity/20160918/Group/CreateGroup)
    pub async fn create_group(&self, details: &CreateGroupDetails) -> Result<Response<Group>, OciError> {
        self.send(Call::new(&CREATE_GROUP, Method::POST, "/groups".into()).json(details)?.idempotent_create()).await
    }

    /// [ListUserGroupMemberships](https://docs.oracle.com/iaas/api/#/en/identity/20160918/UserGroupMembership/ListUserGroupMemberships):
    /// one page of `user_id`'s group memberships.
    pub async fn list_user_group_memberships(
        &self,
        tenancy_id: &str,
        user_id: &str,
        page: Option<&str>,
    ) -> Result<Response<Vec<UserGroupMembership>>, OciError> {
        let call = Call::new(&LIST_USER_GROUP_MEMBERSHIPS, Method::GET, "/userGroupMemberships".into())
            .query("compartmentId", Some(tenancy_id))
            .query("userId", Some(user_id))
            .query("limit", Some("100"))
            .query("page", page);
        self.send(call).await
    }

    /// [AddUserToGroup](https://docs.oracle.com/iaas/api/#/en/identity/20160918/UserGroupMembership/AddUserToGroup)
    pub async fn add_user_to_group(
        &self,
        details: &AddUserToGroupDetails,
    ) -> Result<Response<UserGroupMembership>, OciError> {
        let call = Call::new(&ADD_USER_TO_GROUP, Method::POST, "/userGroupMemberships".into()).json(details)?;
        self.send(call.idempotent_create()).await
    }

    /// [RemoveUserFromGroup](https://docs.oracle.com/iaas/api/#/en/identity/20160918/UserGroupMembership/RemoveUserFromGroup)
    pub async fn remove_user_from_group(&self, membership_id: &str) -> Result<Response<()>, OciError> {
        let path = format!("/userGroupMemberships/{}", escape(membership_id));
        self.send_empty(Call::new(&REMOVE_USER_FROM_GROUP, Method::DELETE, path)).await
    }
}
