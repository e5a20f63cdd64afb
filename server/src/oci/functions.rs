//! Functions (`/20260325`, the version the current SDK and CLI call): applications and functions
//! (list, get, and create for setup) and invoking a function.
//!
//! Reference: <https://docs.oracle.com/iaas/api/#/en/functions/20260325/>. Management calls go to
//! `functions.{region}.oci.{domain}`; an invoke goes to the function's own `invokeEndpoint`. Only
//! the fields Signalbox uses are typed; unknown fields are ignored, so newer API versions parse.
//!
//! For what Signalbox reads, 20260325 differs from 20181201 in one place: a function's image is in
//! `sourceDetails` (`{"sourceType": "CONTAINER_IMAGE", "image", "imageDigest"}`) instead of the
//! top-level `image` and `imageDigest`. [`Function`] reads both, so an answer of either version
//! parses; requests are written in 20260325's shape.

use super::client::{Call, OciClient, Response};
use super::error::{OciError, Operation, Verb};
use super::region::Service;
use super::wire::{DefinedTags, FreeformTags, SortOrder, escape, oci_enum};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderName, Method};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

oci_enum! {
    /// Lifecycle of an application or a function.
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
    /// How an invoke runs.
    InvokeType {
        /// Wait for the result.
        Sync = "sync",
        /// Return at once; the function runs in the background.
        Detached = "detached",
    }
}

oci_enum! {
    /// Where a function's code comes from.
    SourceType {
        /// A container image in OCIR.
        ContainerImage = "CONTAINER_IMAGE",
        /// One of Oracle's pre-built functions.
        PreBuiltFunctions = "PRE_BUILT_FUNCTIONS",
        /// A code archive.
        Archive = "ARCHIVE",
    }
}

/// A function's source (20260325's `sourceDetails`; only a container image's fields are typed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionSourceDetails {
    /// The kind of source.
    pub source_type: SourceType,
    /// The container image, for `CONTAINER_IMAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Its digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
}

impl FunctionSourceDetails {
    /// A container image source.
    pub fn container_image(image: String, image_digest: Option<String>) -> Self {
        Self { source_type: SourceType::ContainerImage, image: Some(image), image_digest }
    }
}

/// An application (a group of functions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// Application OCID.
    pub id: String,
    /// Compartment OCID.
    #[serde(default)]
    pub compartment_id: String,
    /// Name, unique in the compartment.
    #[serde(default)]
    pub display_name: String,
    /// Lifecycle.
    pub lifecycle_state: LifecycleState,
    /// Configuration passed to every function.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Subnets the functions run in.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Free-form tags.
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default)]
    pub defined_tags: DefinedTags,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_created: Option<DateTime<Utc>>,
    /// Last update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_updated: Option<DateTime<Utc>>,
}

/// An application in a list (the same fields; `config` comes back empty).
pub type ApplicationSummary = Application;

/// A function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Function {
    /// Function OCID.
    pub id: String,
    /// Name, unique in the application.
    #[serde(default)]
    pub display_name: String,
    /// Lifecycle.
    pub lifecycle_state: LifecycleState,
    /// Application OCID.
    #[serde(default)]
    pub application_id: String,
    /// Compartment OCID.
    #[serde(default)]
    pub compartment_id: String,
    /// Where its code comes from (20260325).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_details: Option<FunctionSourceDetails>,
    /// Container image (20181201; see [`Function::image`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Image digest (20181201).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    /// Memory limit.
    #[serde(default, rename = "memoryInMBs", skip_serializing_if = "Option::is_none")]
    pub memory_in_mbs: Option<u64>,
    /// Time limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_in_seconds: Option<u32>,
    /// Base URL for invoking it.
    #[serde(default)]
    pub invoke_endpoint: String,
    /// Configuration.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Free-form tags.
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default)]
    pub defined_tags: DefinedTags,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_created: Option<DateTime<Utc>>,
    /// Last update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_updated: Option<DateTime<Utc>>,
}

/// A function in a list (the same fields; `config` comes back empty).
pub type FunctionSummary = Function;

impl Function {
    /// Its container image, from whichever version answered.
    pub fn image(&self) -> Option<&str> {
        let source = self.source_details.as_ref().filter(|s| s.source_type == SourceType::ContainerImage);
        source.and_then(|s| s.image.as_deref()).or(self.image.as_deref())
    }
}

/// Body of CreateApplication (the fields Signalbox sets).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateApplicationDetails {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Name, unique in the compartment.
    pub display_name: String,
    /// Subnets the functions run in.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Configuration passed to every function.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,
}

/// Body of CreateFunction (the fields Signalbox sets).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFunctionDetails {
    /// Application OCID.
    pub application_id: String,
    /// Name, unique in the application.
    pub display_name: String,
    /// Where its code comes from (20260325).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_details: Option<FunctionSourceDetails>,
    /// Container image (20181201's field; the sandbox still takes it there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Memory limit.
    #[serde(rename = "memoryInMBs")]
    pub memory_in_mbs: u64,
    /// Time limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_in_seconds: Option<u32>,
    /// Configuration.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,
}

/// Parameters of ListApplications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListApplicationsRequest {
    /// Compartment OCID (required).
    pub compartment_id: String,
    /// Page size, 1 to 50.
    pub limit: Option<u32>,
    /// Page token.
    pub page: Option<String>,
    /// Only applications in this state.
    pub lifecycle_state: Option<LifecycleState>,
    /// Only the application with this exact name.
    pub display_name: Option<String>,
    /// Sort direction.
    pub sort_order: Option<SortOrder>,
}

/// Parameters of ListFunctions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFunctionsRequest {
    /// Application OCID (required).
    pub application_id: String,
    /// Page size, 1 to 50.
    pub limit: Option<u32>,
    /// Page token.
    pub page: Option<String>,
    /// Only functions in this state.
    pub lifecycle_state: Option<LifecycleState>,
    /// Only the function with this exact name.
    pub display_name: Option<String>,
    /// Sort direction.
    pub sort_order: Option<SortOrder>,
}

/// An invoke: the body and how to run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeRequest {
    /// Raw body, at most 6 MB.
    pub body: Vec<u8>,
    /// Its content type.
    pub content_type: String,
    /// Sync or detached.
    pub invoke_type: InvokeType,
}

const fn op(name: &'static str, resource: &'static str, verb: Verb) -> Operation {
    Operation { name, service: Service::Functions, resource, verb }
}

/// ListApplications.
pub static LIST_APPLICATIONS: Operation = op("ListApplications", "fn-app", Verb::Inspect);
/// GetApplication.
pub static GET_APPLICATION: Operation = op("GetApplication", "fn-app", Verb::Read);
/// ListFunctions.
pub static LIST_FUNCTIONS: Operation = op("ListFunctions", "fn-function", Verb::Inspect);
/// GetFunction.
pub static GET_FUNCTION: Operation = op("GetFunction", "fn-function", Verb::Read);
/// CreateApplication.
pub static CREATE_APPLICATION: Operation = op("CreateApplication", "fn-app", Verb::Manage);
/// CreateFunction.
pub static CREATE_FUNCTION: Operation = op("CreateFunction", "fn-function", Verb::Manage);
/// InvokeFunction.
pub static INVOKE_FUNCTION: Operation = op("InvokeFunction", "fn-invocation", Verb::Use);

/// `fn-invoke-type` header.
const FN_INVOKE_TYPE: HeaderName = HeaderName::from_static("fn-invoke-type");

impl OciClient {
    /// [ListApplications](https://docs.oracle.com/iaas/api/#/en/functions/20260325/ApplicationSummary/ListApplications)
    pub async fn list_applications(
        &self,
        request: &ListApplicationsRequest,
    ) -> Result<Response<Vec<ApplicationSummary>>, OciError> {
        let call = Call::new(&LIST_APPLICATIONS, Method::GET, "/applications".into())
            .query("compartmentId", Some(&request.compartment_id))
            .query("limit", request.limit)
            .query("page", request.page.as_ref())
            .query("lifecycleState", request.lifecycle_state.as_ref())
            .query("displayName", request.display_name.as_ref())
            .query("sortOrder", request.sort_order.as_ref());
        self.send(call).await
    }

    /// [CreateApplication](https://docs.oracle.com/iaas/api/#/en/functions/20260325/Application/CreateApplication)
    pub async fn create_application(
        &self,
        details: &CreateApplicationDetails,
    ) -> Result<Response<Application>, OciError> {
        let call = Call::new(&CREATE_APPLICATION, Method::POST, "/applications".into()).json(details)?;
        self.send(call.idempotent_create()).await
    }

    /// [CreateFunction](https://docs.oracle.com/iaas/api/#/en/functions/20260325/Function/CreateFunction)
    pub async fn create_function(&self, details: &CreateFunctionDetails) -> Result<Response<Function>, OciError> {
        let call = Call::new(&CREATE_FUNCTION, Method::POST, "/functions".into()).json(details)?;
        self.send(call.idempotent_create()).await
    }

    /// [GetApplication](https://docs.oracle.com/iaas/api/#/en/functions/20260325/Application/GetApplication)
    pub async fn get_application(&self, application_id: &str) -> Result<Response<Application>, OciError> {
        let path = format!("/applications/{}", escape(application_id));
        self.send(Call::new(&GET_APPLICATION, Method::GET, path)).await
    }

    /// [ListFunctions](https://docs.oracle.com/iaas/api/#/en/functions/20260325/FunctionSummary/ListFunctions)
    pub async fn list_functions(
        &self,
        request: &ListFunctionsRequest,
    ) -> Result<Response<Vec<FunctionSummary>>, OciError> {
        let call = Call::new(&LIST_FUNCTIONS, Method::GET, "/functions".into())
            .query("applicationId", Some(&request.application_id))
            .query("limit", request.limit)
            .query("page", request.page.as_ref())
            .query("lifecycleState", request.lifecycle_state.as_ref())
            .query("displayName", request.display_name.as_ref())
            .query("sortOrder", request.sort_order.as_ref());
        self.send(call).await
    }

    /// [GetFunction](https://docs.oracle.com/iaas/api/#/en/functions/20260325/Function/GetFunction)
    pub async fn get_function(&self, function_id: &str) -> Result<Response<Function>, OciError> {
        self.send(Call::new(&GET_FUNCTION, Method::GET, format!("/functions/{}", escape(function_id)))).await
    }

    /// [InvokeFunction](https://docs.oracle.com/iaas/api/#/en/functions/20260325/Function/InvokeFunction),
    /// at the function's `invokeEndpoint`. Returns the function's raw output.
    pub async fn invoke_function(
        &self,
        function: &Function,
        request: &InvokeRequest,
    ) -> Result<Response<Bytes>, OciError> {
        let path = format!("/functions/{}/actions/invoke", escape(&function.id));
        let call = Call::new(&INVOKE_FUNCTION, Method::POST, path)
            .at(format!("{}{}", function.invoke_endpoint.trim_end_matches('/'), Service::Functions.api_version()))
            .raw(request.body.clone(), &request.content_type)
            .header(FN_INVOKE_TYPE, request.invoke_type.as_str());
        self.send_raw(call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_from_newer_api_versions_still_parse() {
        let function: Function = serde_json::from_value(serde_json::json!({
            "id": "ocid1.fnfunc.oc1.phx.x",
            "displayName": "resize",
            "lifecycleState": "ACTIVE",
            "applicationId": "ocid1.fnapp.oc1.phx.a",
            "compartmentId": "ocid1.compartment.oc1..c",
            "memoryInMBs": 256,
            "invokeEndpoint": "https://abc.us-phoenix-1.functions.oci.oraclecloud.com",
            "sourceDetails": {"sourceType": "PRE_BUILT_FUNCTIONS"},
            "detachedModeTimeoutInSeconds": 300
        }))
        .unwrap();
        assert_eq!(function.memory_in_mbs, Some(256));
        assert_eq!(function.image(), None, "a pre-built function has no image");
    }

    #[test]
    fn the_image_is_read_from_either_version() {
        let base = serde_json::json!({"id": "ocid1.fnfunc.oc1.phx.x", "lifecycleState": "ACTIVE"});
        let with = |extra: serde_json::Value| -> Function {
            let mut value = base.clone();
            value.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            serde_json::from_value(value).unwrap()
        };
        let old = with(serde_json::json!({"image": "iad.ocir.io/t/a:1", "imageDigest": "sha256:1"}));
        assert_eq!(old.image(), Some("iad.ocir.io/t/a:1"));
        let new = with(serde_json::json!({
            "sourceDetails": {"sourceType": "CONTAINER_IMAGE", "image": "iad.ocir.io/t/b:2", "imageDigest": "sha256:2"}
        }));
        assert_eq!(new.image(), Some("iad.ocir.io/t/b:2"));
        assert_eq!(new.source_details.unwrap().image_digest.as_deref(), Some("sha256:2"));
    }
}
