"""A rule made out of band with the official OCI Python SDK satisfies a CIS recommendation.

Against a running `signalbox serve` (its built-in sandbox, with its built-in key): makes a
compartment, a compliance check of it (CIS 4.7 fails: no rule), then, with the SDK only, a topic,
an HTTPS subscription to one of the team's inboxes (confirmed by the inbox) and a rule matching
the user-change events with a notification action; checks again: 4.7 passes, decided by that rule.
Usage: compliance_sdk_check.py SIGNALBOX_URL ADMIN_PASSWORD KEY_FILE
"""

import hashlib
import http.cookiejar
import json
import sys
import time
import urllib.request

import oci
from cryptography.hazmat.primitives import serialization

url, password, key_file = sys.argv[1:4]
TENANCY = "ocid1.tenancy.oc1..aaaaaaaasignalboxsandbox"
USER = "ocid1.user.oc1..aaaaaaaasignalboxbuiltin"
PROD = "ocid1.compartment.oc1..sandboxprod"
USER_CHANGES = [
    f"com.oraclecloud.identitycontrolplane.{t}"
    for t in ["createuser", "deleteuser", "updateuser", "updateusercapabilities", "updateuserstate"]
]

jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
csrf = ""


def api(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/api/v1{path}", data=data, method=method)
    request.add_header("content-type", "application/json")
    if csrf:
        request.add_header("x-csrf-token", csrf)
    with jar.open(request) as response:
        return json.loads(response.read() or b"null")


me = api("POST", "/auth/login", {"username": "admin", "password": password})
csrf = me["csrf_token"]
team = me["teams"][0]["team_id"]
connection = next(c["id"] for c in api("GET", f"/teams/{team}/connections") if c["kind"] == "sandbox")

with open(key_file, "rb") as pem:
    key = serialization.load_pem_private_key(pem.read(), password=None)
der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
config = {
    "user": USER,
    "tenancy": TENANCY,
    "fingerprint": ":".join(f"{b:02x}" for b in hashlib.md5(der).digest()),
    "key_file": key_file,
    "region": "us-ashburn-1",
}
oci.config.validate_config(config)
endpoint = f"{url}/oci-sandbox"
identity = oci.identity.IdentityClient(config, service_endpoint=endpoint)
topics = oci.ons.NotificationControlPlaneClient(config, service_endpoint=endpoint)
subscriptions = oci.ons.NotificationDataPlaneClient(config, service_endpoint=endpoint)
events = oci.events.EventsClient(config, service_endpoint=endpoint)

suffix = str(int(time.time()))
compartment = identity.create_compartment(
    oci.identity.models.CreateCompartmentDetails(
        compartment_id=PROD, name=f"sdk-{suffix}", description="made with the official SDK"
    )
).data
check = api(
    "POST",
    f"/teams/{team}/compliance",
    {"name": f"SDK {suffix}", "connection_id": connection, "scope": {"compartments": [compartment.id]}},
)
check_path = f"/teams/{team}/compliance/{check['summary']['id']}/check"


def cell(detail, recommendation):
    return next(c for c in detail["cells"] if c["recommendation"] == recommendation)


before = cell(api("POST", check_path, {}), "4.7")
assert before["status"] == "fail", before
assert before["reason"].startswith("No rule in"), before

inbox = api("POST", f"/teams/{team}/inboxes", {"name": f"sdk-{suffix}"})
topic = topics.create_topic(
    oci.ons.models.CreateTopicDetails(name=f"sdk-users-{suffix}", compartment_id=compartment.id)
).data
subscription = subscriptions.create_subscription(
    oci.ons.models.CreateSubscriptionDetails(
        topic_id=topic.topic_id, compartment_id=compartment.id, protocol="CUSTOM_HTTPS", endpoint=inbox["url"]
    )
).data
for _ in range(100):
    if subscriptions.get_subscription(subscription.id).data.lifecycle_state == "ACTIVE":
        break
    time.sleep(0.1)
else:
    sys.exit("the inbox did not confirm the SDK's subscription")
events.create_rule(
    oci.events.models.CreateRuleDetails(
        display_name=f"sdk-user-changes-{suffix}",
        is_enabled=True,
        condition=json.dumps({"eventType": USER_CHANGES}),
        compartment_id=compartment.id,
        actions=oci.events.models.ActionDetailsList(
            actions=[oci.events.models.CreateNotificationServiceActionDetails(topic_id=topic.topic_id, is_enabled=True)]
        ),
    )
)

detail = api("POST", check_path, {})
after = cell(detail, "4.7")
assert after["status"] == "pass", after
assert after["rule_name"] == f"sdk-user-changes-{suffix}", after
assert cell(detail, "4.2")["status"] == "pass", cell(detail, "4.2")
assert cell(detail, "4.5")["status"] == "fail", "a rule for users covers no other recommendation"
print("compliance_sdk_check: a rule made with the official SDK satisfies CIS 4.7; 4.5 still fails.")
