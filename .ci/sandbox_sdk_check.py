"""The official OCI Python SDK, unchanged, against Signalbox's sandbox.

Creates a topic and a rule that sends to it, with the SDK's own clients, signer and models (the
concrete action class the seed's NOTES.md calls out), then lists both back. Usage:
    sandbox_sdk_check.py BASE_URL KEY_FILE
"""

import sys

import oci

base_url, key_file = sys.argv[1], sys.argv[2]
compartment = "ocid1.compartment.oc1..sandboxprod"
config = {
    "user": "ocid1.user.oc1..aaaaaaaatestuser",
    "tenancy": "ocid1.tenancy.oc1..aaaaaaaatestenancy",
    "fingerprint": "4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e",
    "key_file": key_file,
    "region": "us-ashburn-1",
}
oci.config.validate_config(config)

topics = oci.ons.NotificationControlPlaneClient(config, service_endpoint=base_url)
events = oci.events.EventsClient(config, service_endpoint=base_url)

topic = topics.create_topic(
    oci.ons.models.CreateTopicDetails(name="sdk-alerts", compartment_id=compartment, description="from the SDK")
).data
assert topic.lifecycle_state == "ACTIVE", topic.lifecycle_state

rule = events.create_rule(
    oci.events.models.CreateRuleDetails(
        display_name="sdk-rule",
        is_enabled=True,
        condition='{"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]}',
        compartment_id=compartment,
        actions=oci.events.models.ActionDetailsList(
            actions=[
                oci.events.models.CreateNotificationServiceActionDetails(
                    topic_id=topic.topic_id, is_enabled=True, description="to sdk-alerts"
                )
            ]
        ),
    )
).data
assert rule.lifecycle_state == "ACTIVE", rule.lifecycle_state
assert rule.actions.actions[0].topic_id == topic.topic_id

listed_topics = [t.name for t in topics.list_topics(compartment_id=compartment).data]
listed_rules = [r.display_name for r in events.list_rules(compartment_id=compartment).data]
assert "sdk-alerts" in listed_topics, listed_topics
assert "sdk-rule" in listed_rules, listed_rules

try:
    events.create_rule(
        oci.events.models.CreateRuleDetails(
            display_name="hcl",
            is_enabled=True,
            condition='eventType = ["x"]',
            compartment_id=compartment,
            actions=oci.events.models.ActionDetailsList(actions=[]),
        )
    )
    raise AssertionError("an HCL condition must be refused")
except oci.exceptions.ServiceError as err:
    assert err.status == 400 and err.code == "InvalidParameter", (err.status, err.code)

print(f"OCI Python SDK {oci.__version__}: created and listed topic {topic.topic_id} and rule {rule.id}")
