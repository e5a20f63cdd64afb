"""What Signalbox's OCI client sends, against what the official Python SDK sends for the same calls.

A recording proxy sits in front of the sandbox. `client_calls` (a Rust example making each call
Signalbox's client makes, with fixed inputs) runs through it, then the SDK makes the same calls in
the same order. For each call the two requests are compared: method, path (API version included),
query parameter names and values, the list of signed headers, whether `opc-retry-token` is sent,
the content type, and the JSON body (keys, nesting, types and values). Generated values are
normalised first: OCIDs become their type and order of appearance, the runs' labels one word,
times their instant. Every difference fails unless the allow-list names it, with its reason.
The sign-in calls come last: a user session for a fixed public key (the key file's), refreshed as
`oci session refresh` does, and the instance principal's certificate exchange by the SDK's own
signer (the metadata service read from the sandbox directly, not recorded) with one call signed
by its token; tokens and generated session keys are normalised like other generated values.
Usage:
    sdk_client_check.py SANDBOX_URL KEY_FILE CLIENT_CALLS_BINARY ALLOW_LIST_JSON
"""

import datetime
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import oci
from oci._vendor import requests

sandbox_url, key_file, client_calls, allow_file = sys.argv[1:5]
metadata_url = f"{sandbox_url}/opc/v2"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaatestenancy"
PROD = "ocid1.compartment.oc1..sandboxprod"
DEV = "ocid1.compartment.oc1..sandboxdev"
CONDITION = '{"eventType": ["com.oraclecloud.objectstorage.createobject"]}'
CALLS = [
    "ListCompartments", "CreateUser", "UpdateUser", "DeleteUser", "CreatePolicy", "UpdatePolicy", "DeletePolicy",
    "CreateTopic", "GetTopic", "ListTopics", "UpdateTopic", "CreateSubscription",
    "GetSubscription", "ResendSubscriptionConfirmation", "UpdateSubscription", "ListSubscriptions", "PublishMessage", "CreateRule", "GetRule", "ListRules", "UpdateRule",
    "ChangeRuleCompartment", "DeleteRule", "ChangeTopicCompartment", "DeleteSubscription", "DeleteTopic",
    "CreateApplication", "ListApplications", "GetApplication", "CreateFunction", "ListFunctions", "GetFunction",
    "InvokeFunction", "ListEvents",
    "GenerateUserSecurityToken", "RefreshSession", "X509Federation", "ListTopics as the instance",
]
recorded = []
target = urllib.parse.urlsplit(sandbox_url)


class Recorder(BaseHTTPRequestHandler):
    """Forwards every request to the sandbox unchanged and keeps a copy."""

    def forward(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        recorded.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            upstream.putheader(name, value)
        upstream.endheaders(body or None)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = forward

    def log_message(self, *args):
        pass


proxy = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
threading.Thread(target=proxy.serve_forever, daemon=True).start()
proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"


def sdk_calls(label):
    """The SDK making, in order, the calls `client_calls` makes."""
    config = {
        "user": "ocid1.user.oc1..aaaaaaaatestuser",
        "tenancy": TENANCY,
        "fingerprint": "4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e",
        "key_file": key_file,
        "region": "us-ashburn-1",
    }
    at = {"service_endpoint": proxy_url}
    identity = oci.identity.IdentityClient(config, **at)
    control = oci.ons.NotificationControlPlaneClient(config, **at)
    data = oci.ons.NotificationDataPlaneClient(config, **at)
    events = oci.events.EventsClient(config, **at)
    functions = oci.functions.FunctionsManagementClient(config, **at)
    audit = oci.audit.AuditClient(config, **at)
    ons, ev, fn = oci.ons.models, oci.events.models, oci.functions.models

    identity.list_compartments(TENANCY, compartment_id_in_subtree=True, access_level="ANY")
    iam = oci.identity.models
    user = identity.create_user(iam.CreateUserDetails(
        compartment_id=TENANCY, name=f"{label}-user", description="conformance", email=f"{label}@example.com")).data
    identity.update_user(user.id, iam.UpdateUserDetails(description="changed"))
    identity.delete_user(user.id)
    policy = identity.create_policy(iam.CreatePolicyDetails(
        compartment_id=TENANCY, name=f"{label}-policy", description="conformance",
        statements=["Allow group Ops to read all-resources in tenancy"])).data
    identity.update_policy(policy.id, iam.UpdatePolicyDetails(description="changed"))
    identity.delete_policy(policy.id)
    topic = control.create_topic(ons.CreateTopicDetails(
        name=f"{label}-topic", compartment_id=PROD, description="conformance")).data
    control.get_topic(topic.topic_id)
    control.list_topics(PROD)
    control.update_topic(topic.topic_id, ons.TopicAttributesDetails(description="changed"))
    subscription = data.create_subscription(ons.CreateSubscriptionDetails(
        topic_id=topic.topic_id, compartment_id=PROD, protocol="EMAIL", endpoint=f"{label}@example.com")).data
    data.get_subscription(subscription.id)
    data.resend_subscription_confirmation(subscription.id)
    data.update_subscription(subscription.id, ons.UpdateSubscriptionDetails(freeform_tags={"team": "ops"}))
    data.list_subscriptions(PROD, topic_id=topic.topic_id)
    data.publish_message(topic.topic_id, ons.MessageDetails(title="conformance", body="hello"))
    action = ev.CreateNotificationServiceActionDetails(
        topic_id=topic.topic_id, is_enabled=True, description="to the topic")
    rule = events.create_rule(ev.CreateRuleDetails(
        display_name=f"{label}-rule", description="conformance", is_enabled=True, condition=CONDITION,
        compartment_id=PROD, actions=ev.ActionDetailsList(actions=[action]))).data
    events.get_rule(rule.id)
    events.list_rules(PROD)
    events.update_rule(rule.id, ev.UpdateRuleDetails(display_name=f"{label}-renamed"))
    events.change_rule_compartment(rule.id, ev.ChangeRuleCompartmentDetails(compartment_id=DEV))
    events.delete_rule(rule.id)
    control.change_topic_compartment(topic.topic_id, ons.ChangeCompartmentDetails(compartment_id=DEV))
    data.delete_subscription(subscription.id)
    control.delete_topic(topic.topic_id)
    application = functions.create_application(fn.CreateApplicationDetails(
        compartment_id=PROD, display_name=f"{label}-app", subnet_ids=["ocid1.subnet.oc1.iad.sandbox"])).data
    functions.list_applications(PROD)
    functions.get_application(application.id)
    function = functions.create_function(fn.CreateFunctionDetails(
        application_id=application.id, display_name=f"{label}-fn", memory_in_mbs=256,
        source_details=fn.CreateContainerImageFunctionSourceDetails(image="iad.ocir.io/sandbox/conf:1.0"))).data
    functions.list_functions(application.id)
    functions.get_function(function.id)
    invoke = oci.functions.FunctionsInvokeClient(config, service_endpoint=proxy_url)
    invoke.invoke_function(function.id, invoke_function_body=b'{"probe": true}', fn_invoke_type="sync")
    start = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
    audit.list_events(PROD, start, start + datetime.timedelta(hours=1))

    dataplane = oci.identity_data_plane.DataplaneClient(config, **at)
    token = dataplane.generate_user_security_token(oci.identity_data_plane.models.GenerateUserSecurityTokenDetails(
        public_key=open(session_public).read(), session_expiration_in_minutes=15)).data.token
    session_key = oci.signer.load_private_key_from_file(key_file)
    refreshed = requests.post(f"{proxy_url}/v1/authentication/refresh", headers={"content-type": "application/json"},
                              data=json.dumps({"currentToken": token}),
                              auth=oci.auth.signers.SecurityTokenSigner(token, session_key))
    assert refreshed.status_code == 200, refreshed.text
    os.environ["OCI_METADATA_BASE_URL"] = metadata_url
    instance = oci.auth.signers.InstancePrincipalsSecurityTokenSigner(federation_endpoint=f"{proxy_url}/v1/x509")
    oci.ons.NotificationControlPlaneClient({"region": "us-ashburn-1"}, signer=instance, **at).list_topics(DEV)


OCID = re.compile(r"ocid1\.[a-z0-9]+\.[A-Za-z0-9._-]*[A-Za-z0-9_-]")
# A security token (a JWT) and a generated session key (base64 DER of an RSA SubjectPublicKeyInfo).
TOKEN = re.compile(r"^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
SESSION_KEY = re.compile(r"^MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA[A-Za-z0-9+/=]+$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def normaliser():
    """Per run: each OCID becomes `ocid1.<type>#<n>` in its order of first appearance."""
    seen = {}

    def ocid(match):
        text = match.group(0)
        if text not in seen:
            seen[text] = f"ocid1.{text.split('.')[1]}#{len(seen)}"
        return seen[text]

    def text(value):
        if TOKEN.match(value):
            return "SECURITY TOKEN"
        if SESSION_KEY.match(value):
            return "GENERATED SESSION KEY"
        value = OCID.sub(ocid, value).replace("rustclient", "LABEL").replace("pythonsdk", "LABEL")
        if TIME.match(value):
            instant = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return "TIME " + instant.astimezone(datetime.timezone.utc).isoformat()
        return value

    def value(item):
        if isinstance(item, str):
            return text(item)
        if isinstance(item, dict):
            return {k: value(v) for k, v in item.items()}
        if isinstance(item, list):
            return [value(v) for v in item]
        return item

    return text, value


def shape(request, norm):
    """What is compared of one request."""
    text, value = norm
    method, target_path, headers, body = request
    parts = urllib.parse.urlsplit(target_path)
    signed = re.search(r'headers="([^"]*)"', headers.get("authorization", ""))
    return {
        "method": method,
        "path": text(urllib.parse.unquote(parts.path)),
        "query": sorted((k, text(v)) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
        "signed headers": signed.group(1) if signed else None,
        "opc-retry-token": "opc-retry-token" in headers,
        "content-type": headers.get("content-type") if body else None,
        "body": value(parsed(body)) if body else None,
    }


def parsed(body):
    """A JSON body parsed; any other body (an invoke's) as text."""
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


session_public = os.path.join(os.path.dirname(os.path.abspath(key_file)), "vector_public.pem")
subprocess.run([client_calls, proxy_url, key_file, "rustclient", session_public, metadata_url], check=True)
ours = recorded[:]
recorded.clear()
sdk_calls("pythonsdk")
theirs = recorded[:]
assert len(ours) == len(CALLS), f"client_calls made {len(ours)} requests, expected {len(CALLS)}"
assert len(theirs) == len(CALLS), f"the SDK made {len(theirs)} requests, expected {len(CALLS)}"

allowed = {(call, entry["field"]): entry["why"] for entry in json.load(open(allow_file)) for call in entry["calls"]}
ours_norm, theirs_norm = normaliser(), normaliser()
differences, used = [], set()
for name, mine, sdk in zip(CALLS, ours, theirs):
    a, b = shape(mine, ours_norm), shape(sdk, theirs_norm)
    for side, request in (("Signalbox", a), ("SDK", b)):
        assert request["signed headers"], f"{name}: {side}'s request is not signed"
    for field in a:
        if a[field] == b[field]:
            continue
        if (name, field) in allowed:
            used.add((name, field))
            continue
        differences.append(f"{name} {field}:\n  Signalbox: {a[field]}\n  SDK:       {b[field]}")
for key in sorted(set(allowed) - used):
    differences.append(f"allow-list entry {key} matches no difference any more; remove it")
proxy.shutdown()
if differences:
    print("\n".join(differences))
    sys.exit(f"{len(differences)} differences from OCI Python SDK {oci.__version__} (allow-list: {allow_file})")
print(f"OCI Python SDK {oci.__version__}: {len(CALLS)} calls compared field by field, "
      f"{len(used)} allowed differences")
