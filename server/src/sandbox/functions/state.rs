//! Functions applications, functions and invocations: validation and storage (the state half).
//!
//! A sandbox function runs nothing by itself: an invocation is recorded with its body and origin
//! (API call, rule action or subscription). If the function's configuration has
//! `SANDBOX_INVOKE_URL` pointing at an `http://` URL on loopback, the sandbox also POSTs the body
//! there and answers with what that endpoint answered, so teams can run their real handler locally.

use super::super::error::SandboxError;
use super::super::world::{Replay, World, paginate};
use crate::oci::functions::{Application, CreateApplicationDetails, CreateFunctionDetails, Function, LifecycleState};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Configuration key naming a local HTTP endpoint that implements the function.
pub const INVOKE_URL_KEY: &str = "SANDBOX_INVOKE_URL";

/// Invocations kept.
const INVOCATIONS_KEPT: usize = 10_000;

/// One recorded invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    /// Function OCID.
    pub function_id: String,
    /// What called it: `api`, `rule <ocid>` or `subscription <ocid>`.
    pub origin: String,
    /// The body it received.
    pub body: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Applications, functions and invocations.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FunctionsState {
    applications: BTreeMap<String, Application>,
    functions: BTreeMap<String, Function>,
    invocations: VecDeque<Invocation>,
}

impl FunctionsState {
    /// Whether the function exists.
    pub fn has_function(&self, id: &str) -> bool {
        self.functions.contains_key(id)
    }

    /// Records an invocation and returns the local URL to call, if the function has one.
    pub fn record_invocation(&mut self, function_id: &str, origin: String, body: &[u8]) -> Option<String> {
        if self.invocations.len() == INVOCATIONS_KEPT {
            self.invocations.pop_front();
        }
        self.invocations.push_back(Invocation {
            function_id: function_id.to_owned(),
            origin,
            body: String::from_utf8_lossy(body).into_owned(),
            at: Utc::now(),
        });
        self.functions.get(function_id).and_then(|f| f.config.get(INVOKE_URL_KEY).cloned())
    }

    /// Every invocation recorded, oldest first.
    pub fn invocations(&self) -> Vec<Invocation> {
        self.invocations.iter().cloned().collect()
    }
}

/// ListApplications / ListFunctions query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// Compartment OCID (applications).
    pub compartment_id: Option<String>,
    /// Application OCID (functions).
    pub application_id: Option<String>,
    /// Exact name.
    pub display_name: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Page token.
    pub page: Option<String>,
}

impl World {
    /// CreateApplication.
    pub fn create_application(
        &mut self,
        details: CreateApplicationDetails,
        retry_token: Option<&str>,
    ) -> Result<Application, SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("CreateApplication", retry_token, &request)? {
            return self.get_application(&id).map_err(|_| SandboxError::invalidated_retry_token());
        }
        self.ensure_compartment(&details.compartment_id, "compartmentId")?;
        check_config(&details.config)?;
        if details.display_name.trim().is_empty() {
            return Err(SandboxError::invalid_parameter("displayName must not be empty."));
        }
        if self
            .functions
            .applications
            .values()
            .any(|a| a.compartment_id == details.compartment_id && a.display_name == details.display_name)
        {
            return Err(SandboxError::conflict(format!(
                "An application named {} already exists in this compartment.",
                details.display_name
            )));
        }
        let now = Utc::now();
        let application = Application {
            id: self.new_ocid("fnapp"),
            compartment_id: details.compartment_id,
            display_name: details.display_name,
            lifecycle_state: LifecycleState::Active,
            config: details.config,
            subnet_ids: details.subnet_ids,
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
            time_created: Some(now),
            time_updated: Some(now),
        };
        self.remember("CreateApplication", retry_token, &request, &application.id);
        self.functions.applications.insert(application.id.clone(), application.clone());
        Ok(application)
    }

    /// GetApplication.
    pub fn get_application(&self, id: &str) -> Result<Application, SandboxError> {
        self.functions.applications.get(id).cloned().ok_or_else(|| SandboxError::not_found("application", id))
    }

    /// ListApplications.
    pub fn list_applications(&mut self, query: &ListQuery) -> Result<(Vec<Application>, Option<String>), SandboxError> {
        let compartment =
            query.compartment_id.as_deref().ok_or_else(|| SandboxError::missing_parameter("compartmentId"))?;
        self.ensure_compartment(compartment, "compartmentId")?;
        let items: Vec<Application> = self
            .functions
            .applications
            .values()
            .filter(|a| a.compartment_id == compartment)
            .filter(|a| query.display_name.as_ref().is_none_or(|n| &a.display_name == n))
            .map(|a| Application { config: Default::default(), ..a.clone() })
            .collect();
        paginate(&items, query.limit, query.page.as_deref(), 50)
    }

    /// CreateFunction.
    pub fn create_function(
        &mut self,
        details: CreateFunctionDetails,
        retry_token: Option<&str>,
        invoke_endpoint: &str,
    ) -> Result<Function, SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("CreateFunction", retry_token, &request)? {
            return self.get_function(&id).map_err(|_| SandboxError::invalidated_retry_token());
        }
        let application = self.get_application(&details.application_id).map_err(|_| {
            SandboxError::related_not_found(format!("applicationId {} does not exist.", details.application_id))
        })?;
        check_config(&details.config)?;
        if let Some(url) = details.config.get(INVOKE_URL_KEY)
            && !url.starts_with("http://127.0.0.1")
            && !url.starts_with("http://localhost")
        {
            return Err(SandboxError::invalid_parameter(format!(
                "config.{INVOKE_URL_KEY} must be an http:// URL on loopback."
            )));
        }
        if !(128..=3072).contains(&details.memory_in_mbs) {
            return Err(SandboxError::invalid_parameter("memoryInMBs must be between 128 and 3072."));
        }
        let now = Utc::now();
        let function = Function {
            id: self.new_ocid("fnfunc"),
            display_name: details.display_name,
            lifecycle_state: LifecycleState::Active,
            application_id: application.id,
            compartment_id: application.compartment_id,
            // Kept in 20181201's shape; `Version::shape` answers 20260325's.
            image: details.source_details.and_then(|s| s.image).or(details.image),
            image_digest: None,
            source_details: None,
            memory_in_mbs: Some(details.memory_in_mbs),
            timeout_in_seconds: details.timeout_in_seconds.or(Some(30)),
            invoke_endpoint: invoke_endpoint.to_owned(),
            config: details.config,
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
            time_created: Some(now),
            time_updated: Some(now),
        };
        self.remember("CreateFunction", retry_token, &request, &function.id);
        self.functions.functions.insert(function.id.clone(), function.clone());
        Ok(function)
    }

    /// GetFunction.
    pub fn get_function(&self, id: &str) -> Result<Function, SandboxError> {
        self.functions.functions.get(id).cloned().ok_or_else(|| SandboxError::not_found("function", id))
    }

    /// ListFunctions.
    pub fn list_functions(&self, query: &ListQuery) -> Result<(Vec<Function>, Option<String>), SandboxError> {
        let application =
            query.application_id.as_deref().ok_or_else(|| SandboxError::missing_parameter("applicationId"))?;
        let items: Vec<Function> = self
            .functions
            .functions
            .values()
            .filter(|f| f.application_id == application)
            .filter(|f| query.display_name.as_ref().is_none_or(|n| &f.display_name == n))
            .map(|f| Function { config: Default::default(), ..f.clone() })
            .collect();
        paginate(&items, query.limit, query.page.as_deref(), 50)
    }
}

fn check_config(config: &BTreeMap<String, String>) -> Result<(), SandboxError> {
    for key in config.keys() {
        let valid = key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return Err(SandboxError::invalid_parameter(format!(
                "config key \"{key}\" must match [A-Za-z_][A-Za-z0-9_]*."
            )));
        }
    }
    Ok(())
}
