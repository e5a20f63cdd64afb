//! Identity: compartments, users, groups, group memberships and policies (the state half). Users
//! and groups live in the tenancy; policies in any compartment. Names are unique where OCI makes
//! them unique (users and groups in the tenancy, policies in their compartment).
//!
//! Every tenancy starts as OCI's do: an `Administrators` group and the `Tenant Admin Policy`
//! letting it manage all resources. A user whose API key the sandbox is given becomes a member
//! (as the user who creates a tenancy is), so everything works until a test or a user takes the
//! membership away. Memberships accept any user OCID: the sandbox knows most users only by their
//! keys, which live beside the world, not in it (design choice).

use super::super::error::SandboxError;
use super::super::world::paginate;
use super::super::world::{Replay, World};
use crate::oci::identity::{
    AddUserToGroupDetails, Compartment, CreateCompartmentDetails, CreateGroupDetails, CreatePolicyDetails,
    CreateUserDetails, Group, IdentityState, Policy, UpdatePolicyDetails, UpdateUserDetails, User, UserGroupMembership,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The group every tenancy starts with.
pub const ADMINISTRATORS: &str = "Administrators";

/// Users, groups, memberships and policies by OCID.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct IdentityStore {
    users: BTreeMap<String, User>,
    policies: BTreeMap<String, Policy>,
    #[serde(default)]
    groups: BTreeMap<String, Group>,
    #[serde(default)]
    memberships: BTreeMap<String, UserGroupMembership>,
    created: Option<DateTime<Utc>>,
}

/// ListPolicies query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPoliciesQuery {
    /// The compartment the policies are attached to.
    pub compartment_id: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Page token.
    pub page: Option<String>,
}

/// ListGroups and ListUserGroupMemberships query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListGroupsQuery {
    /// The tenancy.
    pub compartment_id: Option<String>,
    /// Only this user's memberships.
    pub user_id: Option<String>,
    /// Only this group's memberships.
    pub group_id: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Page token.
    pub page: Option<String>,
}

/// ListCompartments query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListCompartmentsQuery {
    /// Parent compartment.
    pub compartment_id: Option<String>,
    /// Include the whole subtree.
    pub compartment_id_in_subtree: Option<bool>,
}

impl World {
    /// ListCompartments: children of the parent, or the whole subtree.
    pub fn list_compartments(&mut self, query: &ListCompartmentsQuery) -> Result<Vec<Compartment>, SandboxError> {
        let parent = query.compartment_id.as_deref().ok_or_else(|| SandboxError::missing_parameter("compartmentId"))?;
        if parent != self.tenancy {
            self.ensure_compartment(parent, "compartmentId")?;
        }
        let subtree = query.compartment_id_in_subtree.unwrap_or(false);
        let ids: Vec<String> = self
            .compartments
            .values()
            .filter(|c| c.parent.is_some())
            .filter(|c| {
                if subtree {
                    self.lineage(&c.id).iter().skip(1).any(|a| a == parent)
                } else {
                    c.parent.as_deref() == Some(parent)
                }
            })
            .map(|c| c.id.clone())
            .collect();
        Ok(ids.iter().filter_map(|id| self.compartment(id)).collect())
    }

    /// CreateCompartment: a child of any compartment, its name unique among its siblings (OCI
    /// makes it unique that way too). Its OCID has no region, as a compartment's has none.
    pub fn create_compartment(
        &mut self,
        details: CreateCompartmentDetails,
        retry_token: Option<&str>,
    ) -> Result<Compartment, SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("CreateCompartment", retry_token, &request)? {
            return self.compartment(&id).ok_or_else(SandboxError::invalidated_retry_token);
        }
        let parent = details.compartment_id.trim();
        if !self.compartments.contains_key(parent) {
            return Err(SandboxError::related_not_found(format!(
                "compartmentId {parent} is not a compartment of this tenancy."
            )));
        }
        let name = details.name.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if name.is_empty() || name.len() > 100 || !name.chars().all(allowed) {
            return Err(SandboxError::invalid_parameter(
                "name must be 1 to 100 letters, digits, periods, hyphens or underscores.",
            ));
        }
        if details.description.is_empty() || details.description.len() > 400 {
            return Err(SandboxError::invalid_parameter("description must be 1 to 400 characters."));
        }
        let taken = self
            .compartments
            .values()
            .any(|c| c.parent.as_deref() == Some(parent) && c.name.eq_ignore_ascii_case(name));
        if taken {
            return Err(SandboxError::already_exists(format!("A compartment named {name} already exists here.")));
        }
        let id = format!("ocid1.compartment.oc1..{}", super::super::world::random_lowercase(60));
        let made =
            super::super::world::Compartment { id: id.clone(), name: name.to_owned(), parent: Some(parent.to_owned()) };
        self.compartments.insert(id.clone(), made);
        self.remember("CreateCompartment", retry_token, &request, &id);
        self.compartment(&id).ok_or_else(|| SandboxError::internal("a compartment just made is missing"))
    }

    /// A compartment as Identity answers it.
    fn compartment(&mut self, id: &str) -> Option<Compartment> {
        let created = *self.identity.created.get_or_insert_with(Utc::now);
        let c = self.compartments.get(id)?;
        Some(Compartment {
            id: c.id.clone(),
            compartment_id: c.parent.clone().unwrap_or_default(),
            name: c.name.clone(),
            description: format!("Sandbox compartment {}", c.name),
            lifecycle_state: IdentityState::Active,
            time_created: created,
        })
    }

    /// CreateUser.
    pub fn create_user(&mut self, details: CreateUserDetails, retry_token: Option<&str>) -> Result<User, SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("CreateUser", retry_token, &request)? {
            return self.identity.users.get(&id).cloned().ok_or_else(SandboxError::invalidated_retry_token);
        }
        if details.compartment_id != self.tenancy {
            return Err(SandboxError::invalid_parameter("compartmentId of a user must be the tenancy OCID."));
        }
        if details.name.trim().is_empty() || details.name.len() > 100 {
            return Err(SandboxError::invalid_parameter("name must be 1 to 100 characters."));
        }
        if self.identity.users.values().any(|u| u.name == details.name) {
            return Err(SandboxError::already_exists(format!("A user named {} already exists.", details.name)));
        }
        let user = User {
            id: self.new_ocid("user"),
            compartment_id: details.compartment_id,
            name: details.name,
            description: details.description,
            email: details.email,
            lifecycle_state: IdentityState::Active,
            time_created: Utc::now(),
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
        };
        self.remember("CreateUser", retry_token, &request, &user.id);
        self.identity.users.insert(user.id.clone(), user.clone());
        Ok(user)
    }

    /// UpdateUser.
    pub fn update_user(&mut self, id: &str, details: UpdateUserDetails) -> Result<User, SandboxError> {
        let user = self.identity.users.get_mut(id).ok_or_else(|| SandboxError::not_found("user", id))?;
        if let Some(description) = details.description {
            user.description = description;
        }
        if let Some(email) = details.email {
            user.email = Some(email);
        }
        Ok(user.clone())
    }

    /// DeleteUser.
    pub fn delete_user(&mut self, id: &str) -> Result<User, SandboxError> {
        self.identity.users.remove(id).ok_or_else(|| SandboxError::not_found("user", id))
    }

    /// CreatePolicy.
    pub fn create_policy(
        &mut self,
        details: CreatePolicyDetails,
        retry_token: Option<&str>,
    ) -> Result<Policy, SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("CreatePolicy", retry_token, &request)? {
            return self.identity.policies.get(&id).cloned().ok_or_else(SandboxError::invalidated_retry_token);
        }
        if details.compartment_id != self.tenancy {
            self.ensure_compartment(&details.compartment_id, "compartmentId")?;
        }
        if details.statements.is_empty() {
            return Err(SandboxError::invalid_parameter("statements must hold at least one statement."));
        }
        if self.identity.policies.values().any(|p| p.compartment_id == details.compartment_id && p.name == details.name)
        {
            return Err(SandboxError::already_exists(format!("A policy named {} already exists here.", details.name)));
        }
        let policy = Policy {
            id: self.new_ocid("policy"),
            compartment_id: details.compartment_id,
            name: details.name,
            statements: details.statements,
            description: details.description,
            lifecycle_state: IdentityState::Active,
            time_created: Utc::now(),
        };
        self.remember("CreatePolicy", retry_token, &request, &policy.id);
        self.identity.policies.insert(policy.id.clone(), policy.clone());
        Ok(policy)
    }

    /// UpdatePolicy.
    pub fn update_policy(&mut self, id: &str, details: UpdatePolicyDetails) -> Result<Policy, SandboxError> {
        let policy = self.identity.policies.get_mut(id).ok_or_else(|| SandboxError::not_found("policy", id))?;
        if let Some(statements) = details.statements {
            if statements.is_empty() {
                return Err(SandboxError::invalid_parameter("statements must hold at least one statement."));
            }
            policy.statements = statements;
        }
        if let Some(description) = details.description {
            policy.description = description;
        }
        Ok(policy.clone())
    }

    /// DeletePolicy.
    pub fn delete_policy(&mut self, id: &str) -> Result<Policy, SandboxError> {
        self.identity.policies.remove(id).ok_or_else(|| SandboxError::not_found("policy", id))
    }

    /// ListPolicies: the policies attached to one compartment, by name.
    pub fn list_policies(&mut self, query: &ListPoliciesQuery) -> Result<(Vec<Policy>, Option<String>), SandboxError> {
        let compartment =
            query.compartment_id.as_deref().ok_or_else(|| SandboxError::missing_parameter("compartmentId"))?;
        if compartment != self.tenancy {
            self.ensure_compartment(compartment, "compartmentId")?;
        }
        let mut policies: Vec<Policy> =
            self.identity.policies.values().filter(|p| p.compartment_id == compartment).cloned().collect();
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        paginate(&policies, query.limit, query.page.as_deref(), 1000)
    }

    /// Creates the `Administrators` group and the `Tenant Admin Policy` when missing: every
    /// tenancy has them from its first day.
    pub fn ensure_administrators(&mut self) -> String {
        if let Some(group) = self.identity.groups.values().find(|g| g.name == ADMINISTRATORS) {
            return group.id.clone();
        }
        let group = Group {
            id: self.new_ocid("group"),
            compartment_id: self.tenancy.clone(),
            name: ADMINISTRATORS.into(),
            description: "Administrators of the tenancy".into(),
            lifecycle_state: IdentityState::Active,
            time_created: Utc::now(),
        };
        let policy = Policy {
            id: self.new_ocid("policy"),
            compartment_id: self.tenancy.clone(),
            name: "Tenant Admin Policy".into(),
            statements: vec![format!("ALLOW GROUP {ADMINISTRATORS} to manage all-resources IN TENANCY")],
            description: "Tenant Admin Policy".into(),
            lifecycle_state: IdentityState::Active,
            time_created: group.time_created,
        };
        self.identity.policies.insert(policy.id.clone(), policy);
        let id = group.id.clone();
        self.identity.groups.insert(group.id.clone(), group);
        id
    }

    /// Makes the user of a key given to the sandbox an administrator, unless it already belongs
    /// to a group (a membership taken away stays away when the key is given again).
    pub fn admit_key_user(&mut self, user_id: &str) {
        if self.identity.memberships.values().any(|m| m.user_id == user_id) {
            return;
        }
        let group_id = self.ensure_administrators();
        let membership = UserGroupMembership {
            id: self.new_ocid("groupmembership"),
            compartment_id: self.tenancy.clone(),
            group_id,
            user_id: user_id.to_owned(),
            lifecycle_state: IdentityState::Active,
            time_created: Utc::now(),
        };
        self.identity.memberships.insert(membership.id.clone(), membership);
    }

    /// ListGroups.
    pub fn list_groups(&mut self, query: &ListGroupsQuery) -> Result<(Vec<Group>, Option<String>), SandboxError> {
        self.check_tenancy(query.compartment_id.as_deref())?;
        let groups: Vec<Group> = self.identity.groups.values().cloned().collect();
        paginate(&groups, query.limit, query.page.as_deref(), 1000)
    }

    /// CreateGroup.
    pub fn create_group(
        &mut self,
        details: CreateGroupDetails,
        retry_token: Option<&str>,
    ) -> Result<Group, SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("CreateGroup", retry_token, &request)? {
            return self.identity.groups.get(&id).cloned().ok_or_else(SandboxError::invalidated_retry_token);
        }
        self.check_tenancy(Some(&details.compartment_id))?;
        if details.name.trim().is_empty() || details.name.len() > 100 {
            return Err(SandboxError::invalid_parameter("name must be 1 to 100 characters."));
        }
        if self.identity.groups.values().any(|g| g.name.eq_ignore_ascii_case(&details.name)) {
            return Err(SandboxError::already_exists(format!("A group named {} already exists.", details.name)));
        }
        let group = Group {
            id: self.new_ocid("group"),
            compartment_id: details.compartment_id,
            name: details.name,
            description: details.description,
            lifecycle_state: IdentityState::Active,
            time_created: Utc::now(),
        };
        self.remember("CreateGroup", retry_token, &request, &group.id);
        self.identity.groups.insert(group.id.clone(), group.clone());
        Ok(group)
    }

    /// ListUserGroupMemberships: by user, by group, or both.
    pub fn list_memberships(
        &mut self,
        query: &ListGroupsQuery,
    ) -> Result<(Vec<UserGroupMembership>, Option<String>), SandboxError> {
        self.check_tenancy(query.compartment_id.as_deref())?;
        let memberships: Vec<UserGroupMembership> = self
            .identity
            .memberships
            .values()
            .filter(|m| query.user_id.as_ref().is_none_or(|u| &m.user_id == u))
            .filter(|m| query.group_id.as_ref().is_none_or(|g| &m.group_id == g))
            .cloned()
            .collect();
        paginate(&memberships, query.limit, query.page.as_deref(), 1000)
    }

    /// AddUserToGroup.
    pub fn add_user_to_group(
        &mut self,
        details: AddUserToGroupDetails,
        retry_token: Option<&str>,
    ) -> Result<UserGroupMembership, SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("AddUserToGroup", retry_token, &request)? {
            return self.identity.memberships.get(&id).cloned().ok_or_else(SandboxError::invalidated_retry_token);
        }
        if !self.identity.groups.contains_key(&details.group_id) {
            return Err(SandboxError::not_found("group", &details.group_id));
        }
        if !details.user_id.starts_with("ocid1.user.") {
            return Err(SandboxError::invalid_parameter("userId must be a user OCID (ocid1.user.oc1..<unique>)."));
        }
        if self.identity.memberships.values().any(|m| m.user_id == details.user_id && m.group_id == details.group_id) {
            return Err(SandboxError::already_exists("The user is already in the group."));
        }
        let membership = UserGroupMembership {
            id: self.new_ocid("groupmembership"),
            compartment_id: self.tenancy.clone(),
            group_id: details.group_id,
            user_id: details.user_id,
            lifecycle_state: IdentityState::Active,
            time_created: Utc::now(),
        };
        self.remember("AddUserToGroup", retry_token, &request, &membership.id);
        self.identity.memberships.insert(membership.id.clone(), membership.clone());
        Ok(membership)
    }

    /// RemoveUserFromGroup.
    pub fn remove_user_from_group(&mut self, id: &str) -> Result<UserGroupMembership, SandboxError> {
        self.identity.memberships.remove(id).ok_or_else(|| SandboxError::not_found("userGroupMembership", id))
    }

    /// A group by OCID.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.identity.groups.get(id)
    }

    fn check_tenancy(&self, compartment: Option<&str>) -> Result<(), SandboxError> {
        match compartment {
            None => Err(SandboxError::missing_parameter("compartmentId")),
            Some(id) if id == self.tenancy => Ok(()),
            Some(_) => Err(SandboxError::invalid_parameter("compartmentId must be the tenancy OCID.")),
        }
    }
}
