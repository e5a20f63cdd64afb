"""The seed's workflow as a script: the official OCI Python SDK creating a pipeline one call after
another (topics, then each topic's e-mail subscription, then a rule per topic), against the same
sandbox Signalbox's apply benchmark uses. Prints one JSON line: the seconds the creates took
(imports and client setup excluded) and how many calls were made.

Usage: sequential_apply.py BASE_URL KEY_FILE TENANCY USER FINGERPRINT COMPARTMENT PREFIX PAIRS
"""

import json
import sys
import time

import oci

base_url, key_file, tenancy, user, fingerprint, compartment, prefix, pairs = sys.argv[1:9]
pairs = int(pairs)
config = {"user": user, "tenancy": tenancy, "fingerprint": fingerprint, "key_file": key_file, "region": "us-ashburn-1"}
oci.config.validate_config(config)
topics = oci.ons.NotificationControlPlaneClient(config, service_endpoint=base_url)
subscriptions = oci.ons.NotificationDataPlaneClient(config, service_endpoint=base_url)
events = oci.events.EventsClient(config, service_endpoint=base_url)
condition = json.dumps({"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]})

started = time.perf_counter()
calls = 0
topic_ids = []
for i in range(pairs):
    details = oci.ons.models.CreateTopicDetails(name=f"{prefix}-topic-{i}", compartment_id=compartment)
    topic_ids.append(topics.create_topic(details).data.topic_id)
    calls += 1
for i, topic_id in enumerate(topic_ids):
    details = oci.ons.models.CreateSubscriptionDetails(
        topic_id=topic_id, compartment_id=compartment, protocol="EMAIL", endpoint=f"oncall-{i}@example.com"
    )
    subscriptions.create_subscription(details)
    calls += 1
for i, topic_id in enumerate(topic_ids):
    action = oci.events.models.CreateNotificationServiceActionDetails(topic_id=topic_id, is_enabled=True)
    details = oci.events.models.CreateRuleDetails(
        display_name=f"{prefix}-rule-{i}",
        is_enabled=True,
        condition=condition,
        compartment_id=compartment,
        actions=oci.events.models.ActionDetailsList(actions=[action]),
    )
    events.create_rule(details)
    calls += 1
print(json.dumps({"seconds": time.perf_counter() - started, "calls": calls}))
