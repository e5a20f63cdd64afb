//! Compute (`/20160918`): instances, as far as Signalbox uses them (the sandbox's event source).
//!
//! Reference: <https://docs.oracle.com/iaas/api/#/en/iaas/20160918/Instance/>.

use super::client::{Call, OciClient, Response};
use super::error::{OciError, Operation, Verb};
use super::region::Service;
use super::wire::{DefinedTags, FreeformTags, escape, oci_enum};
use chrono::{DateTime, Utc};
use http::Method;
use serde::{Deserialize, Serialize};

oci_enum! {
    /// Lifecycle of an instance.
    InstanceState {
        Moving = "MOVING",
        Provisioning = "PROVISIONING",
        Running = "RUNNING",
        Starting = "STARTING",
        Stopping = "STOPPING",
        Stopped = "STOPPED",
        CreatingImage = "CREATING_IMAGE",
        Terminating = "TERMINATING",
        Terminated = "TERMINATED",
    }
}

oci_enum! {
    /// InstanceAction's `action` parameter.
    InstanceActionType {
        Stop = "STOP",
        Start = "START",
        SoftStop = "SOFTSTOP",
        Reset = "RESET",
        SoftReset = "SOFTRESET",
    }
}

/// An instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    /// Instance OCID.
    pub id: String,
    /// Name.
    #[serde(default)]
    pub display_name: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Availability domain.
    #[serde(default)]
    pub availability_domain: String,
    /// Shape.
    #[serde(default)]
    pub shape: String,
    /// Lifecycle.
    pub lifecycle_state: InstanceState,
    /// Region.
    #[serde(default)]
    pub region: String,
    /// Creation time.
    pub time_created: DateTime<Utc>,
    /// Free-form tags.
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default)]
    pub defined_tags: DefinedTags,
}

/// Body of LaunchInstance (the fields the sandbox models).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchInstanceDetails {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Availability domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_domain: Option<String>,
    /// Shape.
    pub shape: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "FreeformTags::is_empty")]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default, skip_serializing_if = "DefinedTags::is_empty")]
    pub defined_tags: DefinedTags,
}

const fn op(name: &'static str, verb: Verb) -> Operation {
    Operation { name, service: Service::Compute, resource: "instances", verb }
}

/// LaunchInstance.
pub static LAUNCH_INSTANCE: Operation = op("LaunchInstance", Verb::Manage);
/// GetInstance.
pub static GET_INSTANCE: Operation = op("GetInstance", Verb::Read);
/// ListInstances.
pub static LIST_INSTANCES: Operation = op("ListInstances", Verb::Inspect);
/// InstanceAction.
pub static INSTANCE_ACTION: Operation = op("InstanceAction", Verb::Use);
/// TerminateInstance.
pub static TERMINATE_INSTANCE: Operation = op("TerminateInstance", Verb::Manage);

impl OciClient {
    /// [LaunchInstance](https://docs.oracle.com/iaas/api/#/en/iaas/20160918/Instance/LaunchInstance)
    pub async fn launch_instance(&self, details: &LaunchInstanceDetails) -> Result<Response<Instance>, OciError> {
        self.send(Call::new(&LAUNCH_INSTANCE, Method::POST, "/instances".into()).json(details)?.idempotent_create())
            .await
    }

    /// [GetInstance](https://docs.oracle.com/iaas/api/#/en/iaas/20160918/Instance/GetInstance)
    pub async fn get_instance(&self, instance_id: &str) -> Result<Response<Instance>, OciError> {
        self.send(Call::new(&GET_INSTANCE, Method::GET, format!("/instances/{}", escape(instance_id)))).await
    }

    /// [ListInstances](https://docs.oracle.com/iaas/api/#/en/iaas/20160918/Instance/ListInstances) (one page)
    pub async fn list_instances(
        &self,
        compartment_id: &str,
        page: Option<&str>,
    ) -> Result<Response<Vec<Instance>>, OciError> {
        let call = Call::new(&LIST_INSTANCES, Method::GET, "/instances".into())
            .query("compartmentId", Some(compartment_id))
            .query("page", page);
        self.send(call).await
    }

    /// [InstanceAction](https://docs.oracle.com/iaas/api/#/en/iaas/20160918/Instance/InstanceAction)
    pub async fn instance_action(
        &self,
        instance_id: &str,
        action: &InstanceActionType,
    ) -> Result<Response<Instance>, OciError> {
        let call = Call::new(&INSTANCE_ACTION, Method::POST, format!("/instances/{}", escape(instance_id)))
            .query("action", Some(action));
        self.send(call).await
    }

    /// [TerminateInstance](https://docs.oracle.com/iaas/api/#/en/iaas/20160918/Instance/TerminateInstance)
    pub async fn terminate_instance(&self, instance_id: &str) -> Result<Response<()>, OciError> {
        self.send_empty(Call::new(&TERMINATE_INSTANCE, Method::DELETE, format!("/instances/{}", escape(instance_id))))
            .await
    }
}
