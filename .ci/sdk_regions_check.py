"""Signalbox's realms and regions against the official OCI Python SDK's.

Compares the whole table (region ids, short codes, realms, each realm's domain) and, for every
region and every service Signalbox calls, the base URL (host and API version) the SDK's own client
would use with that region in its config against Signalbox's. Any difference fails. Usage:
    sdk_regions_check.py SIGNALBOX_TABLE_JSON KEY_FILE
"""

import json
import sys

import oci
from oci import regions_definitions as sdk

ours = json.load(open(sys.argv[1]))
key_file = sys.argv[2]
CLIENTS = {
    "events": oci.events.EventsClient,
    "notifications": oci.ons.NotificationControlPlaneClient,
    "functions": oci.functions.FunctionsManagementClient,
    "audit": oci.audit.AuditClient,
    "compute": oci.core.ComputeClient,
    "identity": oci.identity.IdentityClient,
    "objectstorage": oci.object_storage.ObjectStorageClient,
    "auth": oci.identity_data_plane.DataplaneClient,
}
problems = []

if ours["realms"] != sdk.REALMS:
    problems.append(f"realms differ: ours {ours['realms']}, the SDK's {sdk.REALMS}")
short = {region: code for code, region in sdk.REGIONS_SHORT_NAMES.items()}
sdk_table = [(region, short.get(region), sdk.REGION_REALMS.get(region)) for region in sdk.REGIONS]
our_table = [(r["id"], r["short"], r["realm"]) for r in ours["regions"]]
for row in sorted(set(sdk_table) - set(our_table)):
    problems.append(f"the SDK has {row}, Signalbox does not")
for row in sorted(set(our_table) - set(sdk_table)):
    problems.append(f"Signalbox has {row}, the SDK does not")

urls = 0
for region in ours["regions"]:
    config = {
        "user": "ocid1.user.oc1..aaaaaaaatestuser",
        "tenancy": "ocid1.tenancy.oc1..aaaaaaaatestenancy",
        "fingerprint": "4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e",
        "key_file": key_file,
        "region": region["id"],
    }
    for service, client in CLIENTS.items():
        # What a request is sent to: the endpoint with the template's options resolved (dual-stack
        # off, the SDK's default for these services).
        theirs = client(config).base_client.update_endpoint_template_for_options()
        if region["base_urls"][service] != theirs:
            problems.append(f"{region['id']} {service}: Signalbox {region['base_urls'][service]}, the SDK {theirs}")
        urls += 1

if problems:
    print("\n".join(problems))
    sys.exit(f"{len(problems)} differences from OCI Python SDK {oci.__version__}'s regions")
print(f"OCI Python SDK {oci.__version__}: {len(our_table)} regions, {len(ours['realms'])} realms and "
      f"{urls} base URLs match")
