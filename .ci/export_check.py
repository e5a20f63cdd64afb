"""The console's exported Python scripts, run unchanged under the official OCI Python SDK against
Signalbox's sandbox.

`cargo run -p server --example export_samples` writes them with `@COMPARTMENT@` and `@TOPIC_ID@`
in place of real OCIDs. This creates the topic the rule sends to, fills the placeholders in, runs
each script as a user would (its `oci.config.from_file` answers the sandbox's test key, and the
clients it builds get the sandbox as their endpoint), and checks what they created. Usage:
    export_check.py BASE_URL KEY_FILE EXPORT_DIR
"""

import pathlib
import runpy
import sys
import tempfile

import oci

base_url, key_file, export_dir = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
compartment = "ocid1.compartment.oc1..sandboxprod"
config = {
    "user": "ocid1.user.oc1..aaaaaaaatestuser",
    "tenancy": "ocid1.tenancy.oc1..aaaaaaaatestenancy",
    "fingerprint": "4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e",
    "key_file": key_file,
    "region": "us-ashburn-1",
}
oci.config.validate_config(config)
oci.config.from_file = lambda *args, **kwargs: config

for client in (oci.events.EventsClient, oci.ons.NotificationControlPlaneClient, oci.ons.NotificationDataPlaneClient):
    def pointed(original):
        def init(self, config, **kwargs):
            kwargs.setdefault("service_endpoint", base_url)
            original(self, config, **kwargs)
        return init
    client.__init__ = pointed(client.__init__)

topics = oci.ons.NotificationControlPlaneClient(config)
subscriptions = oci.ons.NotificationDataPlaneClient(config)
events = oci.events.EventsClient(config)
target = topics.create_topic(oci.ons.models.CreateTopicDetails(name="export-target", compartment_id=compartment)).data


def run(name):
    text = (export_dir / name).read_text()
    text = text.replace("@COMPARTMENT@", compartment).replace("@TOPIC_ID@", target.topic_id)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(text)
    runpy.run_path(script.name, run_name="__main__")


run("topic.py")
exported = [t for t in topics.list_topics(compartment_id=compartment).data if t.name == "exported-topic"]
assert len(exported) == 1, [t.name for t in topics.list_topics(compartment_id=compartment).data]
protocols = sorted(s.protocol for s in subscriptions.list_subscriptions(compartment_id=compartment, topic_id=exported[0].topic_id).data)
assert protocols == ["EMAIL", "SMS"], protocols

run("rule.py")
summaries = [r for r in events.list_rules(compartment_id=compartment).data if r.display_name == "exported-rule"]
assert len(summaries) == 1, [r.display_name for r in events.list_rules(compartment_id=compartment).data]
rule = events.get_rule(summaries[0].id).data
assert rule.description == 'Exported by Signalbox, "quoted" on purpose', rule.description
assert rule.actions.actions[0].action_type == "ONS" and rule.actions.actions[0].topic_id == target.topic_id
assert '"team":"ops"' in rule.condition, rule.condition

print(f"OCI Python SDK {oci.__version__}: the exported topic (with EMAIL and SMS subscriptions) and rule ran")
