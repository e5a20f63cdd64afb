//! Object Storage: buckets and objects, as far as the sandbox's event source needs them.
//!
//! Reference: <https://docs.oracle.com/iaas/api/#/en/objectstorage/20160918/>. Paths carry no
//! version prefix (`/n/{namespace}/b/{bucket}/o/{object}`). PutObject is signed without the body
//! headers, as the SDKs do; the signer signs them anyway, which OCI also accepts.

use super::client::{Call, OciClient, Response};
use super::error::{OciError, Operation, Verb};
use super::region::Service;
use super::wire::{DefinedTags, FreeformTags, escape};
use chrono::{DateTime, Utc};
use http::Method;
use serde::{Deserialize, Serialize};

/// A bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Bucket OCID.
    #[serde(default)]
    pub id: String,
    /// Creation time.
    pub time_created: DateTime<Utc>,
    /// Version tag.
    #[serde(default)]
    pub etag: String,
    /// Whether object changes emit events.
    #[serde(default)]
    pub object_events_enabled: bool,
    /// `NoPublicAccess`, ...
    #[serde(default)]
    pub public_access_type: String,
    /// Free-form tags.
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default)]
    pub defined_tags: DefinedTags,
}

/// Body of CreateBucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBucketDetails {
    /// Name.
    pub name: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Whether object changes emit events.
    #[serde(default)]
    pub object_events_enabled: bool,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "FreeformTags::is_empty")]
    pub freeform_tags: FreeformTags,
}

/// A bucket in a list: OCI's summary has no `objectEventsEnabled`, so whether a bucket emits
/// events takes a GetBucket each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketSummary {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Creation time.
    pub time_created: DateTime<Utc>,
    /// Version tag.
    #[serde(default)]
    pub etag: String,
}

/// Body of UpdateBucket: the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateBucketDetails {
    /// Whether object changes emit events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_events_enabled: Option<bool>,
}

const fn op(name: &'static str, resource: &'static str, verb: Verb) -> Operation {
    Operation { name, service: Service::ObjectStorage, resource, verb }
}

/// CreateBucket.
pub static CREATE_BUCKET: Operation = op("CreateBucket", "buckets", Verb::Manage);
/// GetNamespace.
pub static GET_NAMESPACE: Operation = op("GetNamespace", "objectstorage-namespaces", Verb::Read);
/// ListBuckets.
pub static LIST_BUCKETS: Operation = op("ListBuckets", "buckets", Verb::Inspect);
/// GetBucket.
pub static GET_BUCKET: Operation = op("GetBucket", "buckets", Verb::Read);
/// UpdateBucket.
pub static UPDATE_BUCKET: Operation = op("UpdateBucket", "buckets", Verb::Manage);
/// DeleteBucket.
pub static DELETE_BUCKET: Operation = op("DeleteBucket", "buckets", Verb::Manage);
/// PutObject.
pub static PUT_OBJECT: Operation = op("PutObject", "objects", Verb::Manage);
/// DeleteObject.
pub static DELETE_OBJECT: Operation = op("DeleteObject", "objects", Verb::Manage);

impl OciClient {
    /// [CreateBucket](https://docs.oracle.com/iaas/api/#/en/objectstorage/20160918/Bucket/CreateBucket)
    pub async fn create_bucket(
        &self,
        namespace: &str,
        details: &CreateBucketDetails,
    ) -> Result<Response<Bucket>, OciError> {
        let call = Call::new(&CREATE_BUCKET, Method::POST, format!("/n/{}/b/", escape(namespace))).json(details)?;
        self.send(call).await
    }

    /// [GetNamespace](https://docs.oracle.com/iaas/api/#/en/objectstorage/20160918/Namespace/GetNamespace):
    /// the tenancy's Object Storage namespace.
    pub async fn get_namespace(&self) -> Result<Response<String>, OciError> {
        self.send(Call::new(&GET_NAMESPACE, Method::GET, "/n/".into())).await
    }

    /// [ListBuckets](https://docs.oracle.com/iaas/api/#/en/objectstorage/20160918/Bucket/ListBuckets):
    /// one page of the buckets in `compartment_id`.
    pub async fn list_buckets(
        &self,
        namespace: &str,
        compartment_id: &str,
        page: Option<&str>,
    ) -> Result<Response<Vec<BucketSummary>>, OciError> {
        let call = Call::new(&LIST_BUCKETS, Method::GET, format!("/n/{}/b/", escape(namespace)))
            .query("compartmentId", Some(compartment_id))
            .query("limit", Some("1000"))
            .query("page", page);
        self.send(call).await
    }

    /// [GetBucket](https://docs.oracle.com/iaas/api/#/en/objectstorage/20160918/Bucket/GetBucket)
    pub async fn get_bucket(&self, namespace: &str, bucket: &str) -> Result<Response<Bucket>, OciError> {
        let path = format!("/n/{}/b/{}", escape(namespace), escape(bucket));
        self.send(Call::new(&GET_BUCKET, Method::GET, path)).await
    }

    /// [UpdateBucket](https://docs.oracle.com/iaas/api/#/en/objectstorage/20160918/Bucket/UpdateBucket)
    pub async fn update_bucket(
        &self,
        namespace: &str,
        bucket: &str,
        details: &UpdateBucketDetails,
    ) -> Result<Response<Bucket>, OciError> {
        let path = format!("/n/{}/b/{}", escape(namespace), escape(bucket));
        self.send(Call::new(&UPDATE_BUCKET, Method::POST, path).json(details)?).await
    }

    /// [DeleteBucket](https://docs.oracle.com/iaas/api/#/en/objectstorage/20160918/Bucket/DeleteBucket)
    pub async fn delete_bucket(&self, namespace: &str, bucket: &str) -> Result<Response<()>, OciError> {
        let path = format!("/n/{}/b/{}", escape(namespace), escape(bucket));
        self.send_empty(Call::new(&DELETE_BUCKET, Method::DELETE, path)).await
    }

    /// [PutObject](https://docs.oracle.com/iaas/api/#/en/objectstorage/20160918/Object/PutObject)
    pub async fn put_object(
        &self,
        namespace: &str,
        bucket: &str,
        object: &str,
        body: Vec<u8>,
    ) -> Result<Response<()>, OciError> {
        let path = format!("/n/{}/b/{}/o/{}", escape(namespace), escape(bucket), object_path(object));
        self.send_empty(Call::new(&PUT_OBJECT, Method::PUT, path).raw(body, "application/octet-stream")).await
    }

    /// [DeleteObject](https://docs.oracle.com/iaas/api/#/en/objectstorage/20160918/Object/DeleteObject)
    pub async fn delete_object(&self, namespace: &str, bucket: &str, object: &str) -> Result<Response<()>, OciError> {
        let path = format!("/n/{}/b/{}/o/{}", escape(namespace), escape(bucket), object_path(object));
        self.send_empty(Call::new(&DELETE_OBJECT, Method::DELETE, path)).await
    }
}

/// Object names keep their `/` separators; each part is escaped.
fn object_path(object: &str) -> String {
    object.split('/').map(escape).collect::<Vec<_>>().join("/")
}
