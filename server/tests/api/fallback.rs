use crate::helpers::spawn_app;
use serde_json::Value;

async fn error_body(response: reqwest::Response) -> Value {
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.expect("JSON error body")
}

/// Unknown routes under /api answer JSON 404, never the HTML 404 page.
#[tokio::test]
async fn unknown_api_routes_are_json_404() {
    let app = spawn_app().await;
    for path in ["/api/v1/no-such-thing", "/api/v2/system", "/api", "/api/v1/system/extra"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        let body = error_body(response).await;
        assert_eq!(body["code"], "not_found", "{path}");
        assert!(body["message"].as_str().unwrap().contains(path), "{path}: {body}");
    }
}

/// A known route with the wrong method is a JSON 405 that names the method.
#[tokio::test]
async fn wrong_method_is_json_405() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let response = admin.send(reqwest::Method::DELETE, "/api/v1/system").send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert!(response.headers().contains_key("allow"));
    let body = error_body(response).await;
    assert_eq!(body["code"], "method_not_allowed");
    assert!(body["message"].as_str().unwrap().starts_with("DELETE"), "{body}");
}

/// A body over the limit is refused before it is read, with the limit in the message.
#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = spawn_app().await;
    let body = vec![b'x'; server::config::DEFAULT_MAX_BODY_BYTES + 1];
    let response = app.client.post(app.url("/api/v1/system")).body(body).send().await.unwrap();
    assert_eq!(response.status(), 413);
    let body = error_body(response).await;
    assert_eq!(body["code"], "payload_too_large");
    assert!(body["message"].as_str().unwrap().contains(&server::config::DEFAULT_MAX_BODY_BYTES.to_string()), "{body}");
}
