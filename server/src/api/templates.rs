//! `/api/v1/teams/{team_id}/templates` and `/api/v1/templates/…`: the template library.
//!
//! A team sees its own templates (a private one only its creator) and every template shared with
//! everyone; it publishes versions only of its own. Versions are numbered and immutable. The
//! document format is `app::template`; its JSON Schema is served from `/templates/schema`.

use super::ApiResult;
use super::extract::Path;
use super::json::Json as JsonBody;
use crate::apply::capture::capture;
use crate::auth::Caller;
use crate::connections::{check_compartment, reach};
use crate::db::audit_events::NewAuditEvent;
use crate::db::template_versions::VersionRow;
use crate::db::templates::TemplateRow;
use crate::db::{DbError, template_versions, templates as table};
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::templates::{
    CreateTemplateRequest, MAX_NOTES, PublishVersionRequest, StarterTemplate, TemplateDetail, TemplateSource,
    TemplateSummary, TemplateVersion, UpdateTemplateRequest, VersionSummary, Visibility, check_name,
};
use app::template::starters::{STARTERS, Starter};
use app::template::{Problem, Template};
use axum::{Extension, Json};
use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

/// Handles `GET /api/v1/templates/schema`: the JSON Schema (2020-12) of the template format, for
/// editors and CI checks of templates kept in git.
#[utoipa::path(
    get,
    path = "/templates/schema",
    tag = "templates",
    responses((status = 200, description = "JSON Schema of signalbox.template/v1", body = Object))
)]
pub async fn get_template_schema() -> Json<Value> {
    Json(template_schema())
}

/// The template format's JSON Schema, derived from the same types that read documents, so the
/// two cannot disagree. utoipa writes OpenAPI 3.1 schemas (JSON Schema 2020-12); only the
/// references move from `#/components/schemas` to `#/$defs`.
pub fn template_schema() -> Value {
    let mut defs: Vec<(String, RefOr<Schema>)> = Vec::new();
    <Template as ToSchema>::schemas(&mut defs);
    let defs: serde_json::Map<String, Value> = defs.into_iter().map(|(name, schema)| (name, json!(schema))).collect();
    let mut schema = json!(<Template as PartialSchema>::schema());
    if let Value::Object(root) = &mut schema {
        root.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        root.insert("$id".into(), json!("https://signalbox.dev/schemas/template-v1.json"));
        root.insert("title".into(), json!(app::template::FORMAT));
        root.insert("$defs".into(), Value::Object(defs));
    }
    move_references(&mut schema);
    schema
}

fn move_references(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match field {
                    Value::String(target) if key == "$ref" => {
                        *target = target.replace("#/components/schemas/", "#/$defs/");
                    }
                    other => move_references(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(move_references),
        _ => {}
    }
}

/// Handles `GET /api/v1/templates/starters`: the built-in templates a library starts from.
#[utoipa::path(
    get,
    path = "/templates/starters",
    tag = "templates",
    responses((status = 200, body = Vec<StarterTemplate>))
)]
pub async fn list_starters() -> ApiResult<Json<Vec<StarterTemplate>>> {
    let mut starters = Vec::new();
    for starter in STARTERS {
        let document = starter.template().map_err(|problems| starter_broken(starter, &problems))?;
        starters.push(StarterTemplate { slug: starter.slug.to_owned(), document });
    }
    Ok(Json(starters))
}

/// A built-in starter that does not parse is a bug of this build (a unit test checks every one).
fn starter_broken(starter: Starter, problems: &[Problem]) -> AppError {
    AppError::Internal(anyhow::anyhow!("built-in starter {} does not parse: {problems:?}", starter.slug))
}

/// Handles `GET /api/v1/teams/{team_id}/templates`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/templates",
    tag = "templates",
    params(("team_id" = i64, Path, description = "Team id")),
    responses((status = 200, body = Vec<TemplateSummary>), (status = 403, body = ErrorBody))
)]
pub async fn list_templates(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<i64>,
) -> ApiResult<Json<Vec<TemplateSummary>>> {
    let rows = table::visible(&state.pool, team_id, caller.user.id).await?;
    Ok(Json(rows.iter().map(summary).collect()))
}

/// Handles `POST /api/v1/teams/{team_id}/templates`: a new template from a document (written or
/// imported from a file) or a built-in starter, as version 1.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/templates",
    tag = "templates",
    params(("team_id" = i64, Path, description = "Team id")),
    request_body = CreateTemplateRequest,
    responses((status = 200, body = TemplateDetail), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn create_template(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<i64>,
    JsonBody(request): JsonBody<CreateTemplateRequest>,
) -> ApiResult<Json<TemplateDetail>> {
    let mut document = match request.source {
        TemplateSource::Document(document) => document,
        TemplateSource::Starter(slug) => {
            let starter = Starter::find(&slug).ok_or_else(|| {
                let known: Vec<_> = STARTERS.iter().map(|s| s.slug).collect();
                AppError::invalid(
                    "source.starter",
                    format!("No starter is called \"{slug}\"; the starters are {}.", known.join(", ")),
                )
            })?;
            starter.template().map_err(|problems| starter_broken(starter, &problems))?
        }
        TemplateSource::Fork { team_id: from, template_id } => {
            if caller.role_in(&state.pool, from).await?.is_none() {
                return Err(AppError::invalid(
                    "source.fork.team_id",
                    format!("You are not a member of team {from}; fork from a team you belong to."),
                ));
            }
            let row = find(&state, &caller, from, template_id).await.map_err(|_| {
                AppError::invalid(
                    "source.fork.template_id",
                    format!("No template {template_id} is visible to team {from}; pick one from its library."),
                )
            })?;
            let mut document = stored_document(&row.document)?;
            document.description = format!(
                "{} (forked from {} v{} of {})",
                document.description, row.name, row.latest_version, row.team_name
            )
            .trim_start()
            .to_owned();
            document
        }
        TemplateSource::Capture { connection_id, compartment_id } => {
            let compartment = check_compartment("source.capture.compartment_id", &compartment_id)?;
            let reached = reach(&state, team_id, connection_id).await?;
            let name = if request.name.trim().is_empty() { "Captured pipeline" } else { request.name.trim() };
            capture(&reached.client, &compartment, name).await.map_err(AppError::Oci)?
        }
    };
    let name = if request.name.trim().is_empty() { document.name.trim() } else { request.name.trim() }.to_owned();
    check_name(&name).map_err(|m| AppError::invalid("name", m))?;
    document.check().map_err(|problems| invalid_document("source.document", &problems))?;
    document.name = name.clone();
    let text = document.to_text();

    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let id = table::insert(&mut tx, team_id, &name, request.visibility, caller.user.id).await.map_err(|err| match err {
        DbError::Conflict => AppError::Conflict {
            field: "name".into(),
            message: format!("This team has a template named {name} already; choose another name, or publish a new version of it."),
        },
        other => other.into(),
    })?;
    template_versions::append(&mut tx, id, &text, "", caller.user.id).await?;
    let after = json!({"visibility": request.visibility, "version": 1, "document": document}).to_string();
    let mut event = audit(&caller, "template.create", team_id, id, &name);
    event.after_json = Some(&after);
    event.append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    detail(&state, &caller, team_id, id).await.map(Json)
}

/// Handles `GET /api/v1/teams/{team_id}/templates/{template_id}`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/templates/{template_id}",
    tag = "templates",
    params(("team_id" = i64, Path, description = "Team id"), ("template_id" = i64, Path, description = "Template id")),
    responses((status = 200, body = TemplateDetail), (status = 404, body = ErrorBody))
)]
pub async fn get_template(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, template_id)): Path<(i64, i64)>,
) -> ApiResult<Json<TemplateDetail>> {
    detail(&state, &caller, team_id, template_id).await.map(Json)
}

/// Handles `PATCH /api/v1/teams/{team_id}/templates/{template_id}`: who sees the template.
#[utoipa::path(
    patch,
    path = "/teams/{team_id}/templates/{template_id}",
    tag = "templates",
    params(("team_id" = i64, Path, description = "Team id"), ("template_id" = i64, Path, description = "Template id")),
    request_body = UpdateTemplateRequest,
    responses((status = 200, body = TemplateDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn update_template(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, template_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<UpdateTemplateRequest>,
) -> ApiResult<Json<TemplateDetail>> {
    let row = find(&state, &caller, team_id, template_id).await?;
    if row.team_id != team_id {
        return Err(AppError::Forbidden(format!(
            "{} belongs to the team {}; only its members change who sees it.",
            row.name, row.team_name
        )));
    }
    if row.visibility == request.visibility.as_str() {
        return Err(AppError::invalid(
            "visibility",
            format!("{} is shared with {} already.", row.name, request.visibility.as_str()),
        ));
    }
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    table::set_visibility(&mut tx, row.id, request.visibility).await?;
    let before = json!({"visibility": row.visibility}).to_string();
    let after = json!({"visibility": request.visibility}).to_string();
    let mut event = audit(&caller, "template.share", team_id, row.id, &row.name);
    event.before_json = Some(&before);
    event.after_json = Some(&after);
    event.append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    detail(&state, &caller, team_id, row.id).await.map(Json)
}

/// Handles `GET /api/v1/teams/{team_id}/templates/{template_id}/versions/{version}`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/templates/{template_id}/versions/{version}",
    tag = "templates",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("template_id" = i64, Path, description = "Template id"),
        ("version" = i64, Path, description = "Version number")
    ),
    responses((status = 200, body = TemplateVersion), (status = 404, body = ErrorBody))
)]
pub async fn get_template_version(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, template_id, version)): Path<(i64, i64, i64)>,
) -> ApiResult<Json<TemplateVersion>> {
    let row = find(&state, &caller, team_id, template_id).await?;
    let version = template_versions::get(&state.pool, row.id, version).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!(
            "{} has no version {version}; its newest is version {}.",
            row.name, row.latest_version
        )),
        other => other.into(),
    })?;
    Ok(Json(TemplateVersion { version: version_summary(&version), document: stored_document(&version.document)? }))
}

/// Handles `POST /api/v1/teams/{team_id}/templates/{template_id}/versions`: publishes the next
/// version of one of the team's own templates.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/templates/{template_id}/versions",
    tag = "templates",
    params(("team_id" = i64, Path, description = "Team id"), ("template_id" = i64, Path, description = "Template id")),
    request_body = PublishVersionRequest,
    responses((status = 200, body = TemplateDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn publish_version(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, template_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<PublishVersionRequest>,
) -> ApiResult<Json<TemplateDetail>> {
    let row = find(&state, &caller, team_id, template_id).await?;
    if row.team_id != team_id {
        return Err(AppError::Forbidden(format!(
            "{} belongs to the team {}; only its members publish versions. Fork it into this team to change it.",
            row.name, row.team_name
        )));
    }
    let notes = request.notes.trim();
    if notes.chars().count() > MAX_NOTES {
        return Err(AppError::invalid("notes", format!("Shorten the notes to at most {MAX_NOTES} characters.")));
    }
    app::model::text::check_multi_line(notes).map_err(|m| AppError::invalid("notes", m))?;
    let mut document = request.document;
    document.check().map_err(|problems| invalid_document("document", &problems))?;
    document.name = row.name.clone();
    let previous = stored_document(&row.document)?;
    if document == previous {
        return Err(AppError::invalid(
            "document",
            format!("Nothing changed since version {}; edit the template before publishing.", row.latest_version),
        ));
    }
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let version = template_versions::append(&mut tx, row.id, &document.to_text(), notes, caller.user.id).await?;
    let before = json!({"version": row.latest_version, "document": previous}).to_string();
    let after = json!({"version": version, "notes": notes, "document": document}).to_string();
    let mut event = audit(&caller, "template.publish", team_id, row.id, &row.name);
    event.before_json = Some(&before);
    event.after_json = Some(&after);
    event.append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    detail(&state, &caller, team_id, row.id).await.map(Json)
}

/// The template as `caller` sees it from `team_id`, or a 404 naming it.
async fn find(state: &AppState, caller: &Caller, team_id: i64, template_id: i64) -> ApiResult<TemplateRow> {
    table::visible_by_id(&state.pool, team_id, caller.user.id, template_id).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!(
            "No template {template_id} is visible to this team; it may be another team's, or private to its author."
        )),
        other => other.into(),
    })
}

async fn detail(state: &AppState, caller: &Caller, team_id: i64, template_id: i64) -> ApiResult<TemplateDetail> {
    let row = find(state, caller, team_id, template_id).await?;
    let versions = template_versions::of_template(&state.pool, row.id).await?.iter().map(version_summary).collect();
    Ok(TemplateDetail { template: summary(&row), versions, document: stored_document(&row.document)? })
}

/// A stored document read back; every one was checked before it was stored.
fn stored_document(text: &str) -> ApiResult<Template> {
    serde_json::from_str(text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("a stored template document does not parse: {e}")))
}

/// The first problem of a document, with its field under `prefix`, and how many more there are.
fn invalid_document(prefix: &str, problems: &[Problem]) -> AppError {
    let Some(first) = problems.first() else {
        return AppError::invalid(prefix, "The template is not valid.");
    };
    let more = match problems.len() {
        1 => String::new(),
        n => format!(" ({} more problems; the template editor lists them all)", n - 1),
    };
    AppError::invalid(&format!("{prefix}.{}", first.field), format!("{}{more}", first.message))
}

fn audit<'a>(caller: &'a Caller, action: &'a str, team_id: i64, id: i64, name: &'a str) -> NewAuditEvent<'a> {
    NewAuditEvent { team_id: Some(team_id), ..caller.audit(action, "template", id.to_string(), name) }
}

/// A template's list entry.
fn summary(row: &TemplateRow) -> TemplateSummary {
    TemplateSummary {
        id: row.id,
        team_id: row.team_id,
        team_name: row.team_name.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
        visibility: Visibility::parse(&row.visibility).unwrap_or_default(),
        latest_version: row.latest_version,
        updated_at: row.updated_at,
        created_by: row.created_by_name.clone(),
    }
}

/// A version's list entry.
fn version_summary(row: &VersionRow) -> VersionSummary {
    VersionSummary {
        version: row.version,
        notes: row.notes.clone(),
        created_by: row.created_by_name.clone(),
        created_at: row.created_at,
    }
}
