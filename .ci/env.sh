# Shared settings for the scripts in .ci/ (sourced, not run).
# The cargo target directory lives outside the clone so fresh clones and CI reuse earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/signalbox/target}"
export SIGNALBOX_TOOLS="${SIGNALBOX_TOOLS:-$HOME/.cache/signalbox/tools}"
export PATH="$SIGNALBOX_TOOLS/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# cargo-leptos builds every profile with this flag (`always-erase-components` in Cargo.toml);
# tests, clippy and benchmarks use it too, so each profile has one set of compiled dependencies.
export LEPTOS_RUSTFLAGS="--cfg erase_components"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# stage NAME COMMAND...: runs a command, printing how long it took; stops the script on failure.
# The command runs in a subshell with errexit on, outside any `if`: bash ignores `set -e` inside a
# condition, so a failing step inside a shell function would otherwise be passed over.
stage() {
  local name="$1"
  shift
  local start=$SECONDS status
  echo "==> $name"
  set +e
  (
    set -e
    "$@"
  )
  status=$?
  set -e
  if [[ $status -eq 0 ]]; then
    echo "<== $name: ok in $((SECONDS - start)) s"
  else
    echo "<== $name: FAILED (exit $status) after $((SECONDS - start)) s"
    exit "$status"
  fi
}
export SITE_ROOT="${SIGNALBOX_SITE_ROOT:-$ROOT/target/site}"
