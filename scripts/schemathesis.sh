#!/usr/bin/env bash
# Checks docs/openapi.yaml against a live node with Schemathesis and all its checks: no server
# error, every status, content type, header and body as documented, everything the document allows
# accepted and everything it forbids refused (scripts/schemathesis/schemathesis.toml says where a
# rule of the node cannot be written in OpenAPI and how the checks are told).
#
# By default it starts a throwaway node from the built binary (cargo build -p ledger-node --bins)
# in a temporary directory on free ports, gives it calendars, a rule profile, an evidence service
# and a registration in progress, and stops it on exit. To test a node that is already running,
# set all three of:
#   LEDGER_PUBLIC_URL   its public API, e.g. http://127.0.0.1:8180
#   LEDGER_ADMIN_URL    its agency and admin routes (/v1/agency/*, /v1/admin/*) and /metrics
#   LEDGER_TOKEN        an administrator's bearer token
# Other settings: LEDGER_NODE_BIN (default $CARGO_TARGET_DIR/debug/ledger-node),
# SCHEMATHESIS_MAX_EXAMPLES (test cases per operation in the fuzzing phase, default 100),
# LEDGER_SCHEMATHESIS_VENV (default ~/.cache/ledger-schemathesis), SCHEMATHESIS_SEED.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

SCHEMATHESIS_VERSION=4.32.5
venv="${LEDGER_SCHEMATHESIS_VENV:-$HOME/.cache/ledger-schemathesis}"
node_bin="${LEDGER_NODE_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/ledger-node}"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
seed="${SCHEMATHESIS_SEED:-$RANDOM}"

# Schemathesis, pinned, in a virtual environment kept between runs.
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null || true)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/ledger-schemathesis.XXXXXX")"
node_pid=""
cleanup() {
  if [ -n "$node_pid" ]; then
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# POSTs JSON to an agency route; fails the script unless the node appends it.
agency() {
  local path="$1" body="$2" status
  status=$(curl -sS -o "$work/answer.json" -w '%{http_code}' -H "Authorization: Bearer $LEDGER_TOKEN" \
    -H 'content-type: application/json' -d "$body" "$LEDGER_ADMIN_URL$path")
  if [ "$status" != 201 ]; then
    echo "seeding the node: $path answered $status: $(cat "$work/answer.json")" >&2
    exit 1
  fi
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["index"])' "$work/answer.json"
}

start_node() {
  if [ ! -x "$node_bin" ]; then
    echo "no $node_bin: run cargo build -p ledger-node --bins first" >&2
    exit 1
  fi
  local dir="$work/node" port admin_port
  port=$(free_port)
  admin_port=$(free_port)
  # The origin of the document's examples, for which its example evidence is signed.
  "$node_bin" --data-dir "$dir" init --origin ledger.yuxi.example/2026 --listen "127.0.0.1:$port" \
    --admin-listen "127.0.0.1:$admin_port" >/dev/null
  LEDGER_PUBLIC_URL="http://127.0.0.1:$port"
  LEDGER_ADMIN_URL="http://127.0.0.1:$admin_port"
  # Schemathesis is one client sending valid requests as fast as it can: the per-client rate of
  # the write routes (429, documented) would refuse valid requests and fail the acceptance check.
  sed -i -e 's/^write_rate_per_second = .*/write_rate_per_second = 1000000/' \
    -e 's/^write_burst = .*/write_burst = 1000000/' "$dir/config.toml"
  LEDGER_TOKEN="$(cat "$dir/agency.token")"
  RUST_LOG="${RUST_LOG:-warn}" "$node_bin" --data-dir "$dir" run >"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 100); do
    curl -sf "$LEDGER_PUBLIC_URL/healthz" >/dev/null 2>&1 && break
    if ! kill -0 "$node_pid" 2>/dev/null; then
      echo "the node exited:" >&2
      cat "$work/node.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  curl -sf "$LEDGER_PUBLIC_URL/healthz" >/dev/null
  for _ in $(seq 50); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$LEDGER_ADMIN_URL/v1/admin/reload")" != 000 ] && break
    sleep 0.1
  done

  # What the API needs to answer with data: working-day calendars and a rule profile (the
  # procedure's deadlines), an evidence service (the RFC 8032 test key 1, which signed the
  # document's example evidence), and a first registration received and accepted (its code is
  # of this year, as a first application's must be: the document's example code in 2026).
  local year code
  year=$(TZ=Asia/Shanghai date +%Y)
  code=$("$venv/bin/python" -c 'import sys; sys.path.insert(0, sys.argv[1]); import hooks; print(sys.argv[2] + hooks.check_character(sys.argv[2]))' \
    "$root/scripts/schemathesis" "530400${year}R00000001")
  for y in "$year" "$((year + 1))"; do
    agency /v1/agency/records "{\"Calendar\":{\"year\":$y,\"holidays\":[],\"makeup_workdays\":[]}}" >/dev/null
  done
  agency /v1/agency/profile '{"name":"yuxi-2025"}' >/dev/null
  agency /v1/agency/records '{"SubmitterAdded":{"key":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a","name":"数据存证服务有限公司","credit_code":"91350100M000100Y43"}}' >/dev/null
  local application
  application=$(agency /v1/agency/records "{\"ApplicationReceived\":{\"code\":\"$code\",\"kind\":\"First\",\"materials\":\"$(printf '%064d' 7)\"}}")
  agency /v1/agency/records "{\"ApplicationAccepted\":{\"code\":\"$code\",\"application_index\":$application}}" >/dev/null
  # Bundles and receipts need a checkpoint (a development node signs one a second after a write).
  for _ in $(seq 50); do
    curl -sf "$LEDGER_PUBLIC_URL/v1/checkpoint" >/dev/null 2>&1 && break
    sleep 0.1
  done
}

if [ -n "${LEDGER_PUBLIC_URL:-}" ] || [ -n "${LEDGER_ADMIN_URL:-}" ]; then
  : "${LEDGER_PUBLIC_URL:?set LEDGER_PUBLIC_URL too}" "${LEDGER_ADMIN_URL:?set LEDGER_ADMIN_URL too}"
  : "${LEDGER_TOKEN:?set LEDGER_TOKEN to an administrator token}"
else
  start_node
fi

# Two runs: the public routes on the public listener, the officers' routes (bearer token) on the
# admin listener. Stateful testing follows the document's links; it has none, so the phases are
# the examples, the coverage of every boundary, and random fuzzing.
run() {
  local url="$1"
  shift
  # Hypothesis keeps its character tables beside the virtual environment, not in the source tree.
  (cd "$root/scripts/schemathesis" && HYPOTHESIS_STORAGE_DIRECTORY="$venv/hypothesis" \
    "$venv/bin/schemathesis" --config-file schemathesis.toml run \
    "$root/docs/openapi.yaml" --url "$url" --checks all --max-examples "$max_examples" \
    --seed "$seed" --phases examples,coverage,fuzzing --workers 1 --no-color "$@")
}
status=0
echo "== public routes ($LEDGER_PUBLIC_URL), seed $seed"
run "$LEDGER_PUBLIC_URL" --exclude-path-regex '^/(v1/(agency|admin)/|metrics$)' || status=1
echo "== agency and admin routes ($LEDGER_ADMIN_URL), seed $seed"
run "$LEDGER_ADMIN_URL" --include-path-regex '^/(v1/(agency|admin)/|metrics$)' \
  --header "Authorization: Bearer $LEDGER_TOKEN" || status=1
if [ "$status" -ne 0 ] && [ -n "$node_pid" ]; then
  echo "== the node's log (warnings and errors)"
  tail -n 50 "$work/node.log"
fi
exit "$status"
