"""The anchors of the apply benchmark (server/benches/apply.rs): the official OCI Python SDK
creating a pipeline against the same sandbox Signalbox's apply uses.

With THREADS 1 this is the seed's workflow: one call after another, topics first, then each
subscription, then each rule. With more threads it is the best a script does: a pool of that many
threads (a client each, as the SDK advises) creates the topics, then the subscriptions and rules
together. Subscription and rule i go to topic i modulo TOPICS. The SDK's default retry strategy
is on (it retries 429s, with retry tokens on creates) and its circuit breaker off. Prints one JSON line: the seconds the
creates took (imports and client setup excluded) and how many creates were made.

Usage: sdk_apply.py BASE_URL KEY_FILE TENANCY USER FINGERPRINT COMPARTMENT PREFIX TOPICS SUBSCRIPTIONS RULES THREADS
"""

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import oci

base_url, key_file, tenancy, user, fingerprint, compartment, prefix = sys.argv[1:8]
topic_count, subscription_count, rule_count, threads = (int(a) for a in sys.argv[8:12])
config = {"user": user, "tenancy": tenancy, "fingerprint": fingerprint, "key_file": key_file, "region": "us-ashburn-1"}
oci.config.validate_config(config)
condition = json.dumps({"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]})
local = threading.local()


# What a careful script sets: the SDK's default retries (off unless asked for in this version;
# they add retry tokens to creates) and no circuit breaker, which would fail every call after ten
# 429s instead of retrying them.
options = {
    "service_endpoint": base_url,
    "retry_strategy": oci.retry.DEFAULT_RETRY_STRATEGY,
    "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
}


def clients():
    if not hasattr(local, "topics"):
        local.topics = oci.ons.NotificationControlPlaneClient(config, **options)
        local.subscriptions = oci.ons.NotificationDataPlaneClient(config, **options)
        local.events = oci.events.EventsClient(config, **options)
    return local


def create_topic(i):
    details = oci.ons.models.CreateTopicDetails(name=f"{prefix}-topic-{i}", compartment_id=compartment)
    return clients().topics.create_topic(details).data.topic_id


def create_subscription(i):
    details = oci.ons.models.CreateSubscriptionDetails(
        topic_id=topic_ids[i % topic_count], compartment_id=compartment, protocol="EMAIL",
        endpoint=f"oncall-{i}@example.com",
    )
    clients().subscriptions.create_subscription(details)


def create_rule(i):
    action = oci.events.models.CreateNotificationServiceActionDetails(
        topic_id=topic_ids[i % topic_count], is_enabled=True
    )
    details = oci.events.models.CreateRuleDetails(
        display_name=f"{prefix}-rule-{i}", is_enabled=True, condition=condition, compartment_id=compartment,
        actions=oci.events.models.ActionDetailsList(actions=[action]),
    )
    clients().events.create_rule(details)


if threads == 1:
    clients()
    started = time.perf_counter()
    topic_ids = [create_topic(i) for i in range(topic_count)]
    for i in range(subscription_count):
        create_subscription(i)
    for i in range(rule_count):
        create_rule(i)
    seconds = time.perf_counter() - started
else:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        # Every thread makes its clients before the clock starts: each task waits for all.
        ready = threading.Barrier(threads)
        for done in [pool.submit(lambda: (clients(), ready.wait())) for _ in range(threads)]:
            done.result()
        started = time.perf_counter()
        topic_ids = list(pool.map(create_topic, range(topic_count)))
        work = [pool.submit(create_subscription, i) for i in range(subscription_count)]
        work += [pool.submit(create_rule, i) for i in range(rule_count)]
        for done in work:
            done.result()
        seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "calls": topic_count + subscription_count + rule_count}))
