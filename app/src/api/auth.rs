//! Accounts, sessions, teams and API tokens: the types of `/api/v1/auth`, `/users`, `/teams` and
//! `/tokens`, and the client calls the UI makes.

use super::ApiError;
pub use crate::model::role::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Body of `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// Username (case-insensitive).
    pub username: String,
    /// Password.
    pub password: String,
}

/// A team the caller belongs to, with the caller's role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamMembership {
    /// Team id.
    pub team_id: i64,
    /// Team name.
    pub team_name: String,
    /// The caller's role.
    pub role: Role,
}

/// Who is calling: the answer of `GET /api/v1/auth/me` and of a successful login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Me {
    /// User id.
    pub user_id: i64,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Whether the user may manage the instance (users, teams).
    pub is_site_admin: bool,
    /// Whether the user must choose a new password before doing anything else.
    pub must_change_password: bool,
    /// The user's teams.
    pub teams: Vec<TeamMembership>,
    /// The team the console opens in: the one last chosen with the team switcher, while the user
    /// is still a member of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_team: Option<i64>,
    /// For session callers: the token to send as `x-csrf-token` on every state-changing request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

impl Me {
    /// The team the console opens in: the preferred one, else the first; `None` outside any team.
    pub fn home_team(&self) -> Option<&TeamMembership> {
        let preferred = self.preferred_team.and_then(|id| self.membership(id));
        preferred.or_else(|| self.teams.first())
    }

    /// The caller's membership of team `id`.
    pub fn membership(&self, id: i64) -> Option<&TeamMembership> {
        self.teams.iter().find(|t| t.team_id == id)
    }
}

/// Body of `PUT /api/v1/auth/preferred-team`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreferredTeamRequest {
    /// A team the caller is a member of.
    pub team_id: i64,
}

/// Body of `POST /api/v1/auth/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new password (at least 12 characters).
    pub new_password: String,
}

/// A user, as site administrators see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    /// User id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Site administrator.
    pub is_site_admin: bool,
    /// Disabled users cannot log in and their tokens stop working.
    pub disabled: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Body of `POST /api/v1/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateUserRequest {
    /// Username: 3 to 64 of letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// Display name.
    #[serde(default)]
    pub display_name: String,
    /// Initial password; the user must change it at first login.
    pub password: String,
    /// Make the user a site administrator.
    #[serde(default)]
    pub is_site_admin: bool,
}

/// Body of `PATCH /api/v1/users/{user_id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpdateUserRequest {
    /// Disable (true) or enable (false) the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Set a new password the user must change at next login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_password: Option<String>,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Team {
    /// Team id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// Body of `POST /api/v1/teams`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateTeamRequest {
    /// Name: 2 to 64 characters.
    pub name: String,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Member {
    /// User id.
    pub user_id: i64,
    /// Username.
    pub username: String,
    /// Role in the team.
    pub role: Role,
}

/// Body of `POST /api/v1/teams/{team_id}/members`: adds an existing user by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AddMemberRequest {
    /// The user's username.
    pub username: String,
    /// The role to give.
    pub role: Role,
}

/// Body of `PUT /api/v1/teams/{team_id}/members/{user_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetMemberRequest {
    /// The role to give.
    pub role: Role,
}

/// An API token as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenSummary {
    /// Token id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// The visible start of the token (`sbx_ab12cd34`), to recognise it.
    pub prefix: String,
    /// Team it acts in.
    pub team_id: i64,
    /// Role it acts with.
    pub role: Role,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last used, if ever.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked, if so.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateTokenRequest {
    /// What it is for.
    pub name: String,
    /// Team it acts in (the caller must be a member).
    pub team_id: i64,
    /// Role it acts with (not above the caller's role in the team).
    pub role: Role,
}

/// Answer of `POST /api/v1/tokens`: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// The token as listed from now on.
    pub token: TokenSummary,
    /// The full token for `Authorization: Bearer ...`; store it now, it is not shown again.
    pub secret: String,
}

/// Fetches who is calling.
pub async fn get_me() -> Result<Me, ApiError> {
    super::get_json("/auth/me").await
}

/// Logs in; the server sets the session cookie.
pub async fn login(request: &LoginRequest) -> Result<Me, ApiError> {
    super::send_json(http::Method::POST, "/auth/login", request, None).await
}

/// Ends this session.
pub async fn logout(csrf: &str) -> Result<(), ApiError> {
    super::send_empty(http::Method::POST, "/auth/logout", Some(csrf)).await
}

/// Ends every session of the user, this one too.
pub async fn logout_everywhere(csrf: &str) -> Result<(), ApiError> {
    super::send_empty(http::Method::POST, "/auth/logout-everywhere", Some(csrf)).await
}

/// Remembers the team the console opens in for the caller.
pub async fn set_preferred_team(team_id: i64, csrf: &str) -> Result<(), ApiError> {
    let request = PreferredTeamRequest { team_id };
    super::send_body(http::Method::PUT, "/auth/preferred-team", &request, Some(csrf)).await
}

/// Changes the caller's password.
pub async fn change_password(request: &ChangePasswordRequest, csrf: &str) -> Result<(), ApiError> {
    super::send_body(http::Method::POST, "/auth/password", request, Some(csrf)).await
}

/// Lists the caller's teams (every team for a site administrator).
pub async fn list_teams() -> Result<Vec<Team>, ApiError> {
    super::get_json("/teams").await
}

/// Creates a team (site administrators); the caller becomes its admin.
pub async fn create_team(request: &CreateTeamRequest, csrf: &str) -> Result<Team, ApiError> {
    super::send_json(http::Method::POST, "/teams", request, Some(csrf)).await
}

/// Lists a team's members.
pub async fn list_members(team_id: i64) -> Result<Vec<Member>, ApiError> {
    super::get_json(&format!("/teams/{team_id}/members")).await
}

/// Adds a user to a team by username.
pub async fn add_member(team_id: i64, request: &AddMemberRequest, csrf: &str) -> Result<Member, ApiError> {
    super::send_json(http::Method::POST, &format!("/teams/{team_id}/members"), request, Some(csrf)).await
}

/// Changes a member's role.
pub async fn set_member(team_id: i64, user_id: i64, role: Role, csrf: &str) -> Result<Member, ApiError> {
    let path = format!("/teams/{team_id}/members/{user_id}");
    super::send_json(http::Method::PUT, &path, &SetMemberRequest { role }, Some(csrf)).await
}

/// Removes a member from a team.
pub async fn remove_member(team_id: i64, user_id: i64, csrf: &str) -> Result<(), ApiError> {
    super::send_empty(http::Method::DELETE, &format!("/teams/{team_id}/members/{user_id}"), Some(csrf)).await
}

/// Lists every account (site administrators).
pub async fn list_users() -> Result<Vec<UserSummary>, ApiError> {
    super::get_json("/users").await
}

/// Creates an account (site administrators).
pub async fn create_user(request: &CreateUserRequest, csrf: &str) -> Result<UserSummary, ApiError> {
    super::send_json(http::Method::POST, "/users", request, Some(csrf)).await
}

/// Disables or enables an account, or resets its password (site administrators).
pub async fn update_user(user_id: i64, request: &UpdateUserRequest, csrf: &str) -> Result<UserSummary, ApiError> {
    super::send_json(http::Method::PATCH, &format!("/users/{user_id}"), request, Some(csrf)).await
}

/// Lists the caller's API tokens.
pub async fn list_tokens() -> Result<Vec<TokenSummary>, ApiError> {
    super::get_json("/tokens").await
}

/// Creates an API token; the answer holds its secret, once.
pub async fn create_token(request: &CreateTokenRequest, csrf: &str) -> Result<CreatedToken, ApiError> {
    super::send_json(http::Method::POST, "/tokens", request, Some(csrf)).await
}

/// Revokes one of the caller's API tokens.
pub async fn revoke_token(token_id: i64, csrf: &str) -> Result<(), ApiError> {
    super::send_empty(http::Method::DELETE, &format!("/tokens/{token_id}"), Some(csrf)).await
}
