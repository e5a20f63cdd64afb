//! The template library through `/api/v1`: starters, the published schema, creating, versions,
//! who sees what, and refusals that name the field.

use crate::helpers::{Session, spawn_app};
use app::api::templates::{StarterTemplate, TemplateDetail, TemplateSummary, TemplateVersion};
use reqwest::Method;
use serde_json::{Value, json};

async fn create(session: &Session, team: i64, body: Value) -> (u16, Value) {
    let response =
        session.send(Method::POST, &format!("/api/v1/teams/{team}/templates")).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn publish(session: &Session, team: i64, id: i64, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/teams/{team}/templates/{id}/versions");
    let response = session.send(Method::POST, &path).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn list(session: &Session, team: i64) -> Vec<String> {
    let listed: Vec<TemplateSummary> =
        session.get(&format!("/api/v1/teams/{team}/templates")).send().await.unwrap().json().await.unwrap();
    listed.into_iter().map(|t| t.name).collect()
}

#[tokio::test]
async fn starters_and_the_schema_describe_the_format() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let starters: Vec<StarterTemplate> =
        admin.get("/api/v1/templates/starters").send().await.unwrap().json().await.unwrap();
    let slugs: Vec<_> = starters.iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "infra-alerts",
            "bucket-change-processor",
            "iam-change-alerts",
            "audit-everything",
            "live-inventory",
            "cis-oci-monitoring"
        ]
    );

    let schema: Value = admin.get("/api/v1/templates/schema").send().await.unwrap().json().await.unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let required: Vec<&str> = schema["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(required.contains(&"format"), "{required:?}");
    // Every reference resolves inside the document.
    let text = schema.to_string();
    assert!(!text.contains("#/components/"), "references point into $defs");
    for reference in text.split("\"$ref\":\"#/$defs/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(schema["$defs"].get(name).is_some(), "$defs has {name}");
    }
    for name in ["Parameter", "TopicSpec", "SubscriptionSpec", "RuleSpec", "ActionSpec"] {
        assert!(schema["$defs"].get(name).is_some(), "$defs has {name}");
    }
}

#[tokio::test]
async fn templates_are_created_versioned_and_read_back() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;

    let (status, body) = create(&admin, team, json!({"source": {"starter": "infra-alerts"}})).await;
    assert_eq!(status, 200, "{body}");
    let created: TemplateDetail = serde_json::from_value(body).unwrap();
    assert_eq!(created.template.name, "Infra alerts", "the starter's name when none is given");
    assert_eq!(created.template.latest_version, 1);
    assert_eq!(created.versions.len(), 1);
    let id = created.template.id;

    // A second version, with notes; the first is still there as it was.
    let mut document = serde_json::to_value(&created.document).unwrap();
    document["rules"][0]["condition"]["eventType"] = json!(["com.oraclecloud.computeapi.launchinstance.end"]);
    let (status, body) = publish(&admin, team, id, json!({"document": document, "notes": "launches only"})).await;
    assert_eq!(status, 200, "{body}");
    let published: TemplateDetail = serde_json::from_value(body).unwrap();
    let versions: Vec<i64> = published.versions.iter().map(|v| v.version).collect();
    assert_eq!(versions, [2, 1]);
    assert_eq!(published.versions[0].notes, "launches only");
    assert_eq!(published.versions[0].created_by.as_deref(), Some("admin"));
    let first: TemplateVersion = admin
        .get(&format!("/api/v1/teams/{team}/templates/{id}/versions/1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first.document, created.document);

    // Versions cannot be changed in the database either.
    let changed =
        sqlx::query("UPDATE template_versions SET notes = 'rewritten' WHERE version = 1").execute(&app.pool).await;
    assert!(changed.is_err(), "versions are immutable");

    // Refusals name the field and change nothing.
    let (status, body) = publish(&admin, team, id, json!({"document": document})).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("document")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("Nothing changed since version 2"), "{body}");
    let mut broken = document.clone();
    broken["rules"][0]["actions"][0]["topic"] = json!("nowhere");
    let (status, body) = publish(&admin, team, id, json!({"document": broken})).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("document.rules[0].actions[0].topic")), "{body}");
    let (status, body) = create(&admin, team, json!({"name": "Infra alerts", "source": {"document": document}})).await;
    assert_eq!((status, body["field"].as_str()), (409, Some("name")), "{body}");
    let mut unknown = document.clone();
    unknown["colour"] = json!("red");
    let (status, body) = create(&admin, team, json!({"name": "Other", "source": {"document": unknown}})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("colour"), "{body}");
    let response = admin.get(&format!("/api/v1/teams/{team}/templates/{id}/versions/9")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("newest is version 2"), "{body}");
    assert_eq!(list(&admin, team).await, ["Infra alerts"]);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM template_versions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(count, 2, "nothing stored by the refused requests");
}

#[tokio::test]
async fn who_sees_and_who_changes_a_template() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let other_team = app.create_team(&admin, "payments").await;
    let operator = app.member(&admin, "olive", team, "operator").await;
    let viewer = app.member(&admin, "victor", team, "viewer").await;
    let outsider = app.member(&admin, "oscar", other_team, "operator").await;

    let starter = |name: &str, visibility: &str| json!({"name": name, "visibility": visibility, "source": {"starter": "audit-everything"}});
    assert_eq!(create(&operator, team, starter("Olive's draft", "private")).await.0, 200);
    assert_eq!(create(&operator, team, starter("Team audit", "team")).await.0, 200);
    let (_, shared) = create(&operator, team, starter("Shared audit", "everyone")).await;
    let (status, body) = create(&viewer, team, starter("Viewer's", "team")).await;
    assert_eq!(status, 403, "viewers do not create templates: {body}");

    assert_eq!(list(&operator, team).await, ["Olive's draft", "Shared audit", "Team audit"]);
    assert_eq!(list(&viewer, team).await, ["Shared audit", "Team audit"], "a private template is its author's");
    assert_eq!(list(&outsider, other_team).await, ["Shared audit"], "shared with everyone");

    // Another team reads a shared template but does not publish its versions.
    let shared_id = shared["template"]["id"].as_i64().unwrap();
    let response = outsider.get(&format!("/api/v1/teams/{other_team}/templates/{shared_id}")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut document = shared["document"].clone();
    document["description"] = json!("taken over");
    let (status, body) = publish(&outsider, other_team, shared_id, json!({"document": document})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("Fork it"), "{body}");
    let private_id = sqlx::query_scalar::<_, i64>("SELECT id FROM templates WHERE name = 'Olive''s draft'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let response = viewer.get(&format!("/api/v1/teams/{team}/templates/{private_id}")).send().await.unwrap();
    assert_eq!(response.status(), 404, "someone else's private template does not exist for them");
}

#[tokio::test]
async fn templates_are_shared_forked_into_another_team_and_captured_from_a_compartment() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let home = admin.me.teams[0].team_id;
    let created: Value = admin
        .send(Method::POST, "/api/v1/teams")
        .json(&json!({"name": "Payments"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let payments = created["id"].as_i64().unwrap();
    let (_, body) = create(&admin, home, json!({"source": {"starter": "infra-alerts"}})).await;
    let id = body["template"]["id"].as_i64().unwrap();

    // Shared with everyone; asking for what it already is names the field.
    let share = |visibility: &str| {
        admin
            .send(Method::PATCH, &format!("/api/v1/teams/{home}/templates/{id}"))
            .json(&json!({"visibility": visibility}))
    };
    let answer = share("everyone").send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let answer: Value = share("everyone").send().await.unwrap().json().await.unwrap();
    assert_eq!(answer["field"], "visibility", "{answer}");
    assert_eq!(list(&admin, payments).await, ["Infra alerts"], "everyone sees it");

    // Forked into Payments: its own template, version 1, the same resources.
    let (status, body) = create(
        &admin,
        payments,
        json!({"name": "Payments alerts", "source": {"fork": {"team_id": home, "template_id": id}}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let fork: TemplateDetail = serde_json::from_value(body).unwrap();
    assert_eq!((fork.template.team_id, fork.template.latest_version), (payments, 1));
    assert!(fork.document.description.contains("forked from Infra alerts v1"), "{}", fork.document.description);
    assert_eq!(fork.document.rules.len(), 1);
    let (status, body) =
        create(&admin, payments, json!({"name": "x", "source": {"fork": {"team_id": 999, "template_id": id}}})).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("source.fork.team_id")), "{body}");

    // Captured: what a compartment holds becomes a template, the rule pointing at the topic by key.
    let (base, compartment) = crate::helpers::sandbox(&admin).await;
    let topic: Value = admin
        .send(Method::POST, &format!("{base}/topics"))
        .json(&json!({"compartment_id": compartment, "name": "Ops_Alerts"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rule = json!({
        "compartment_id": compartment,
        "name": "launches",
        "description": "",
        "condition": r#"{"eventType":["com.oraclecloud.computeapi.launchinstance.end"]}"#,
        "actions": [{"kind": "ONS", "target_id": topic["id"]}],
    });
    let answer = admin.send(Method::POST, &format!("{base}/rules")).json(&rule).send().await.unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap_or_default());
    let connection: i64 = base.rsplit('/').next().unwrap().parse().unwrap();
    let (status, body) = create(
        &admin,
        home,
        json!({"name": "captured", "source": {"capture": {"connection_id": connection, "compartment_id": compartment}}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let captured: TemplateDetail = serde_json::from_value(body).unwrap();
    assert_eq!(captured.document.topics.len(), 1);
    assert_eq!(captured.document.topics[0].key, "ops_alerts", "lowercased");
    assert_eq!(captured.document.rules[0].name, "launches");
    assert_eq!(captured.document.rules[0].condition["eventType"][0], "com.oraclecloud.computeapi.launchinstance.end");
    let action = serde_json::to_value(&captured.document.rules[0].actions[0]).unwrap();
    assert_eq!(action["topic"], "ops_alerts", "{action}");
    let (status, body) = create(
        &admin,
        home,
        json!({"name": "nowhere", "source": {"capture": {"connection_id": connection, "compartment_id": "prod"}}}),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("source.capture.compartment_id")), "{body}");
}
