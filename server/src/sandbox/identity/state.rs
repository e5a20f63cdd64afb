//! Identity: compartments, users and policies (the state half). Users live in the tenancy;
//! policies in any compartment. Names are unique where OCI makes them unique (users in the
//! tenancy, policies in their compartment).

use super::super::error::SandboxError;
use super::super::world::{Replay, World};
use crate::oci::identity::{
    Compartment, CreatePolicyDetails, CreateUserDetails, IdentityState, Policy, UpdatePolicyDetails, UpdateUserDetails,
    User,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Users and policies by OCID.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct IdentityStore {
    users: BTreeMap<String, User>,
    policies: BTreeMap<String, Policy>,
    created: Option<DateTime<Utc>>,
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
        let created = *self.identity.created.get_or_insert_with(Utc::now);
        let compartments = self
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
            .map(|c| Compartment {
                id: c.id.clone(),
                compartment_id: c.parent.clone().unwrap_or_default(),
                name: c.name.clone(),
                description: format!("Sandbox compartment {}", c.name),
                lifecycle_state: IdentityState::Active,
                time_created: created,
            })
            .collect();
        Ok(compartments)
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
}
