#!/usr/bin/env bash
# Runs the README's walkthrough ("Walkthrough: evidence, a certificate, a bank's check") as a
# newcomer would, command for command, and fails unless every command succeeds and the bank's
# final `ledger-client verify` says VALID (exit 0).
#
# It runs where the README is most easily wrong: in a time zone whose date is not China Standard
# Time's (TZ, default America/Los_Angeles), at an hour when the UTC date is behind CST's too
# (WALKTHROUGH_UTC_HOUR, default 20:30 UTC, shifted with faketime: Debian's `faketime` package).
# The node dates its records in CST, so a date computed in local time is refused there.
#
# The node's ports are the README's (8180 and 8182): they must be free. Its data and the files
# the walkthrough writes go to a temporary directory, removed on exit (kept with KEEP=1). The
# binaries are built first (`cargo build -p ledger-node -p ledger-client`, in
# ${CARGO_TARGET_DIR:-target}), or taken from LEDGER_E2E_BIN_DIR when set (a copy of one build's
# binaries, as for the end-to-end tests; the README's cargo commands then build nothing).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export TZ="${TZ:-America/Los_Angeles}"
utc_time="${WALKTHROUGH_UTC_HOUR:-20:30}"
work="$(mktemp -d)"
node_pid=""
cleanup() {
  if [ -n "$node_pid" ] && kill -INT "$node_pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.2; done
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
if [ -n "${LEDGER_E2E_BIN_DIR:-}" ]; then
  mkdir "$work/target"
  ln -s "$(cd "$LEDGER_E2E_BIN_DIR" && pwd)" "$work/target/debug"
  export CARGO_TARGET_DIR="$work/target"
  build=false
else
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
  build=true
fi

command -v faketime >/dev/null || { echo "needs faketime (apt-get install faketime)" >&2; exit 2; }
for port in 8180 8182; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "port $port is in use: stop the node there first" >&2
    exit 2
  fi
done
if $build; then (cd "$root" && cargo build -q -p ledger-node -p ledger-client); fi

# The walkthrough: the quick start's run command, then the code blocks of its section.
awk '
  /^## Quick start/ { quick = 1 }
  quick && /^cargo run -p ledger-node -- run/ { sub(/ +#.*/, ""); print; quick = 0 }
  /^### Walkthrough/ { walk = 1; next }
  walk && /^##/ { walk = 0 }
  walk && /^```sh$/ { code = 1; next }
  walk && /^```$/ { code = 0; next }
  walk && code { print }
' "$root/README.md" > "$work/walkthrough.sh"
[ "$(grep -c '^cargo run -p ledger-node -- run' "$work/walkthrough.sh")" = 2 ] \
  || { echo "README: expected the run command and its restart in the walkthrough" >&2; exit 1; }

# The README's commands, with two stand-ins for a person at two terminals: `cargo` runs in the
# workspace (the walkthrough's directory is a temporary one here), and the run command starts the
# node in the background, stopping the one before (the README's Ctrl-C), and waits until it
# answers.
cat > "$work/run.sh" <<EOF
set -euo pipefail
cd "$work"
cargo() { if $build; then (cd "$root" && env -u LD_PRELOAD -u FAKETIME cargo "\$@"); fi; }
stop_node() {
  if [ -f node.pid ] && kill -INT "\$(cat node.pid)" 2>/dev/null; then
    while kill -0 "\$(cat node.pid)" 2>/dev/null; do sleep 0.2; done
  fi
}
# faketime waits for every process it started: the last node stops with the walkthrough.
trap stop_node EXIT
start_node() {
  stop_node
  "$CARGO_TARGET_DIR/debug/ledger-node" "\$@" > node.log 2>&1 &
  echo \$! > node.pid
  for _ in \$(seq 300); do
    curl -s -o /dev/null http://127.0.0.1:8180/healthz && return
    kill -0 "\$(cat node.pid)" 2>/dev/null || break
    sleep 0.2
  done
  echo "the node did not start:" >&2; cat node.log >&2; exit 1
}
set -x
$(sed 's/^cargo run -p ledger-node -- /start_node /' "$work/walkthrough.sh")
EOF

# faketime's offset, in seconds, to today's $utc_time UTC: every process sees the same clock.
offset=$(( $(date -u -d "today $utc_time" +%s) - $(date -u +%s) ))
echo "walkthrough in TZ=$TZ at $(date -u -d "@$(( $(date +%s) + offset ))" '+%F %T UTC') (local $(date -d "@$(( $(date +%s) + offset ))" '+%F %T %Z'), CST $(TZ=Asia/Shanghai date -d "@$(( $(date +%s) + offset ))" '+%F %T'))"
status=0
FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$(printf '%+ds' "$offset")" bash "$work/run.sh" || status=$?
node_pid="$(cat "$work/node.pid" 2>/dev/null || true)"
if [ "$status" -ne 0 ]; then
  echo "the README's walkthrough failed (exit $status); the node's log:" >&2
  tail -n 20 "$work/node.log" >&2 || true
  exit 1
fi
echo "the README's walkthrough ran: the bank's verify said VALID"
