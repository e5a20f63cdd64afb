"""The out-of-band step of local.sh: the official OCI Python SDK, as a script or the OCI Console
would, without Signalbox, against the sandbox a local `signalbox serve` embeds.

Usage: out_of_band.py BASE_URL KEY_FILE TENANCY USER COMPARTMENT disable|count PREFIX
  disable  turns off the rules whose names start with PREFIX (the drift a deployment must notice)
  count    prints how many live rules and topics have names starting with PREFIX
"""

import hashlib
import sys

import oci
from cryptography.hazmat.primitives import serialization

base_url, key_file, tenancy, user, compartment, action, prefix = sys.argv[1:8]
with open(key_file, "rb") as pem:
    key = serialization.load_pem_private_key(pem.read(), password=None)
der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
fingerprint = ":".join(f"{b:02x}" for b in hashlib.md5(der).digest())
config = {"user": user, "tenancy": tenancy, "fingerprint": fingerprint, "key_file": key_file, "region": "us-ashburn-1"}
oci.config.validate_config(config)
events = oci.events.EventsClient(config, service_endpoint=base_url)
topics = oci.ons.NotificationControlPlaneClient(config, service_endpoint=base_url)

rules = oci.pagination.list_call_get_all_results(events.list_rules, compartment_id=compartment).data
mine = [r for r in rules if r.display_name.startswith(prefix) and r.lifecycle_state != "DELETED"]
if action == "disable":
    if not mine:
        sys.exit(f"no rule starts with {prefix}")
    for rule in mine:
        events.update_rule(rule.id, oci.events.models.UpdateRuleDetails(is_enabled=False))
        print(f"disabled {rule.display_name} with the OCI SDK")
elif action == "count":
    listed = oci.pagination.list_call_get_all_results(topics.list_topics, compartment_id=compartment).data
    left = [t for t in listed if t.name.startswith(prefix) and t.lifecycle_state != "DELETING"]
    print(len(mine) + len(left))
else:
    sys.exit(f"unknown action {action}")
