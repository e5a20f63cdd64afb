//! Sessions and tokens end when they should: logout everywhere, password changes, disabled
//! accounts, revoked roles; first passwords must be changed; tokens never exceed their creator.

use crate::helpers::{INITIAL_PASSWORD, MEMBER_PASSWORD, spawn_app};
use reqwest::Method;

/// "Log out everywhere" ends the user's other sessions too.
#[tokio::test]
async fn logout_everywhere_ends_every_session() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let ada = app.member(&admin, "ada", team, "operator").await;
    let ada_elsewhere = app.login("ada", MEMBER_PASSWORD).await;
    assert_eq!(ada.send(Method::POST, "/api/v1/auth/logout-everywhere").send().await.unwrap().status(), 204);
    for session in [&ada, &ada_elsewhere] {
        assert_eq!(session.get("/api/v1/auth/me").send().await.unwrap().status(), 401);
    }
    assert_eq!(admin.get("/api/v1/auth/me").send().await.unwrap().status(), 200, "other users keep theirs");
}

/// A password change ends the user's other sessions and keeps the one that changed it.
#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let ada = app.member(&admin, "ada", team, "viewer").await;
    let elsewhere = app.login("ada", MEMBER_PASSWORD).await;
    let body = serde_json::json!({"current_password": MEMBER_PASSWORD, "new_password": "another password 2"});
    let changed = ada.send(Method::POST, "/api/v1/auth/password").json(&body).send().await.unwrap();
    assert_eq!(changed.status(), 204);
    assert_eq!(ada.get("/api/v1/auth/me").send().await.unwrap().status(), 200);
    assert_eq!(elsewhere.get("/api/v1/auth/me").send().await.unwrap().status(), 401);
    // The old password no longer works; the new one does.
    let old = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "ada", "password": MEMBER_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
    app.login("ada", "another password 2").await;
}

/// Disabling an account ends its sessions and stops its tokens; enabling it lets it log in again.
#[tokio::test]
async fn a_disabled_account_loses_sessions_and_tokens() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let ada = app.member(&admin, "ada", team, "operator").await;
    let secret = app.token(&ada, team, "viewer").await;
    let path = format!("/api/v1/users/{}", ada.me.user_id);
    let disable = admin.send(Method::PATCH, &path).json(&serde_json::json!({"disabled": true})).send().await.unwrap();
    assert_eq!(disable.status(), 200);
    assert_eq!(ada.get("/api/v1/auth/me").send().await.unwrap().status(), 401);
    let with_token = app.client.get(app.url("/api/v1/auth/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(with_token.status(), 401);
    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "ada", "password": MEMBER_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 401, "a disabled account cannot log in");
    let enable = admin.send(Method::PATCH, &path).json(&serde_json::json!({"disabled": false})).send().await.unwrap();
    assert_eq!(enable.status(), 200);
    app.login("ada", MEMBER_PASSWORD).await;
}

/// With a first (or reset) password, a user can only see who they are, change it, or leave.
#[tokio::test]
async fn a_first_password_must_be_changed_before_anything_else() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = admin
        .send(Method::POST, "/api/v1/users")
        .json(&serde_json::json!({"username": "newbie", "password": INITIAL_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let newbie = app.login("newbie", INITIAL_PASSWORD).await;
    assert!(newbie.me.must_change_password);
    let teams = newbie.get("/api/v1/teams").send().await.unwrap();
    assert_eq!(teams.status(), 403);
    let body: serde_json::Value = teams.json().await.unwrap();
    assert_eq!(body["code"], "password_change_required", "{body}");
    assert_eq!(newbie.get("/api/v1/auth/me").send().await.unwrap().status(), 200);
}

/// A token's role cannot exceed its creator's in the team, nor act in a team they are not in;
/// with a token, only that team is visible, and account routes are refused.
#[tokio::test]
async fn tokens_stay_within_their_creator_and_team() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let other = app.create_team(&admin, "Other").await;
    let viewer = app.member(&admin, "vera", team, "viewer").await;
    for (team_id, role, field) in [(team, "operator", "role"), (other, "viewer", "team_id")] {
        let body = serde_json::json!({"name": "too much", "team_id": team_id, "role": role});
        let response = viewer.send(Method::POST, "/api/v1/tokens").json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400);
        let error: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error["field"], field, "{error}");
    }
    let secret = app.token(&admin, team, "operator").await;
    let teams: Vec<app::api::auth::Team> =
        app.client.get(app.url("/api/v1/teams")).bearer_auth(&secret).send().await.unwrap().json().await.unwrap();
    assert_eq!(teams.iter().map(|t| t.id).collect::<Vec<_>>(), vec![team], "a token sees its own team only");
    let other_members =
        app.client.get(app.url(&format!("/api/v1/teams/{other}/members"))).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(other_members.status(), 403, "its creator is admin there, the token is not");
}

/// Every authentication event is in the audit trail, attributed, and without secrets.
#[tokio::test]
async fn auth_events_are_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let ada = app.member(&admin, "ada", team, "viewer").await;
    let secret = app.token(&ada, team, "viewer").await;
    let tokens: Vec<app::api::auth::TokenSummary> =
        ada.get("/api/v1/tokens").send().await.unwrap().json().await.unwrap();
    ada.send(Method::DELETE, &format!("/api/v1/tokens/{}", tokens[0].id)).send().await.unwrap();
    ada.send(Method::POST, "/api/v1/auth/logout").send().await.unwrap();
    let actions: Vec<(String, String, String)> =
        sqlx::query_as("SELECT action, actor_name, result FROM audit_events ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let expected = [
        ("user.bootstrap", "signalbox", "ok"),
        ("auth.login", "admin", "ok"),
        ("user.create", "admin", "ok"),
        ("team.member_set", "admin", "ok"),
        ("auth.login", "ada", "ok"),
        ("auth.password_change", "ada", "ok"),
        ("auth.login", "ada", "ok"),
        ("token.create", "ada", "ok"),
        ("token.revoke", "ada", "ok"),
        ("auth.logout", "ada", "ok"),
    ];
    let got: Vec<(&str, &str, &str)> = actions.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect();
    assert_eq!(got, expected);
    let everything: Vec<String> = sqlx::query_scalar(
        "SELECT coalesce(before_json, '') || coalesce(after_json, '') || coalesce(detail, '') FROM audit_events",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let secret_part = secret.rsplit('_').next().unwrap();
    assert!(everything.iter().all(|row| !row.contains(secret_part) && !row.contains(MEMBER_PASSWORD)));
}

/// The team the console opens in is remembered per user, only for teams the user belongs to, and
/// forgotten when they leave it; a refused choice changes nothing.
#[tokio::test]
async fn the_preferred_team_is_one_of_the_users_teams() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (ada, first, second, elsewhere) = app.member_of_two_teams(&admin).await;
    let preferred = |me: &serde_json::Value| me.get("preferred_team").and_then(|t| t.as_i64());

    let me: serde_json::Value = ada.read("/api/v1/auth/me").await;
    assert_eq!(preferred(&me), None, "nothing chosen yet");
    let choose = |team: serde_json::Value| serde_json::json!({ "team_id": team });
    assert_eq!(ada.call(Method::PUT, "/api/v1/auth/preferred-team", choose(second.into())).await.0, 204);
    let me: serde_json::Value = ada.read("/api/v1/auth/me").await;
    assert_eq!(preferred(&me), Some(second));

    // Teams the user is not in, teams that do not exist, and values that are not ids: refused,
    // naming the field, and the choice stays.
    for bad in [elsewhere.into(), serde_json::json!(999_999), serde_json::json!(-1), serde_json::json!(i64::MAX)] {
        let (status, body) = ada.call(Method::PUT, "/api/v1/auth/preferred-team", choose(bad.clone())).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["field"], "team_id", "{bad}: {body}");
    }
    for bad in [serde_json::json!("2"), serde_json::json!(1.5), serde_json::json!(null), serde_json::json!({})] {
        let (status, body) = ada.call(Method::PUT, "/api/v1/auth/preferred-team", choose(bad.clone())).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let me: serde_json::Value = ada.read("/api/v1/auth/me").await;
    assert_eq!(preferred(&me), Some(second), "refusals changed nothing");

    // A token is bound to its team: it has no preference and cannot set one.
    let token = app.token(&ada, first, "viewer").await;
    let response = app
        .client
        .put(app.url("/api/v1/auth/preferred-team"))
        .bearer_auth(&token)
        .json(&choose(first.into()))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 403);

    // Leaving the team forgets the choice: the console opens in a team the user is still in.
    let removed = admin
        .send(Method::DELETE, &format!("/api/v1/teams/{second}/members/{}", ada.me.user_id))
        .send()
        .await
        .expect("sent");
    assert_eq!(removed.status(), 204);
    let me: serde_json::Value = ada.read("/api/v1/auth/me").await;
    assert_eq!(preferred(&me), None);
    app.set_role(&admin, second, ada.me.user_id, "viewer").await;
    let me: serde_json::Value = ada.read("/api/v1/auth/me").await;
    assert_eq!(preferred(&me), Some(second), "the column keeps the choice only while it is a membership");
}
