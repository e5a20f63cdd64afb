"""An out-of-band change for the pages benchmark: the official OCI Python SDK creates one rule in
the sandbox, as a script or the OCI Console would, without Signalbox. Prints one JSON line with
the Unix time at which the SDK had the answer.

Usage: out_of_band_rule.py BASE_URL KEY_FILE TENANCY USER FINGERPRINT COMPARTMENT NAME
"""

import json
import sys
import time

import oci

base_url, key_file, tenancy, user, fingerprint, compartment, name = sys.argv[1:8]
config = {"user": user, "tenancy": tenancy, "fingerprint": fingerprint, "key_file": key_file, "region": "us-ashburn-1"}
oci.config.validate_config(config)
events = oci.events.EventsClient(config, service_endpoint=base_url)
topics = oci.ons.NotificationControlPlaneClient(config, service_endpoint=base_url)
topic_id = topics.list_topics(compartment_id=compartment, limit=1).data[0].topic_id
action = oci.events.models.CreateNotificationServiceActionDetails(topic_id=topic_id, is_enabled=True)
details = oci.events.models.CreateRuleDetails(
    display_name=name,
    is_enabled=True,
    condition=json.dumps({"eventType": ["com.oraclecloud.objectstorage.deletebucket"]}),
    compartment_id=compartment,
    actions=oci.events.models.ActionDetailsList(actions=[action]),
)
rule = events.create_rule(details).data
print(json.dumps({"answered_at": time.time(), "id": rule.id}))
