"""Serving benchmark (BENCHMARKS.md): the release `signalbox serve` binary as an operator runs it.

1. Start-to-ready: from spawning the process until `/readyz` answers 200, with a fresh data
   directory (migrations, keys, the first team) and again with that directory (a restart).
2. Idle RSS once ready and settled.
3. With 100 rules and 30 topics made through the API and 100 ms added to every sandbox call
   (set through the sandbox's signed fault API, as OCI latency), after the compartment's first
   look: time to interactive of `/rules` in Chromium (navigation start to hydrated, see
   end2end/bench/tti.mjs), then server-rendered throughput of `/rules` at 16 connections for 10 s
   with wrk, beside a static file of exactly the page's size served by the same server (the
   anchor), alternated twice; then RSS again.
4. What exporting traces costs: `/rules` throughput on the same data directory, restarted without
   and with `--otlp-endpoint` (a loopback collector that drops what it gets), alternated twice.

Usage: bench_serving.py BINARY SITE_ROOT  (run by .ci/bench-serving, with the oci SDK importable)
Prints a table and writes target/bench/serving.json.
"""

import http.server
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import oci
import requests

binary, site_root = sys.argv[1:3]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
password = "serving bench password"
compartment = "ocid1.compartment.oc1..sandboxdev"
results = {}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(data_dir, site, port, extra=()):
    env = dict(os.environ, SIGNALBOX_ADMIN_PASSWORD=password, SIGNALBOX_LOG="warn")
    for name in ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]:
        env.pop(name, None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir, "--site-root", site, *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process, time.perf_counter() - started
        except requests.ConnectionError:
            pass
        if process.poll() is not None:
            sys.exit(f"signalbox serve exited with {process.returncode} before it was ready")
        time.sleep(0.002)


def stop(process):
    process.terminate()
    process.wait(timeout=30)


def rss_mb(process):
    with open(f"/proc/{process.pid}/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    return kb / 1024


# 1 and 2: start-to-ready, fresh and restarted; idle RSS.
fresh, again, idle = [], [], []
for _ in range(5):
    data_dir = tempfile.mkdtemp(prefix="signalbox-bench-")
    port = free_port()
    process, seconds = start(data_dir, site_root, port)
    fresh.append(seconds)
    time.sleep(2)
    idle.append(rss_mb(process))
    stop(process)
    process, seconds = start(data_dir, site_root, port)
    again.append(seconds)
    stop(process)
    shutil.rmtree(data_dir)
results["start_to_ready_fresh_ms"] = statistics.median(fresh) * 1000
results["start_to_ready_restart_ms"] = statistics.median(again) * 1000
results["idle_rss_mb"] = statistics.median(idle)

# 3: a served console with data. Its site root is a copy, so the anchor file can sit beside the
# assets without touching the build.
site = tempfile.mkdtemp(prefix="signalbox-site-")
shutil.copytree(site_root, site, dirs_exist_ok=True)
data_dir = tempfile.mkdtemp(prefix="signalbox-bench-")
port = free_port()
base = f"http://127.0.0.1:{port}"
process, _ = start(data_dir, site, port)
session = requests.Session()
me = session.post(f"{base}/api/v1/auth/login", json={"username": "admin", "password": password}).json()
csrf = {"x-csrf-token": me["csrf_token"]}
team = me["teams"][0]["team_id"]
connection = session.get(f"{base}/api/v1/teams/{team}/connections").json()[0]["id"]
scope = f"{base}/api/v1/teams/{team}/connections/{connection}"
topics = []
for i in range(30):
    answer = session.post(f"{scope}/topics", headers=csrf, json={"compartment_id": compartment, "name": f"serving-{i:02}"})
    answer.raise_for_status()
    topics.append(answer.json()["id"])
for i in range(100):
    condition = json.dumps({"eventType": ["com.oraclecloud.computeapi.launchinstance.end"], "data": {"freeformTags": {"shard": str(i)}}})
    body = {"compartment_id": compartment, "name": f"serving-rule-{i:03}", "description": "made by the serving benchmark",
            "condition": condition, "actions": [{"kind": "ONS", "target_id": topics[i % 30], "description": "notify"}]}
    session.post(f"{scope}/rules", headers=csrf, json=body).raise_for_status()

# 100 ms per OCI call from here on: the sandbox's fault API, signed with the built-in key.
key_file = os.path.join(data_dir, "sandbox", "api_key.pem")
fingerprint = subprocess.run(
    f"openssl pkey -in {key_file} -pubout -outform DER | openssl md5 -c", shell=True, check=True,
    capture_output=True, text=True,
).stdout.split()[-1]
signer = oci.signer.Signer("ocid1.tenancy.oc1..aaaaaaaasignalboxsandbox", "ocid1.user.oc1..aaaaaaaasignalboxbuiltin",
                           fingerprint, key_file)
latency = {"latencyMs": 100}
services = {s: latency for s in ["events", "notifications", "functions", "identity", "audit"]}
requests.put(f"{base}/oci-sandbox/sandbox/v1/faults", json={"services": services}, auth=signer).raise_for_status()

page_path = f"/t/{team}/rules?connection={connection}&compartment={compartment}"
page = session.get(base + page_path)
page.raise_for_status()
assert "serving-rule-" in page.text, "the rules page shows the rules"
with open(os.path.join(site, "same-size.html"), "wb") as anchor:
    anchor.write(page.content)
results["page_bytes"] = len(page.content)

# Time to interactive in Chromium.
cookie = session.cookies.get_dict()
tti = subprocess.run(
    ["node", os.path.join(root, "end2end", "bench", "tti.mjs"), base + page_path, json.dumps(cookie)],
    check=True, capture_output=True, text=True, cwd=os.path.join(root, "end2end"),
)
results["tti"] = json.loads(tti.stdout)

# Throughput: the page and its static twin, alternated.
cookie_header = "; ".join(f"{k}={v}" for k, v in cookie.items())


def wrk(path, with_cookie):
    command = ["wrk", "-t2", "-c16", "-d10s", "--latency"]
    if with_cookie:
        command += ["-H", f"Cookie: {cookie_header}"]
    out = subprocess.run(command + [base + path], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        sys.exit(f"wrk got {errors.group(1)} error answers from {path}:\n{out}")
    return rate


page_rates, static_rates = [], []
for _ in range(2):
    page_rates.append(wrk(page_path, True))
    static_rates.append(wrk("/same-size.html", False))
results["page_rps"] = max(page_rates)
results["static_rps"] = max(static_rates)
results["rss_after_pages_mb"] = rss_mb(process)
stop(process)


# 4: what exporting traces costs. The same data directory served again without and with
# --otlp-endpoint (a loopback collector that reads and drops what it is sent), alternated twice;
# the collector shares the two cores, so the cost is an upper bound.
class Collector(http.server.BaseHTTPRequestHandler):
    exports = 0
    received = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        Collector.exports += 1
        Collector.received += len(body)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


collector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
threading.Thread(target=collector.serve_forever, daemon=True).start()
plain_rates, traced_rates = [], []
for _ in range(2):
    for traced, rates in [(False, plain_rates), (True, traced_rates)]:
        extra = ["--otlp-endpoint", f"http://127.0.0.1:{collector.server_address[1]}"] if traced else []
        process, _ = start(data_dir, site, port, extra)
        session.get(base + page_path).raise_for_status()
        rates.append(wrk(page_path, True))
        stop(process)
collector.shutdown()
results["page_rps_untraced"] = max(plain_rates)
results["page_rps_traced"] = max(traced_rates)
results["trace_exports"] = Collector.exports
results["trace_bytes"] = Collector.received
shutil.rmtree(data_dir)
shutil.rmtree(site)

print(f"{'start to ready, fresh data directory (median of 5)':<58} {results['start_to_ready_fresh_ms']:>9.0f} ms  (goal <= 300)")
print(f"{'start to ready, restart (median of 5)':<58} {results['start_to_ready_restart_ms']:>9.0f} ms  (goal <= 300)")
print(f"{'idle RSS (median of 5)':<58} {results['idle_rss_mb']:>9.1f} MB  (goal <= 40)")
t = results["tti"]
print(f"{'time to interactive, /rules in Chromium (p50 / p95 of ' + str(t['runs']) + ')':<58} {t['p50']:>6.0f} / {t['p95']:.0f} ms  (goal <= 300)")
print(f"{'/rules page, bytes':<58} {results['page_bytes']:>9d}")
print(f"{'/rules server-rendered, 16 connections (best of 2)':<58} {results['page_rps']:>9.0f} req/s")
print(f"{'static file of the same size (anchor, best of 2)':<58} {results['static_rps']:>9.0f} req/s")
ratio = results["page_rps"] / results["static_rps"]
print(f"{'page / static':<58} {ratio:>9.2f}x  (goal >= 0.5x)")
print(f"{'RSS after the page runs':<58} {results['rss_after_pages_mb']:>9.1f} MB")
print(f"{'/rules after a restart, traces off (best of 2)':<58} {results['page_rps_untraced']:>9.0f} req/s")
print(f"{'/rules after a restart, traces exported (best of 2)':<58} {results['page_rps_traced']:>9.0f} req/s")
cost = 1 - results["page_rps_traced"] / results["page_rps_untraced"]
print(f"{'cost of exporting traces':<58} {cost * 100:>8.0f} %  ({results['trace_exports']} exports, {results['trace_bytes'] / 1e6:.1f} MB)")
os.makedirs(os.path.join(root, "target", "bench"), exist_ok=True)
with open(os.path.join(root, "target", "bench", "serving.json"), "w") as out:
    json.dump(results, out, indent=2)
