#!/usr/bin/env bash
# The CI recipes' sequence (pipeline.sh) run locally against a fresh `signalbox serve` on loopback,
# then what a pipeline relies on afterwards: a second plan has nothing to do (exit 0) and the
# official OCI Python SDK finds what was applied; a reviewed plan made stale by a newer version
# applied first is refused; a rule disabled out of band with the SDK makes `drift` exit 2;
# `destroy --auto-approve` removes everything (the SDK finds none of it left); the audit export
# holds the applies and the destroy. Part of `.ci/run`.
#
# Usage: examples/ci/local.sh [SIGNALBOX_BINARY]
# OCI_PYTHON: a Python with the `oci` package (default python3).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
signalbox="${1:-signalbox}"
python="${OCI_PYTHON:-python3}"
work="$(mktemp -d)"
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n--- %s\n' "$*"; }
fail() { echo "local.sh: FAILED: $*" >&2; exit 1; }
# expect CODE COMMAND...: runs the command and fails unless it exits with CODE.
expect() {
  local want="$1" got=0
  shift
  "$@" || got=$?
  ((got == want)) || fail "$* exited $got, expected $want"
}

port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export SIGNALBOX_URL="http://127.0.0.1:$port"
# Credentials of `signalbox login` go to this run's own configuration directory.
export XDG_CONFIG_HOME="$work/config"
password="local pipeline run $$"
SIGNALBOX_ADMIN_PASSWORD="$password" SIGNALBOX_LOG=warn \
  "$signalbox" serve --listen "127.0.0.1:$port" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 150); do
  curl -fsS "$SIGNALBOX_URL/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$SIGNALBOX_URL/healthz" >/dev/null || { cat "$work/server.log" >&2; fail "signalbox serve did not start"; }

step "signalbox login"
echo "$password" | "$signalbox" login --username admin --password-stdin
"$signalbox" connections ls
"$signalbox" compartments ls
# The team's built-in sandbox connection and its dev compartment; the tenancy is dev's parent.
export SIGNALBOX_CONNECTION="Built-in sandbox" SIGNALBOX_COMPARTMENT=dev
tenancy="$("$signalbox" compartments ls --output json |
  "$python" -c 'import json, sys; print(next(c["parent_id"] for c in json.load(sys.stdin) if c["path"] == "dev"))')"
compartment="$("$signalbox" compartments ls --output json |
  "$python" -c 'import json, sys; print(next(c["id"] for c in json.load(sys.stdin) if c["path"] == "dev"))')"
# The SDK signs as the built-in sandbox's user with its key (in the data directory).
sdk() {
  "$python" "$here/out_of_band.py" "$SIGNALBOX_URL/oci-sandbox" "$work/data/sandbox/api_key.pem" "$tenancy" \
    ocid1.user.oc1..aaaaaaaasignalboxbuiltin "$compartment" "$@"
}

# The recipes' templates, with a webhook on loopback (the sandbox only reaches 127.0.0.1 here).
mkdir -p "$work/pipelines"
cp "$here/pipelines/network-changes.json" "$work/pipelines/"
echo '{"env": "local", "oncall_webhook": "http://127.0.0.1:9/network"}' >"$work/pipelines/network-changes.params.json"
export PIPELINES_DIR="$work/pipelines" PLANS_DIR="$work/plans" SIGNALBOX="$signalbox" SIGNALBOX_NOTES="local.sh"

step "a broken template is refused with the path of each problem"
"$python" - "$here/pipelines/network-changes.json" >"$work/broken.json" <<'PY'
import json, sys
template = json.load(open(sys.argv[1]))
template["rules"][0]["actions"][0]["topic"] = "no-such-topic"
print(json.dumps(template))
PY
expect 1 "$signalbox" template validate "$work/broken.json" >"$work/validate.txt"
cat "$work/validate.txt"
grep -q ': rules\[0\]\.actions\[0\]\.topic: ' "$work/validate.txt" || fail "validate did not name rules[0].actions[0].topic"

step "pipeline.sh review (a pull request)"
"$here/pipeline.sh" review
[[ -s "$work/plans/network-changes.plan.json" ]] || fail "review saved no plan"
expect 2 "$signalbox" plan "$work/pipelines/network-changes.json" --params-file "$work/pipelines/network-changes.params.json" >"$work/plan.txt"
grep -q '^  + rule local-network-edge-changes create' "$work/plan.txt" || fail "the plan does not create the rule"

step "pipeline.sh deploy (the main branch)"
"$here/pipeline.sh" deploy
expect 0 "$signalbox" plan "$work/pipelines/network-changes.json" --params-file "$work/pipelines/network-changes.params.json"
[[ "$(sdk count local-)" == 2 ]] || fail "the SDK does not find the topic and the rule"

step "a reviewed plan made stale by a newer version applied first is refused"
describe() {
  "$python" - "$work/pipelines/network-changes.json" "$1" <<'PY'
import json, sys
path, text = sys.argv[1], sys.argv[2]
template = json.load(open(path))
template["topics"][0]["description"] = text
json.dump(template, open(path, "w"), indent=2)
PY
}
describe "Network edge changes, as reviewed"
expect 2 "$signalbox" plan "$work/pipelines/network-changes.json" --params-file "$work/pipelines/network-changes.params.json" \
  --out "$work/reviewed.plan.json"
describe "Network edge changes, merged first"
"$here/pipeline.sh" deploy
expect 1 "$signalbox" apply "$work/reviewed.plan.json" 2>"$work/stale.txt"
cat "$work/stale.txt"
grep -q "changed since it was reviewed" "$work/stale.txt" || fail "the stale plan was not refused with the reason"

step "a change made with the official OCI SDK is drift"
sdk disable local-
expect 2 "$signalbox" drift network-changes
shown="$("$signalbox" rules show local-network-edge-changes)"
echo "$shown"
grep -q '^Enabled *no' <<<"$shown" || fail "rules show does not show the rule disabled"

step "destroy --auto-approve"
"$signalbox" destroy network-changes --auto-approve
left="$(sdk count local-)"
[[ "$left" == 0 ]] || fail "the SDK still finds $left of the deployment's resources"

step "audit export"
"$signalbox" audit export --format csv --action deployment. --to "$work/audit.csv"
for action in deployment.create deployment.apply deployment.destroy; do
  grep -q ",$action," "$work/audit.csv" || fail "the export has no $action entry"
done

echo
echo "local.sh: the CI sequence works end to end."
