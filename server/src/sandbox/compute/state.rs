//! Compute instances: validation and storage (the state half).
//!
//! Instances are only as real as the events they emit: launch answers PROVISIONING and becomes
//! RUNNING right after, terminate removes the instance, and each action passes through its
//! transitional state. The events follow OCI's `.begin`/`.end` pairs.

use super::super::error::SandboxError;
use super::super::world::{Replay, World};
use crate::oci::compute::{Instance, InstanceActionType, InstanceState, LaunchInstanceDetails};
use chrono::Utc;
use std::collections::BTreeMap;

/// Instances by OCID.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ComputeState {
    instances: BTreeMap<String, Instance>,
}

impl World {
    /// LaunchInstance: the new instance, PROVISIONING.
    pub fn launch_instance(
        &mut self,
        details: LaunchInstanceDetails,
        retry_token: Option<&str>,
    ) -> Result<Instance, SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("LaunchInstance", retry_token, &request)? {
            return self.get_instance(&id).map_err(|_| SandboxError::invalidated_retry_token());
        }
        self.ensure_compartment(&details.compartment_id, "compartmentId")?;
        if details.shape.trim().is_empty() {
            return Err(SandboxError::invalid_parameter(
                "shape must name a compute shape, such as VM.Standard.E4.Flex.",
            ));
        }
        let id = self.new_ocid("instance");
        let instance = Instance {
            display_name: details.display_name.unwrap_or_else(|| format!("instance-{}", &id[id.len() - 6..])),
            id,
            compartment_id: details.compartment_id,
            availability_domain: details.availability_domain.unwrap_or_else(|| "Uocm:US-ASHBURN-AD-1".into()),
            shape: details.shape,
            lifecycle_state: InstanceState::Provisioning,
            region: self.region.clone(),
            time_created: Utc::now(),
            freeform_tags: details.freeform_tags,
            defined_tags: details.defined_tags,
        };
        self.remember("LaunchInstance", retry_token, &request, &instance.id);
        self.compute.instances.insert(instance.id.clone(), instance.clone());
        Ok(instance)
    }

    /// GetInstance.
    pub fn get_instance(&self, id: &str) -> Result<Instance, SandboxError> {
        self.compute.instances.get(id).cloned().ok_or_else(|| SandboxError::not_found("instance", id))
    }

    /// ListInstances (newest first, one page of at most 1000).
    pub fn list_instances(&mut self, compartment_id: &str) -> Result<Vec<Instance>, SandboxError> {
        self.ensure_compartment(compartment_id, "compartmentId")?;
        let mut instances: Vec<Instance> =
            self.compute.instances.values().filter(|i| i.compartment_id == compartment_id).cloned().collect();
        instances.sort_by_key(|i| std::cmp::Reverse(i.time_created));
        Ok(instances)
    }

    /// Moves an instance to `state`.
    pub fn set_instance_state(&mut self, id: &str, state: InstanceState) -> Result<Instance, SandboxError> {
        let instance = self.compute.instances.get_mut(id).ok_or_else(|| SandboxError::not_found("instance", id))?;
        instance.lifecycle_state = state;
        Ok(instance.clone())
    }

    /// Checks that `action` is possible now and returns the transitional and final states.
    pub fn plan_instance_action(
        &self,
        id: &str,
        action: &InstanceActionType,
    ) -> Result<(InstanceState, InstanceState), SandboxError> {
        let instance = self.get_instance(id)?;
        let running = instance.lifecycle_state == InstanceState::Running;
        let stopped = instance.lifecycle_state == InstanceState::Stopped;
        match action {
            InstanceActionType::Stop | InstanceActionType::SoftStop if running => {
                Ok((InstanceState::Stopping, InstanceState::Stopped))
            }
            InstanceActionType::Start if stopped => Ok((InstanceState::Starting, InstanceState::Running)),
            InstanceActionType::Reset | InstanceActionType::SoftReset if running => {
                Ok((InstanceState::Stopping, InstanceState::Running))
            }
            InstanceActionType::Unknown(other) => Err(SandboxError::invalid_parameter(format!(
                "action \"{other}\" is not STOP, START, SOFTSTOP, RESET or SOFTRESET."
            ))),
            _ => Err(SandboxError::incorrect_state(format!(
                "Instance {id} is {} and cannot {}.",
                instance.lifecycle_state,
                action.as_str().to_ascii_lowercase()
            ))),
        }
    }

    /// TerminateInstance: gone.
    pub fn terminate_instance(&mut self, id: &str) -> Result<Instance, SandboxError> {
        let mut instance = self.compute.instances.remove(id).ok_or_else(|| SandboxError::not_found("instance", id))?;
        instance.lifecycle_state = InstanceState::Terminated;
        Ok(instance)
    }
}
