#!/usr/bin/env bash
# The sequence both CI recipes run, and examples/ci/local.sh runs against a local server:
#
#   pipeline.sh review   every template in $PIPELINES_DIR is validated, then planned; the plans are
#                        printed (the job's output) and saved to $PLANS_DIR. Exit 0 whether or not
#                        something would change; 1 on any problem.
#   pipeline.sh deploy   every template is validated, then planned and applied (--auto-approve);
#                        exit 0 only when every step of every apply succeeded.
#
# A template is a JSON file (pipelines/NAME.json); its parameter values, when it has any, are in
# pipelines/NAME.params.json. Planning a file puts it in the team's library first (a new version
# when it changed): versions are immutable and numbered, and nothing changes in OCI before apply.
#
# Environment: SIGNALBOX_URL and SIGNALBOX_TOKEN (an API token with the operator role), SIGNALBOX_COMPARTMENT
# (OCID, name or path), SIGNALBOX_CONNECTION when the team has more than one; PIPELINES_DIR
# (default pipelines), PLANS_DIR (default plans), SIGNALBOX (the binary, default signalbox),
# SIGNALBOX_NOTES (kept with a new version, such as the commit).
set -euo pipefail

mode="${1:-}"
[[ "$mode" == review || "$mode" == deploy ]] || { echo "usage: $0 review|deploy" >&2; exit 1; }
signalbox="${SIGNALBOX:-signalbox}"
pipelines="${PIPELINES_DIR:-pipelines}"
plans="${PLANS_DIR:-plans}"
notes="${SIGNALBOX_NOTES:-}"

templates=()
for file in "$pipelines"/*.json; do
  [[ -e "$file" && "$file" != *.params.json ]] && templates+=("$file")
done
((${#templates[@]} > 0)) || { echo "no templates (*.json) in $pipelines/" >&2; exit 1; }

for file in "${templates[@]}"; do
  "$signalbox" template validate "$file"
done

mkdir -p "$plans"
for file in "${templates[@]}"; do
  name="$(basename "$file" .json)"
  values=()
  [[ -f "$pipelines/$name.params.json" ]] && values=(--params-file "$pipelines/$name.params.json")
  echo "== $name"
  if [[ "$mode" == review ]]; then
    # Exit codes of plan: 0 nothing would change, 2 something would, 1 a problem.
    status=0
    "$signalbox" plan "$file" "${values[@]}" --notes "$notes" --out "$plans/$name.plan.json" || status=$?
    ((status == 0 || status == 2)) || exit "$status"
  else
    "$signalbox" apply "$file" "${values[@]}" --notes "$notes" --name "$name" --auto-approve
  fi
done
