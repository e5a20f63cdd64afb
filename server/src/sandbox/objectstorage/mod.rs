//! Object Storage on the wire (the thin half): namespace, buckets and objects, which emit
//! `com.oraclecloud.objectstorage.*` events shaped as in `oci-api.md` §6.1.

pub mod state;

use super::Sandbox;
use super::bus::Envelope;
use super::error::SandboxError;
use super::wire;
use crate::oci::objectstorage::{Bucket, CreateBucketDetails, UpdateBucketDetails};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use state::{NAMESPACE, PutOutcome};

const PREFIX: &str = "com.oraclecloud.objectstorage.";

/// Handles `GET /n/` (GetNamespace).
pub async fn get_namespace() -> Response {
    wire::json(&NAMESPACE, None, None)
}

/// Handles `POST /n/{namespace}/b/` (CreateBucket): emits `createbucket`.
pub async fn create_bucket(
    State(sandbox): State<Sandbox>,
    Path(namespace): Path<String>,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: CreateBucketDetails = wire::body(&body)?;
    let bucket = sandbox.world().create_bucket(&namespace, details)?;
    sandbox.emit_bucket_event("createbucket", &bucket)?;
    Ok(wire::json(&bucket, Some(&bucket.etag), None))
}

/// Handles `GET /n/{namespace}/b/{bucket}` (GetBucket).
pub async fn get_bucket(
    State(sandbox): State<Sandbox>,
    Path((namespace, bucket)): Path<(String, String)>,
) -> Result<Response, SandboxError> {
    let bucket = sandbox.world().get_bucket(&namespace, &bucket)?;
    Ok(wire::json(&bucket, Some(&bucket.etag), None))
}

/// Handles `GET /n/{namespace}/b/` (ListBuckets).
pub async fn list_buckets(
    State(sandbox): State<Sandbox>,
    Path(namespace): Path<String>,
    uri: Uri,
) -> Result<Response, SandboxError> {
    let query: state::ListBucketsQuery = wire::query(&uri)?;
    let (buckets, next) = sandbox.world().list_buckets(&namespace, &query)?;
    Ok(wire::json(&buckets, None, next))
}

/// Handles `POST /n/{namespace}/b/{bucket}` (UpdateBucket): emits `updatebucket`.
pub async fn update_bucket(
    State(sandbox): State<Sandbox>,
    Path((namespace, bucket)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: UpdateBucketDetails = wire::body(&body)?;
    let bucket = sandbox.world().update_bucket(&namespace, &bucket, details)?;
    sandbox.emit_bucket_event("updatebucket", &bucket)?;
    Ok(wire::json(&bucket, Some(&bucket.etag), None))
}

/// Handles `DELETE /n/{namespace}/b/{bucket}` (DeleteBucket): emits `deletebucket`.
pub async fn delete_bucket(
    State(sandbox): State<Sandbox>,
    Path((namespace, bucket)): Path<(String, String)>,
) -> Result<Response, SandboxError> {
    let bucket = sandbox.world().delete_bucket(&namespace, &bucket)?;
    sandbox.emit_bucket_event("deletebucket", &bucket)?;
    Ok(wire::no_content())
}

/// Handles `PUT /n/{namespace}/b/{bucket}/o/{object}` (PutObject): emits `createobject` or
/// `updateobject` when the bucket has object events enabled.
pub async fn put_object(
    State(sandbox): State<Sandbox>,
    Path((namespace, bucket, object)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let (bucket, outcome, etag) = sandbox.world().put_object(&namespace, &bucket, &object, body.to_vec())?;
    let kind = match outcome {
        PutOutcome::Created => "createobject",
        PutOutcome::Updated => "updateobject",
    };
    sandbox.emit_object_event(kind, &bucket, &object, &etag)?;
    let mut response = StatusCode::OK.into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(http::header::ETAG, value);
    }
    Ok(response)
}

/// Handles `GET /n/{namespace}/b/{bucket}/o/{object}` (GetObject).
pub async fn get_object(
    State(sandbox): State<Sandbox>,
    Path((namespace, bucket, object)): Path<(String, String, String)>,
) -> Result<Response, SandboxError> {
    let stored = sandbox.world().get_object(&namespace, &bucket, &object)?;
    let mut response = stored.content.into_response();
    if let Ok(value) = HeaderValue::from_str(&stored.etag) {
        response.headers_mut().insert(http::header::ETAG, value);
    }
    Ok(response)
}

/// Handles `DELETE /n/{namespace}/b/{bucket}/o/{object}` (DeleteObject): emits `deleteobject`.
pub async fn delete_object(
    State(sandbox): State<Sandbox>,
    Path((namespace, bucket, object)): Path<(String, String, String)>,
) -> Result<Response, SandboxError> {
    let (bucket, etag) = sandbox.world().delete_object(&namespace, &bucket, &object)?;
    sandbox.emit_object_event("deleteobject", &bucket, &object, &etag)?;
    Ok(wire::no_content())
}

impl Sandbox {
    fn emit_bucket_event(&self, suffix: &str, bucket: &Bucket) -> Result<(), SandboxError> {
        let event = self.world().envelope(Envelope {
            event_type: format!("{PREFIX}{suffix}"),
            source: "ObjectStorage",
            compartment_id: bucket.compartment_id.clone(),
            resource_name: bucket.name.clone(),
            resource_id: bucket.id.clone(),
            availability_domain: None,
            freeform_tags: bucket.freeform_tags.clone(),
            defined_tags: bucket.defined_tags.clone(),
            additional_details: json!({
                "bucketName": bucket.name, "publicAccessType": bucket.public_access_type,
                "namespace": bucket.namespace, "eTag": bucket.etag,
            }),
        });
        self.emit(event).map(|_| ())
    }

    fn emit_object_event(&self, suffix: &str, bucket: &Bucket, object: &str, etag: &str) -> Result<(), SandboxError> {
        if !bucket.object_events_enabled {
            return Ok(());
        }
        let event = self.world().envelope(Envelope {
            event_type: format!("{PREFIX}{suffix}"),
            source: "ObjectStorage",
            compartment_id: bucket.compartment_id.clone(),
            resource_name: object.to_owned(),
            resource_id: format!("/n/{}/b/{}/o/{object}", bucket.namespace, bucket.name),
            availability_domain: Some("IAD-AD-1".into()),
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
            additional_details: json!({
                "bucketName": bucket.name, "bucketId": bucket.id, "namespace": bucket.namespace,
                "archivalState": "Available", "eTag": etag,
            }),
        });
        self.emit(event).map(|_| ())
    }
}
