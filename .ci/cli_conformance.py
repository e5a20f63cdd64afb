"""The official OCI CLI, unchanged, against Signalbox's sandbox: the conformance suite.

Drives every operation the sandbox emulates for Notifications, Events, Functions and the
compartment list with `oci` itself, and checks the CLI's JSON output field by field. The CLI turns
the wire JSON into the SDK's models and back, so a field the sandbox names wrongly comes out as null
or missing and fails here. Errors are checked by the status and OCI code the CLI reports. Paging is
forced with `--page-size 1 --all`; waiters with `--wait-for-state`. Usage:
    cli_conformance.py OCI_BINARY CONFIG_FILE BASE_URL
"""

import json
import subprocess
import sys
import time

oci_bin, config_file, base_url = sys.argv[1], sys.argv[2], sys.argv[3]
PROD = "ocid1.compartment.oc1..sandboxprod"
DEV = "ocid1.compartment.oc1..sandboxdev"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaatestenancy"
CONDITION = '{"eventType": ["com.oraclecloud.objectstorage.createobject"]}'
checked = 0


def oci(*args, endpoint=True):
    """Runs the CLI; answers its JSON output (None when it prints nothing)."""
    command = [oci_bin, "--config-file", config_file]
    if endpoint:
        command += ["--endpoint", base_url]
    done = subprocess.run(command + list(args), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise CliError(args, done.stderr)
    return json.loads(done.stdout) if done.stdout.strip() else None


class CliError(Exception):
    """A refused command, with the service error the CLI printed."""

    def __init__(self, args, stderr):
        super().__init__(f"oci {' '.join(args)} failed:\n{stderr}")
        start = stderr.find("{")
        try:
            self.error = json.loads(stderr[start:]) if start >= 0 else {}
        except json.JSONDecodeError:
            self.error = {}


def refused(status, code, *args):
    """Runs a command that must fail with this HTTP status and OCI code."""
    global checked
    try:
        oci(*args)
    except CliError as err:
        got = (err.error.get("status"), err.error.get("code"))
        assert got == (status, code), f"oci {' '.join(args)}: expected {status} {code}, got {got}: {err}"
        assert err.error.get("opc-request-id"), f"oci {' '.join(args)}: no opc-request-id"
        checked += 1
        return
    raise AssertionError(f"oci {' '.join(args)} succeeded; expected {status} {code}")


def fields(item, **expected):
    """Checks that `item` has every field, non-null, and the given values."""
    global checked
    for name, value in expected.items():
        key = name.replace("_", "-")
        assert key in item and item[key] is not None, f"{key} is missing or null in {json.dumps(item)[:400]}"
        if value is not ...:
            assert item[key] == value, f"{key} is {item[key]!r}, expected {value!r}"
        checked += 1


def names(listed, key):
    return sorted(item[key] for item in listed["data"])


suffix = str(int(time.time() * 1000))[-7:]

# Identity: the tenancy is the root compartment, accepted wherever a compartment is.
compartments = oci("iam", "compartment", "list", "--compartment-id", TENANCY, "--all")["data"]
assert compartments, "no compartments"
for compartment in compartments:
    fields(compartment, id=..., name=..., compartment_id=..., lifecycle_state="ACTIVE", time_created=...)
oci("iam", "compartment", "list", "--all")

# Notifications: topics.
topics = []
for n in range(3):
    topic = oci("ons", "topic", "create", "--name", f"cli-{suffix}-{n}", "--compartment-id", PROD,
                "--description", f"topic {n}")["data"]
    fields(topic, topic_id=..., name=f"cli-{suffix}-{n}", compartment_id=PROD, lifecycle_state="ACTIVE",
           api_endpoint=..., short_topic_id=..., etag=..., time_created=..., description=f"topic {n}")
    assert topic["topic-id"].startswith("ocid1.onstopic."), topic["topic-id"]
    topics.append(topic)
listed = oci("ons", "topic", "list", "--compartment-id", PROD, "--all", "--page-size", "1")
for topic in topics:
    assert topic["name"] in names(listed, "name"), f"{topic['name']} is not listed: {names(listed, 'name')}"
got = oci("ons", "topic", "get", "--topic-id", topics[0]["topic-id"])["data"]
fields(got, topic_id=topics[0]["topic-id"], name=topics[0]["name"], lifecycle_state="ACTIVE")
updated = oci("ons", "topic", "update", "--topic-id", topics[0]["topic-id"], "--description", "changed")["data"]
fields(updated, description="changed")
refused(409, "Conflict", "ons", "topic", "create", "--name", topics[0]["name"], "--compartment-id", PROD)
refused(404, "NotAuthorizedOrNotFound", "ons", "topic", "get", "--topic-id", "ocid1.onstopic.oc1.iad.missing")
refused(400, "InvalidParameter", "ons", "topic", "create", "--name", "no spaces allowed", "--compartment-id", PROD)
oci("ons", "topic", "change-compartment", "--topic-id", topics[2]["topic-id"], "--compartment-id", DEV)
fields(oci("ons", "topic", "get", "--topic-id", topics[2]["topic-id"])["data"], compartment_id=DEV)

# Notifications: subscriptions.
subscription = oci("ons", "subscription", "create", "--compartment-id", PROD, "--topic-id", topics[0]["topic-id"],
                   "--protocol", "EMAIL", "--subscription-endpoint", f"oncall-{suffix}@example.com")["data"]
fields(subscription, id=..., topic_id=topics[0]["topic-id"], compartment_id=PROD, protocol="EMAIL",
       endpoint=f"oncall-{suffix}@example.com", lifecycle_state="PENDING", created_time=..., etag=...)
listed = oci("ons", "subscription", "list", "--compartment-id", PROD, "--all", "--page-size", "1")
assert subscription["id"] in [s["id"] for s in listed["data"]], "the subscription is not listed"
fields(oci("ons", "subscription", "get", "--subscription-id", subscription["id"])["data"], id=subscription["id"])
refused(400, "InvalidParameter", "ons", "subscription", "create", "--compartment-id", PROD, "--topic-id",
        topics[0]["topic-id"], "--protocol", "EMAIL", "--subscription-endpoint", "not-an-address")
refused(404, "NotAuthorizedOrNotFound", "ons", "subscription", "get", "--subscription-id",
        "ocid1.onssubscription.oc1.iad.missing")
oci("ons", "subscription", "delete", "--subscription-id", subscription["id"], "--force")

# Events: rules, with the waiters the CLI offers.
actions = json.dumps({"actions": [{"actionType": "ONS", "isEnabled": True, "topicId": topics[0]["topic-id"],
                                   "description": "to the topic"}]})
rules = []
for n in range(2):
    rule = oci("events", "rule", "create", "--display-name", f"cli-rule-{suffix}-{n}", "--is-enabled", "true",
               "--condition", CONDITION, "--compartment-id", PROD, "--actions", actions,
               "--wait-for-state", "ACTIVE")["data"]
    fields(rule, id=..., display_name=f"cli-rule-{suffix}-{n}", is_enabled=True, condition=CONDITION,
           compartment_id=PROD, lifecycle_state="ACTIVE", time_created=..., actions=...)
    action = rule["actions"]["actions"][0]
    fields(action, action_type="ONS", topic_id=topics[0]["topic-id"], is_enabled=True, id=...,
           lifecycle_state="ACTIVE")
    rules.append(rule)
listed = oci("events", "rule", "list", "--compartment-id", PROD, "--all", "--page-size", "1")
for rule in rules:
    assert rule["display-name"] in names(listed, "display-name"), f"{rule['display-name']} is not listed"
fields(oci("events", "rule", "get", "--rule-id", rules[0]["id"])["data"], id=rules[0]["id"])
updated = oci("events", "rule", "update", "--rule-id", rules[0]["id"], "--display-name", f"cli-renamed-{suffix}",
              "--wait-for-state", "ACTIVE")["data"]
fields(updated, display_name=f"cli-renamed-{suffix}", lifecycle_state="ACTIVE")
refused(400, "InvalidParameter", "events", "rule", "create", "--display-name", "hcl", "--is-enabled", "true",
        "--condition", 'eventType = "x"', "--compartment-id", PROD, "--actions", actions)
refused(404, "NotAuthorizedOrNotFound", "events", "rule", "get", "--rule-id", "ocid1.eventrule.oc1.iad.missing")
oci("events", "rule", "change-compartment", "--rule-id", rules[1]["id"], "--compartment-id", DEV)
fields(oci("events", "rule", "get", "--rule-id", rules[1]["id"])["data"], compartment_id=DEV)
oci("events", "rule", "delete", "--rule-id", rules[1]["id"], "--force", "--wait-for-state", "DELETED")
refused(404, "NotAuthorizedOrNotFound", "events", "rule", "get", "--rule-id", rules[1]["id"])

# Functions: the current CLI calls /20260325. Its creates are tracked by work requests that the
# management client cannot poll (the CLI says "Unable to wait"), so no waiter is tried here.
application = oci("fn", "application", "create", "--display-name", f"cli-app-{suffix}", "--compartment-id", PROD,
                  "--subnet-ids", '["ocid1.subnet.oc1.iad.sandbox"]')["data"]
fields(application, id=..., display_name=f"cli-app-{suffix}", compartment_id=PROD, lifecycle_state="ACTIVE",
       subnet_ids=["ocid1.subnet.oc1.iad.sandbox"], time_created=...)
listed = oci("fn", "application", "list", "--compartment-id", PROD, "--all", "--page-size", "1")
assert application["id"] in [a["id"] for a in listed["data"]], "the application is not listed"
fields(oci("fn", "application", "get", "--application-id", application["id"])["data"], id=application["id"])
functions = []
for n in range(2):
    image = f"iad.ocir.io/sandbox/cli/fn{n}:1.0"
    function = oci("fn", "function", "create", "container-function", "--application-id", application["id"],
                   "--display-name", f"fn{n}", "--image", image, "--memory-in-mbs", "256")["data"]
    fields(function, id=..., display_name=f"fn{n}", application_id=application["id"], compartment_id=PROD,
           lifecycle_state="ACTIVE", memory_in_mbs=256, invoke_endpoint=..., source_details=..., time_created=...)
    fields(function["source-details"], source_type="CONTAINER_IMAGE", image=image)
    functions.append(function)
listed = oci("fn", "function", "list", "--application-id", application["id"], "--all", "--page-size", "1")
assert sorted(f["display-name"] for f in listed["data"]) == ["fn0", "fn1"], listed
got = oci("fn", "function", "get", "--function-id", functions[0]["id"])["data"]
fields(got, id=functions[0]["id"], source_details=...)
fields(got["source-details"], image="iad.ocir.io/sandbox/cli/fn0:1.0")
refused(404, "NotAuthorizedOrNotFound", "fn", "function", "get", "--function-id", "ocid1.fnfunc.oc1.iad.missing")
refused(400, "InvalidParameter", "fn", "function", "create", "container-function", "--application-id",
        application["id"], "--display-name", "tiny", "--image", "iad.ocir.io/x/y:1", "--memory-in-mbs", "64")

for topic in topics:
    oci("ons", "topic", "delete", "--topic-id", topic["topic-id"], "--force")
refused(404, "NotAuthorizedOrNotFound", "ons", "topic", "get", "--topic-id", topics[0]["topic-id"])

print(f"OCI CLI conformance: {checked} checks passed against {base_url}")
