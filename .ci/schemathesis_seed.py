"""Seeds a fresh `signalbox serve` for schemathesis and prints its config (schemathesis.toml).

Signs in as the first administrator, makes an operator token of the first team, and creates one
of each thing the API's paths name (a topic with a subscription, a rule, an inbox, a template),
so generated requests reach the handlers' logic instead of stopping at 404.
Usage: schemathesis_seed.py BASE_URL ADMIN_PASSWORD
"""

import http.cookiejar
import json
import sys
import urllib.request

base, password = sys.argv[1], sys.argv[2]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
csrf = None


def call(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if csrf:
        headers["x-csrf-token"] = csrf
    if token:
        headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with opener.open(request, timeout=30) as answer:
        return json.load(answer)


me = call("POST", "/api/v1/auth/login", {"username": "admin", "password": password})
csrf = me["csrf_token"]
team = me["teams"][0]["team_id"]
token = call("POST", "/api/v1/tokens", {"name": "schemathesis", "team_id": team, "role": "operator"})["secret"]
connection = call("GET", f"/api/v1/teams/{team}/connections")[0]["id"]
scope = f"/api/v1/teams/{team}/connections/{connection}"
compartments = call("GET", f"{scope}/compartments")
compartment = next(c["id"] for c in compartments if c["name"] == "dev")
topic = call("POST", f"{scope}/topics", {"compartment_id": compartment, "name": "schemathesis-topic"})["id"]
subscription = call(
    "POST", f"{scope}/topics/{topic}/subscriptions", {"protocol": "EMAIL", "endpoint": "fuzz@example.com"}
)["id"]
condition = json.dumps({"eventType": ["com.oraclecloud.objectstorage.createbucket"]})
rule = call(
    "POST",
    f"{scope}/rules",
    {"compartment_id": compartment, "name": "schemathesis-rule", "condition": condition,
     "actions": [{"kind": "ONS", "target_id": topic}]},
)["id"]
inbox = call("POST", f"/api/v1/teams/{team}/inboxes", {"name": "schemathesis"})["id"]
template = call("POST", f"/api/v1/teams/{team}/templates", {"source": {"starter": "infra-alerts"}})["template"]["id"]

parameters = {
    "path.team_id": team,
    "path.connection_id": connection,
    "path.topic_id": topic,
    "path.subscription_id": subscription,
    "path.rule_id": rule,
    "path.inbox_id": inbox,
    "path.template_id": template,
    "path.version": 1,
    "query.compartment_id": compartment,
}
print(f'headers = {{ Authorization = "Bearer {token}" }}')
print("[parameters]")
for name, value in parameters.items():
    print(f"{json.dumps(name)} = {json.dumps(value)}")
