use crate::helpers::*;
use chrono::{TimeDelta, Utc};
use server::oci::audit::AuditWindow;

/// The sandbox's Audit API lists the calls it served, with who made them.
#[tokio::test]
async fn the_sandbox_audits_its_own_operations() {
    let t = spawn_sandbox().await;
    let topic = t.client.create_topic(&topic_details("audited", PROD)).await.unwrap();
    let window = AuditWindow::covering(Utc::now() - TimeDelta::minutes(1), Utc::now() + TimeDelta::minutes(1)).unwrap();
    let events = t.client.list_audit_events(PROD, &window, None).await.unwrap().body;
    let created = events
        .iter()
        .find(|e| e.event_type == "com.oraclecloud.NotificationApi.CreateTopic")
        .expect("CreateTopic audited");
    assert_eq!(created.data.resource_id.as_deref(), Some(topic.body.topic_id.as_str()));
    assert_eq!(created.data.resource_name.as_deref(), Some("audited"));
    assert!(
        created
            .data
            .identity
            .credentials
            .as_deref()
            .is_some_and(|k| k.ends_with("4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e"))
    );
    assert_eq!(created.data.response.status.as_deref(), Some("200"));
    assert_eq!(created.data.request.id.as_ref(), topic.opc_request_id.as_ref());

    let other = t.client.list_audit_events(DEV, &window, None).await.unwrap().body;
    assert!(other.iter().all(|e| e.data.compartment_id.as_deref() == Some(DEV)));
}
