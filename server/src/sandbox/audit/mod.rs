//! Audit on the wire (the thin half) and the middleware that records every call served.
//! Mirrors `crate::oci::audit` and reuses its structs.

pub mod state;

use super::Sandbox;
use super::error::SandboxError;
use super::wire;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use state::AuditedCall;

/// Handles `GET /20190901/auditEvents` (ListEvents).
pub async fn list_events(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: state::ListEventsQuery = wire::query(&uri)?;
    let (events, next) = sandbox.world().list_audit_events(&query)?;
    Ok(wire::json(&events, None, next))
}

/// Records the call after it was served (not Audit's own reads, not the sandbox administration).
pub(super) async fn record(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    // Mounted inside `signalbox serve` the matched path carries the mount point
    // (`/oci-sandbox/20181201/rules`); the operation is named by what follows, from the API version.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str())
        .map(|p| p.find("/20").map_or(p, |version| &p[version..]).to_owned());
    let Some((source, operation)) = route.as_deref().and_then(|route| operation(request.method(), route)) else {
        return next.run(request).await;
    };
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query_compartment = request
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("compartmentId=")).map(str::to_owned));
    // A token-signed call is recorded as `ST$<principal>`: the token itself is a credential.
    let key_id = request.extensions().get::<super::auth::Caller>().map(|caller| caller.key_id.clone());
    let request_id = request.extensions().get::<super::RequestId>().map(|id| id.0.clone()).unwrap_or_default();
    let path_id = path.split('/').nth(3).filter(|s| s.starts_with("ocid1.")).map(str::to_owned);
    // Looked up before the call: a delete leaves nothing to look up afterwards.
    let resource_compartment = match path_id.as_deref() {
        Some(id) => sandbox.world().compartment_of(id),
        // Object Storage names a bucket, not an OCID: its calls are in the bucket's compartment.
        None => bucket_in(&path).and_then(|(namespace, bucket)| {
            sandbox.world().get_bucket(namespace, bucket).ok().map(|b| b.compartment_id)
        }),
    };
    // The body was read and bounded by the signature check, which runs before this; the response
    // is the sandbox's own, already in memory. Neither is ever cut or emptied here.
    let (parts, body) = request.into_parts();
    let Ok(request_body) = axum::body::to_bytes(body, usize::MAX).await else {
        return SandboxError::too_large("The request body could not be read.").into_response();
    };
    let request_json: serde_json::Value = serde_json::from_slice(&request_body).unwrap_or_default();
    let response = next.run(Request::from_parts(parts, Body::from(request_body))).await;

    let status = response.status().as_u16();
    // The links work without a signature: only one that changed a subscription is recorded, so
    // anyone with the URL cannot fill the log with refusals.
    if key_id.is_none() && !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let response_body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let response_json: serde_json::Value = serde_json::from_slice(&response_body).unwrap_or_default();
    let field = |name: &str| {
        response_json.get(name).or_else(|| request_json.get(name)).and_then(|v| v.as_str()).map(str::to_owned)
    };
    let mut world = sandbox.world();
    let compartment_id =
        field("compartmentId").or(resource_compartment).or(query_compartment).unwrap_or_else(|| world.tenancy.clone());
    world.record_call(AuditedCall {
        source,
        operation,
        compartment_id,
        resource_id: path_id.or_else(|| field("id")).or_else(|| field("topicId")),
        resource_name: field("displayName").or_else(|| field("name")),
        key_id,
        request_id,
        path,
        method,
        status,
    });
    drop(world);
    Response::from_parts(parts, Body::from(response_body))
}

/// The namespace and bucket an Object Storage path names (`…/n/{namespace}/b/{bucket}…`).
fn bucket_in(path: &str) -> Option<(&str, &str)> {
    let mut segments = path.split('/').skip_while(|s| *s != "n").skip(1);
    let namespace = segments.next()?;
    let bucket = segments.next().filter(|s| *s == "b").and_then(|_| segments.next()).filter(|b| !b.is_empty())?;
    Some((namespace, bucket))
}

/// The Audit source and operation name of a route.
fn operation(method: &Method, route: &str) -> Option<(&'static str, &'static str)> {
    let name = match (method.as_str(), route) {
        ("GET", "/20181201/rules") => ("EventsApi", "ListRules"),
        ("POST", "/20181201/rules") => ("EventsApi", "CreateRule"),
        ("GET", "/20181201/rules/{id}") => ("EventsApi", "GetRule"),
        ("PUT", "/20181201/rules/{id}") => ("EventsApi", "UpdateRule"),
        ("DELETE", "/20181201/rules/{id}") => ("EventsApi", "DeleteRule"),
        ("POST", "/20181201/rules/{id}/actions/changeCompartment") => ("EventsApi", "ChangeRuleCompartment"),
        ("GET", "/20181201/topics") => ("NotificationApi", "ListTopics"),
        ("POST", "/20181201/topics") => ("NotificationApi", "CreateTopic"),
        ("GET", "/20181201/topics/{id}") => ("NotificationApi", "GetTopic"),
        ("PUT", "/20181201/topics/{id}") => ("NotificationApi", "UpdateTopic"),
        ("DELETE", "/20181201/topics/{id}") => ("NotificationApi", "DeleteTopic"),
        ("POST", "/20181201/topics/{id}/actions/changeCompartment") => ("NotificationApi", "ChangeTopicCompartment"),
        ("POST", "/20181201/topics/{id}/messages") => ("NotificationApi", "PublishMessage"),
        ("GET", "/20181201/subscriptions") => ("NotificationApi", "ListSubscriptions"),
        ("POST", "/20181201/subscriptions") => ("NotificationApi", "CreateSubscription"),
        ("GET", "/20181201/subscriptions/{id}") => ("NotificationApi", "GetSubscription"),
        ("PUT", "/20181201/subscriptions/{id}") => ("NotificationApi", "UpdateSubscription"),
        ("DELETE", "/20181201/subscriptions/{id}") => ("NotificationApi", "DeleteSubscription"),
        ("POST", "/20181201/subscriptions/{id}/resendConfirmation") => {
            ("NotificationApi", "ResendSubscriptionConfirmation")
        }
        ("GET", "/20181201/subscriptions/{id}/confirmation") => ("NotificationApi", "GetConfirmSubscription"),
        ("GET", "/20181201/subscriptions/{id}/unsubscription") => ("NotificationApi", "GetUnsubscription"),
        ("GET", "/20181201/applications") => ("FunctionsApi", "ListApplications"),
        ("POST", "/20181201/applications") => ("FunctionsApi", "CreateApplication"),
        ("GET", "/20181201/applications/{id}") => ("FunctionsApi", "GetApplication"),
        ("GET", "/20181201/functions") => ("FunctionsApi", "ListFunctions"),
        ("POST", "/20181201/functions") => ("FunctionsApi", "CreateFunction"),
        ("GET", "/20181201/functions/{id}") => ("FunctionsApi", "GetFunction"),
        ("POST", "/20181201/functions/{id}/actions/invoke") => ("FunctionsApi", "InvokeFunction"),
        ("GET", "/20160918/instances") => ("ComputeApi", "ListInstances"),
        ("POST", "/20160918/instances") => ("ComputeApi", "LaunchInstance"),
        ("GET", "/20160918/instances/{id}") => ("ComputeApi", "GetInstance"),
        ("POST", "/20160918/instances/{id}") => ("ComputeApi", "InstanceAction"),
        ("DELETE", "/20160918/instances/{id}") => ("ComputeApi", "TerminateInstance"),
        ("GET", "/20160918/compartments") => ("identityControlPlane", "ListCompartments"),
        ("POST", "/20160918/compartments") => ("identityControlPlane", "CreateCompartment"),
        ("POST", "/20160918/users") => ("identityControlPlane", "CreateUser"),
        ("PUT", "/20160918/users/{id}") => ("identityControlPlane", "UpdateUser"),
        ("DELETE", "/20160918/users/{id}") => ("identityControlPlane", "DeleteUser"),
        ("POST", "/20160918/policies") => ("identityControlPlane", "CreatePolicy"),
        ("PUT", "/20160918/policies/{id}") => ("identityControlPlane", "UpdatePolicy"),
        ("DELETE", "/20160918/policies/{id}") => ("identityControlPlane", "DeletePolicy"),
        ("POST", "/n/{namespace}/b/") => ("ObjectStorage", "CreateBucket"),
        ("DELETE", "/n/{namespace}/b/{bucket}") => ("ObjectStorage", "DeleteBucket"),
        ("PUT", "/n/{namespace}/b/{bucket}/o/{*object}") => ("ObjectStorage", "PutObject"),
        ("DELETE", "/n/{namespace}/b/{bucket}/o/{*object}") => ("ObjectStorage", "DeleteObject"),
        _ => return None,
    };
    Some(name)
}
