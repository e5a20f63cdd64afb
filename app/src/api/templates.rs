//! The template library: the types of `/api/v1/teams/{team_id}/templates` and
//! `/api/v1/templates/…`, and the client calls. The document itself is [`crate::template`].

use super::ApiError;
pub use crate::model::visibility::Visibility;
use crate::template::Template;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest template name.
pub const MAX_NAME: usize = 100;
/// Longest version note.
pub const MAX_NOTES: usize = 2000;

/// A template in a library list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateSummary {
    /// Id.
    pub id: i64,
    /// The team that owns it.
    pub team_id: i64,
    /// That team's name.
    pub team_name: String,
    /// Name, unique in its team.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Who sees it.
    pub visibility: Visibility,
    /// Its newest version.
    pub latest_version: i64,
    /// When that version was published.
    pub updated_at: DateTime<Utc>,
    /// Who created the template, when known.
    pub created_by: Option<String>,
}

/// One version of a template, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VersionSummary {
    /// 1, 2, 3…
    pub version: i64,
    /// What changed, in the publisher's words.
    pub notes: String,
    /// Who published it, when known.
    pub created_by: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A template with its versions, newest first, and its newest document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateDetail {
    /// The template.
    pub template: TemplateSummary,
    /// Every version, newest first.
    pub versions: Vec<VersionSummary>,
    /// The newest version's document.
    pub document: Template,
}

/// One version with its document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateVersion {
    /// The version.
    pub version: VersionSummary,
    /// Its document.
    pub document: Template,
}

/// A built-in starter template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StarterTemplate {
    /// Stable id, to create a template from it.
    pub slug: String,
    /// Its document.
    pub document: Template,
}

/// Where a new template's first version comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TemplateSource {
    /// A document written or imported by the caller.
    Document(Template),
    /// A built-in starter, by slug.
    Starter(String),
    /// Another template's newest version (a fork): one the caller sees from one of their teams.
    Fork {
        /// The team the caller sees it from.
        team_id: i64,
        /// The template.
        template_id: i64,
    },
    /// What a compartment holds now, through one of this team's connections.
    Capture {
        /// The connection.
        connection_id: i64,
        /// The compartment.
        compartment_id: String,
    },
}

/// `PATCH /teams/{team_id}/templates/{template_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpdateTemplateRequest {
    /// Who sees it.
    pub visibility: Visibility,
}

/// `POST /teams/{team_id}/templates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateTemplateRequest {
    /// Name, unique in the team; the document's name when empty.
    #[serde(default)]
    pub name: String,
    /// Who sees it.
    #[serde(default)]
    pub visibility: Visibility,
    /// The first version.
    pub source: TemplateSource,
}

/// `POST /teams/{team_id}/templates/{template_id}/versions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PublishVersionRequest {
    /// The new document.
    pub document: Template,
    /// What changed.
    #[serde(default)]
    pub notes: String,
}

/// Why a template name is not acceptable, if it is not.
pub fn check_name(name: &str) -> Result<(), String> {
    let length = name.trim().chars().count();
    if length == 0 {
        return Err("Give the template a name, such as Infra alerts.".into());
    }
    if length > MAX_NAME {
        return Err(format!("The name is {length} characters long; shorten it to at most {MAX_NAME}."));
    }
    crate::model::text::check_one_line(name)
}

/// The templates a team can use: its own and those shared with everyone.
pub async fn list_templates(team_id: i64) -> Result<Vec<TemplateSummary>, ApiError> {
    super::get_json(&format!("/teams/{team_id}/templates")).await
}

/// One template with its versions.
pub async fn get_template(team_id: i64, template_id: i64) -> Result<TemplateDetail, ApiError> {
    super::get_json(&format!("/teams/{team_id}/templates/{template_id}")).await
}

/// One version's document.
pub async fn get_template_version(team_id: i64, template_id: i64, version: i64) -> Result<TemplateVersion, ApiError> {
    super::get_json(&format!("/teams/{team_id}/templates/{template_id}/versions/{version}")).await
}

/// Creates a template (operators).
pub async fn create_template(
    team_id: i64,
    request: &CreateTemplateRequest,
    csrf: &str,
) -> Result<TemplateDetail, ApiError> {
    super::send_json(http::Method::POST, &format!("/teams/{team_id}/templates"), request, Some(csrf)).await
}

/// Publishes a new version (operators).
pub async fn publish_version(
    team_id: i64,
    template_id: i64,
    request: &PublishVersionRequest,
    csrf: &str,
) -> Result<TemplateDetail, ApiError> {
    let path = format!("/teams/{team_id}/templates/{template_id}/versions");
    super::send_json(http::Method::POST, &path, request, Some(csrf)).await
}

/// Changes who sees a template (operators of its team).
pub async fn update_template(
    team_id: i64,
    template_id: i64,
    request: &UpdateTemplateRequest,
    csrf: &str,
) -> Result<TemplateDetail, ApiError> {
    let path = format!("/teams/{team_id}/templates/{template_id}");
    super::send_json(http::Method::PATCH, &path, request, Some(csrf)).await
}

/// The built-in starters.
pub async fn list_starters() -> Result<Vec<StarterTemplate>, ApiError> {
    super::get_json("/templates/starters").await
}
