//! Writes the console's exports of a sample rule and a sample topic with subscriptions into a
//! directory, for `.ci/sdk-against-sandbox` to run under the official OCI Python SDK. The
//! compartment and the rule's topic are the placeholders `@COMPARTMENT@` and `@TOPIC_ID@`, which
//! the check replaces with what it created in the sandbox.
//!
//! Usage: `cargo run -p server --example export_samples -- OUT_DIR`

use app::api::rules::{ActionKind, Rule, RuleAction};
use app::api::subscriptions::Subscription;
use app::api::topics::{SubscriptionCounts, Topic};
use app::export;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: export_samples OUT_DIR");
        std::process::exit(2);
    };
    let now = chrono::Utc::now();
    let rule = Rule {
        id: "ocid1.eventrule.oc1.iad.exported".to_owned(),
        name: "exported-rule".to_owned(),
        description: "Exported by Signalbox, \"quoted\" on purpose".to_owned(),
        state: "ACTIVE".to_owned(),
        state_message: None,
        is_enabled: true,
        condition: "{\n  \"eventType\": [\n    \"com.oraclecloud.computeapi.launchinstance.end\"\n  ],\n  \"data\": {\"freeformTags\": {\"team\": \"ops\"}}\n}".to_owned(),
        compartment_id: "@COMPARTMENT@".to_owned(),
        created_at: now,
        actions: vec![RuleAction {
            description: "to the exported topic".to_owned(),
            ..RuleAction::new(ActionKind::Notifications, "@TOPIC_ID@".to_owned())
        }],
    };
    let topic = Topic {
        id: "ocid1.onstopic.oc1.iad.exported".to_owned(),
        name: "exported-topic".to_owned(),
        compartment_id: "@COMPARTMENT@".to_owned(),
        state: "ACTIVE".to_owned(),
        description: "Exported with its subscriptions".to_owned(),
        created_at: now,
        subscriptions: SubscriptionCounts { active: 2, pending: 0, other: 0 },
    };
    let subscription = |protocol: &str, endpoint: &str| Subscription {
        id: format!("ocid1.onssubscription.oc1.iad.{}", protocol.to_lowercase()),
        topic_id: topic.id.clone(),
        topic_name: None,
        protocol: protocol.to_owned(),
        endpoint: endpoint.to_owned(),
        state: "ACTIVE".to_owned(),
        created_at: Some(now),
        age_seconds: None,
    };
    let subscriptions = [subscription("EMAIL", "oncall@example.com"), subscription("SMS", "+15555550123")];
    std::fs::create_dir_all(&out)?;
    let rule = export::rule(&rule);
    let topic = export::topic(&topic, &subscriptions);
    std::fs::write(out.join("rule.py"), rule.python)?;
    std::fs::write(out.join("rule.sh"), rule.cli)?;
    std::fs::write(out.join("topic.py"), topic.python)?;
    std::fs::write(out.join("topic.sh"), topic.cli)?;
    println!("wrote rule.py, rule.sh, topic.py and topic.sh to {}", out.display());
    Ok(())
}
