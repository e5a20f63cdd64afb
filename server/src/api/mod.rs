//! The `/api/v1` REST API: handlers, the OpenAPI document generated from them, and the JSON
//! answers for anything under `/api` that no handler claims.

mod audit;
mod auth;
mod cloud_audit;
mod compliance;
pub(crate) mod connections;
mod deployment_sets;
mod deployments;
mod extract;
mod fallback;
mod functions;
pub mod health;
mod impact;
mod inboxes;
mod inventory;
pub mod json;
mod live;
mod pipeline_health;
mod preflight;
pub(crate) mod rules;
mod sandbox_activity;
pub(crate) mod subscriptions;
mod system;
mod teams;
mod templates;
mod tokens;
pub(crate) mod topics;
mod users;

use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use axum::Json;
use axum::Router;
use axum::routing::{any, get};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Signalbox API",
        description = "The REST API behind the Signalbox console. The UI, the signalbox command and automation all use it. Errors share one body: {\"code\", \"message\"} plus \"field\" when one input is at fault.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "system", description = "The Signalbox instance itself"),
        (name = "auth", description = "Logging in and out; the caller's own account"),
        (name = "users", description = "Accounts (site administrators)"),
        (name = "teams", description = "Teams and their members"),
        (name = "tokens", description = "API tokens for automation"),
        (name = "connections", description = "A team's connections to OCI (or the built-in sandbox)"),
        (name = "topics", description = "Notifications topics, through a connection"),
        (name = "subscriptions", description = "Notifications subscriptions, through a connection"),
        (name = "functions", description = "Functions that subscriptions and rule actions can target"),
        (name = "rules", description = "Events rules, through a connection"),
        (name = "audit", description = "The audit trail: every change, who made it, and whether OCI accepted it"),
        (name = "templates", description = "The template library: pipeline templates and their versions"),
        (name = "deployments", description = "Template versions applied to a compartment: plans, applies, progress, drift"),
        (name = "compliance", description = "CIS monitoring recommendations judged per region and compartment, with evidence"),
        (name = "health", description = "Pipeline health (rule to delivery) and the end-to-end verify probe"),
        (name = "inboxes", description = "Webhook inboxes: URLs that receive ONS deliveries, confirm subscriptions and keep what arrived"),
        (name = "inventory", description = "What Signalbox last read from OCI: live notice of changes to a compartment's lists, and how fresh they are"),
    )
)]
struct ApiDoc;

/// The API router (state not yet applied) and its OpenAPI document.
///
/// Routes are registered through `OpenApiRouter`, so a handler cannot be served without appearing
/// in the document: the document is derived from the same list, not written beside it.
pub fn router() -> (Router<AppState>, Arc<OpenApiDoc>) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .routes(routes!(system::get_system))
                .routes(routes!(audit::list_audit))
                .routes(routes!(audit::get_audit_entry))
                .routes(routes!(audit::audit_activity))
                .routes(routes!(audit::verify_audit))
                .routes(routes!(audit::export_audit))
                .routes(routes!(auth::login))
                .routes(routes!(auth::get_me))
                .routes(routes!(auth::logout))
                .routes(routes!(auth::logout_everywhere))
                .routes(routes!(auth::change_password))
                .routes(routes!(auth::set_preferred_team))
                .routes(routes!(users::list_users, users::create_user))
                .routes(routes!(users::update_user))
                .routes(routes!(teams::list_teams, teams::create_team))
                .routes(routes!(teams::list_members, teams::add_member))
                .routes(routes!(teams::set_member, teams::remove_member))
                .routes(routes!(tokens::list_tokens, tokens::create_token))
                .routes(routes!(tokens::revoke_token))
                .routes(routes!(connections::list_connections, connections::create_connection))
                .routes(routes!(connections::delete_connection))
                .routes(routes!(connections::test_connection))
                .routes(routes!(connections::list_compartments))
                .routes(routes!(topics::list_topics, topics::create_topic))
                .routes(routes!(topics::get_topic, topics::update_topic, topics::delete_topic))
                .routes(routes!(topics::publish_message))
                .routes(routes!(subscriptions::list_topic_subscriptions, subscriptions::create_subscription))
                .routes(routes!(subscriptions::list_subscriptions))
                .routes(routes!(subscriptions::delete_subscription))
                .routes(routes!(subscriptions::resend_confirmation))
                .routes(routes!(functions::list_functions))
                .routes(routes!(inventory::inventory_changes))
                .routes(routes!(inventory::get_freshness))
                .routes(routes!(cloud_audit::list_cloud_audit))
                .routes(routes!(rules::list_rules, rules::create_rule))
                .routes(routes!(rules::get_rule, rules::update_rule, rules::delete_rule))
                .routes(routes!(rules::move_rule))
                .routes(routes!(templates::get_template_schema))
                .routes(routes!(templates::list_starters))
                .routes(routes!(templates::list_templates, templates::create_template))
                .routes(routes!(templates::get_template, templates::update_template))
                .routes(routes!(templates::get_template_version))
                .routes(routes!(templates::publish_version))
                .routes(routes!(deployments::list_deployments, deployments::create_deployment))
                .routes(routes!(deployments::plan_new_deployment))
                .routes(routes!(deployments::get_deployment))
                .routes(routes!(deployments::plan_deployment))
                .routes(routes!(deployments::apply_deployment))
                .routes(routes!(deployments::check_drift))
                .routes(routes!(deployments::get_run))
                .routes(routes!(deployments::run_events))
                .routes(routes!(deployments::resume_run))
                .routes(routes!(deployment_sets::list_sets, deployment_sets::create_set))
                .routes(routes!(deployment_sets::plan_new_set))
                .routes(routes!(deployment_sets::get_set))
                .routes(routes!(deployment_sets::plan_set))
                .routes(routes!(deployment_sets::apply_set))
                .routes(routes!(deployment_sets::retry_set))
                .routes(routes!(deployment_sets::check_set_drift))
                .routes(routes!(deployment_sets::get_set_health, deployment_sets::check_set_health))
                .routes(routes!(compliance::list_checks, compliance::create_check))
                .routes(routes!(compliance::get_check, compliance::delete_check))
                .routes(routes!(compliance::run_check))
                .routes(routes!(compliance::export_evidence))
                .routes(routes!(inboxes::list_inboxes, inboxes::create_inbox))
                .routes(routes!(inboxes::get_inbox, inboxes::delete_inbox))
                .routes(routes!(inboxes::list_deliveries))
                .routes(routes!(inboxes::inbox_events))
                .routes(routes!(pipeline_health::check_health))
                .routes(routes!(pipeline_health::get_health))
                .routes(routes!(pipeline_health::verify_rule))
                .routes(routes!(preflight::run_preflight))
                .routes(routes!(impact::run_impact))
                .routes(routes!(sandbox_activity::get_sandbox_activity)),
        )
        .split_for_parts();
    document_common_errors(&mut doc);
    let doc = Arc::new(doc);
    let served = doc.clone();
    let router = router
        .route("/api/v1/openapi.json", get(move || async move { Json(served) }))
        .route("/api", any(fallback::route_not_found))
        .route("/api/{*rest}", any(fallback::route_not_found))
        .method_not_allowed_fallback(fallback::method_not_allowed);
    (router, doc)
}

/// Adds to every operation the error answers that come from what wraps the handlers rather than
/// from the handler itself, so the document lists every status a client can get (checked by
/// schemathesis in CI): 400 from the path, query and body extractors, 401 and 403 from the access
/// middleware where the route is not public, 404 where the path names a record, 413 where there is
/// a body, 503 when the database does not answer, and OCI's own refusals (409, 412, 429) passed on
/// by the calls that reach it.
fn document_common_errors(doc: &mut OpenApiDoc) {
    use http::Method;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                )
                .build(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let route = format!("/api/v1{path}");
        let operations = [
            (Method::GET, item.get.as_mut()),
            (Method::POST, item.post.as_mut()),
            (Method::PUT, item.put.as_mut()),
            (Method::PATCH, item.patch.as_mut()),
            (Method::DELETE, item.delete.as_mut()),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            let public = crate::auth::access::policy(&method, &route) == Some(crate::auth::access::Access::Public);
            let reaches_oci = operation.responses.responses.contains_key("502");
            let has_body = operation.request_body.is_some();
            let responses = &mut operation.responses.responses;
            let mut add = |status: &str, description: &str| {
                responses.entry(status.to_owned()).or_insert_with(|| error(description));
            };
            add("400", "A path, query or body value is not acceptable; `field` names it");
            if !public {
                add("401", "Not logged in, or the API token is not valid");
                add("403", "The caller's role does not allow this, or the CSRF token is missing");
            }
            if path.contains('{') {
                add("404", "The record named in the path does not exist");
            }
            if has_body {
                add("413", "The body is over the size limit");
            }
            // Calls that reach OCI (their 502) also pass on OCI's own refusals of the request.
            if reaches_oci {
                add("409", "OCI refused a conflicting change, or the connection cannot sign requests");
                add("412", "The resource changed since it was read (OCI's etag check)");
                add("429", "OCI throttled the call; retry later");
            }
            add("503", "The database is not available right now");
        }
    }
}

/// Result type of every handler.
pub type ApiResult<T> = Result<T, AppError>;
