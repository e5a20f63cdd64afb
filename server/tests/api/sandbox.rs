use crate::helpers::spawn_app;

/// `signalbox serve` embeds the sandbox under /oci-sandbox, reachable by the built-in connection.
#[tokio::test]
async fn the_builtin_connection_reaches_the_embedded_sandbox() {
    let app = spawn_app().await;
    let client = app.builtin.client.clone();
    let topics = client
        .list_topics(&server::oci::ons::ListTopicsRequest {
            compartment_id: "ocid1.compartment.oc1..sandboxprod".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(topics.body.is_empty());
    assert!(topics.opc_request_id.is_some());

    // Unsigned calls get OCI's 401, not Signalbox's error shape or a page.
    let response = app.get("/oci-sandbox/20181201/rules?compartmentId=ocid1.compartment.oc1..sandboxprod").await;
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "NotAuthenticated");
}

/// The built-in key is created once, private to its owner, and reused on the next start.
#[tokio::test]
async fn the_builtin_key_is_kept_in_the_data_directory() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let path = app.data_dir.path().join("sandbox/api_key.pem");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let first = std::fs::read(&path).unwrap();
    // A second server on a data directory in use is refused before it touches anything.
    let refused = server::Application::build(server::config::Config::for_tests(app.data_dir.path())).await;
    let err = refused.err().expect("a second server on the same data directory is refused").to_string();
    assert!(err.contains("another Signalbox process is using it"), "{err}");
    assert!(std::fs::read(&path).unwrap() == first, "the key was not replaced");

    let data_dir = tempfile::tempdir().unwrap();
    let config = server::config::Config::for_tests(data_dir.path());
    let key = data_dir.path().join("sandbox/api_key.pem");
    let app = server::Application::build(config.clone()).await.unwrap();
    let first = std::fs::read(&key).unwrap();
    drop(app);
    let _again = server::Application::build(config).await.expect("a stopped server's directory can be used again");
    assert!(std::fs::read(&key).unwrap() == first, "the key is reused on the next start");
}

/// With persistence on, the sandbox's resources survive a restart of `signalbox serve`.
#[tokio::test]
async fn sandbox_resources_survive_a_restart() {
    let data_dir = tempfile::tempdir().unwrap();
    let config = server::config::Config { sandbox_persist: true, ..server::config::Config::for_tests(data_dir.path()) };
    let details = server::oci::ons::CreateTopicDetails {
        name: "kept".into(),
        compartment_id: "ocid1.compartment.oc1..sandboxprod".into(),
        description: None,
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };

    let app = server::Application::build(config.clone()).await.unwrap();
    let client = app.builtin().client.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let topic = client.create_topic(&details).await.unwrap().body;
    stop.send(()).unwrap();
    running.await.unwrap().unwrap();

    let app = server::Application::build(config).await.unwrap();
    let client = app.builtin().client.clone();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let again = client.get_topic(&topic.topic_id).await.unwrap().body;
    assert_eq!(again.name, "kept");
}
