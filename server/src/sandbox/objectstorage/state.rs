//! Object Storage buckets and objects (the state half). One namespace, `sandboxns`. Buckets are
//! unique by name in the namespace and must be empty to be deleted (409 BucketNotEmpty). Object
//! events are emitted only for buckets with `objectEventsEnabled`, as in OCI.

use super::super::error::SandboxError;
use super::super::world::{World, new_etag, paginate};
use crate::oci::objectstorage::{Bucket, BucketSummary, CreateBucketDetails, UpdateBucketDetails};
use chrono::Utc;
use std::collections::BTreeMap;

/// The namespace of the sandbox tenancy.
pub const NAMESPACE: &str = "sandboxns";

/// Buckets by name, and their objects.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct StorageState {
    buckets: BTreeMap<String, (Bucket, BTreeMap<String, StoredObject>)>,
}

/// An object's bytes and etag.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredObject {
    /// Content.
    pub content: Vec<u8>,
    /// Version tag.
    pub etag: String,
}

/// ListBuckets query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListBucketsQuery {
    /// Compartment.
    pub compartment_id: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Page token.
    pub page: Option<String>,
}

/// Whether a put created or replaced the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// A new object.
    Created,
    /// An existing object was replaced.
    Updated,
}

impl World {
    fn check_namespace(namespace: &str) -> Result<(), SandboxError> {
        if namespace == NAMESPACE { Ok(()) } else { Err(SandboxError::not_found("namespace", namespace)) }
    }

    /// CreateBucket.
    pub fn create_bucket(&mut self, namespace: &str, details: CreateBucketDetails) -> Result<Bucket, SandboxError> {
        Self::check_namespace(namespace)?;
        self.ensure_compartment(&details.compartment_id, "compartmentId")?;
        let valid = (1..=256).contains(&details.name.len())
            && details.name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !valid {
            return Err(SandboxError::invalid_parameter("name must be 1 to 256 letters, digits, '-', '_' or '.'."));
        }
        if self.storage.buckets.contains_key(&details.name) {
            return Err(SandboxError::conflict(format!(
                "Bucket {} already exists in namespace {NAMESPACE}.",
                details.name
            )));
        }
        let bucket = Bucket {
            namespace: NAMESPACE.into(),
            name: details.name,
            compartment_id: details.compartment_id,
            id: self.new_ocid("bucket"),
            time_created: Utc::now(),
            etag: new_etag(),
            object_events_enabled: details.object_events_enabled,
            public_access_type: "NoPublicAccess".into(),
            freeform_tags: details.freeform_tags,
            defined_tags: Default::default(),
        };
        self.storage.buckets.insert(bucket.name.clone(), (bucket.clone(), BTreeMap::new()));
        Ok(bucket)
    }

    /// GetBucket.
    pub fn get_bucket(&self, namespace: &str, name: &str) -> Result<Bucket, SandboxError> {
        Self::check_namespace(namespace)?;
        self.storage.buckets.get(name).map(|(b, _)| b.clone()).ok_or_else(|| SandboxError::not_found("bucket", name))
    }

    /// ListBuckets: one page of a compartment's buckets, by name.
    pub fn list_buckets(
        &mut self,
        namespace: &str,
        query: &ListBucketsQuery,
    ) -> Result<(Vec<BucketSummary>, Option<String>), SandboxError> {
        Self::check_namespace(namespace)?;
        let compartment =
            query.compartment_id.as_deref().ok_or_else(|| SandboxError::missing_parameter("compartmentId"))?;
        self.ensure_compartment(compartment, "compartmentId")?;
        let buckets: Vec<BucketSummary> = self
            .storage
            .buckets
            .values()
            .map(|(bucket, _)| bucket)
            .filter(|b| b.compartment_id == compartment)
            .map(|b| BucketSummary {
                namespace: b.namespace.clone(),
                name: b.name.clone(),
                compartment_id: b.compartment_id.clone(),
                time_created: b.time_created,
                etag: b.etag.clone(),
            })
            .collect();
        paginate(&buckets, query.limit, query.page.as_deref(), 1000)
    }

    /// UpdateBucket: only `objectEventsEnabled` is modelled.
    pub fn update_bucket(
        &mut self,
        namespace: &str,
        name: &str,
        details: UpdateBucketDetails,
    ) -> Result<Bucket, SandboxError> {
        Self::check_namespace(namespace)?;
        let (bucket, _) = self.storage.buckets.get_mut(name).ok_or_else(|| SandboxError::not_found("bucket", name))?;
        if let Some(enabled) = details.object_events_enabled {
            bucket.object_events_enabled = enabled;
        }
        bucket.etag = new_etag();
        Ok(bucket.clone())
    }

    /// DeleteBucket (empty buckets only).
    pub fn delete_bucket(&mut self, namespace: &str, name: &str) -> Result<Bucket, SandboxError> {
        let bucket = self.get_bucket(namespace, name)?;
        if self.storage.buckets.get(name).is_some_and(|(_, objects)| !objects.is_empty()) {
            return Err(SandboxError::conflict(format!("Bucket {name} is not empty; delete its objects first.")));
        }
        self.storage.buckets.remove(name);
        Ok(bucket)
    }

    /// PutObject.
    pub fn put_object(
        &mut self,
        namespace: &str,
        bucket: &str,
        object: &str,
        content: Vec<u8>,
    ) -> Result<(Bucket, PutOutcome, String), SandboxError> {
        let found = self.get_bucket(namespace, bucket)?;
        if object.is_empty() || object.len() > 1024 {
            return Err(SandboxError::invalid_parameter("objectName must be 1 to 1024 characters."));
        }
        let etag = new_etag();
        let objects =
            &mut self.storage.buckets.get_mut(bucket).ok_or_else(|| SandboxError::not_found("bucket", bucket))?.1;
        let outcome = if objects.contains_key(object) { PutOutcome::Updated } else { PutOutcome::Created };
        objects.insert(object.to_owned(), StoredObject { content, etag: etag.clone() });
        Ok((found, outcome, etag))
    }

    /// GetObject.
    pub fn get_object(&self, namespace: &str, bucket: &str, object: &str) -> Result<StoredObject, SandboxError> {
        Self::check_namespace(namespace)?;
        let (_, objects) = self.storage.buckets.get(bucket).ok_or_else(|| SandboxError::not_found("bucket", bucket))?;
        objects.get(object).cloned().ok_or_else(|| SandboxError::not_found("object", object))
    }

    /// DeleteObject.
    pub fn delete_object(
        &mut self,
        namespace: &str,
        bucket: &str,
        object: &str,
    ) -> Result<(Bucket, String), SandboxError> {
        let found = self.get_bucket(namespace, bucket)?;
        let objects =
            &mut self.storage.buckets.get_mut(bucket).ok_or_else(|| SandboxError::not_found("bucket", bucket))?.1;
        let removed = objects.remove(object).ok_or_else(|| SandboxError::not_found("object", object))?;
        Ok((found, removed.etag))
    }
}
