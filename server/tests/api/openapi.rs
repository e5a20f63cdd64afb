use crate::helpers::spawn_app;

/// The OpenAPI document parses as OpenAPI 3.1 and lists the system endpoint with its schemas.
#[tokio::test]
async fn openapi_document_is_valid_and_lists_system() {
    let app = spawn_app().await;
    let response = app.admin().await.get("/api/v1/openapi.json").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let spec = oas3::from_json(&text).expect("a valid OpenAPI 3.1 document");
    assert!(spec.openapi.starts_with("3."), "{}", spec.openapi);
    assert_eq!(spec.info.title, "Signalbox API");

    let paths = spec.paths.as_ref().expect("paths");
    let system = paths.get("/api/v1/system").expect("/api/v1/system is listed");
    let get = system.get.as_ref().expect("GET /api/v1/system");
    assert!(get.responses.as_ref().is_some_and(|r| r.contains_key("200")));

    let schemas = &spec.components.as_ref().expect("components").schemas;
    for name in ["SystemInfo", "DataDirHealth", "DatabaseHealth", "SandboxStatus", "ErrorBody", "ErrorCode"] {
        assert!(schemas.contains_key(name), "schema {name} is missing");
    }
    // Every $ref points at a schema that exists.
    for (start, _) in text.match_indices("#/components/schemas/") {
        let name: String = text[start + 21..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        assert!(schemas.contains_key(&name), "dangling $ref to {name}");
    }
}
