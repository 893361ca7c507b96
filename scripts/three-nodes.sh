#!/usr/bin/env bash
# Starts a network of three agencies (A, B, C) on this machine: each node keeps its own log and
# mirrors and cosigns the other two. Data goes to ./network (or $1); run again to restart the same
# network. Ctrl-C stops all three.
#
#   A: http://127.0.0.1:8180   B: http://127.0.0.1:8280   C: http://127.0.0.1:8380
#   (agency routes and /metrics: :8182, :8282, :8382)
set -euo pipefail
base="${1:-network}"
root="$(cd "$(dirname "$0")/.." && pwd)"
(cd "$root" && cargo build -q -p ledger-node)
bin="${CARGO_TARGET_DIR:-$root/target}/debug/ledger-node"
mkdir -p "$base"
membership="$(cd "$base" && pwd)/network.toml"

names=(a b c)
# The GB/T 2260 divisions each agency issues certificate codes for (Yuxi, Kunming, Qujing): no two
# members' regions may overlap.
regions=(530400 530100 530300)
for i in 0 1 2; do
  name=${names[$i]}
  dir="$base/$name"
  if [ ! -f "$dir/config.toml" ]; then
    "$bin" --data-dir "$dir" init --origin "ledger.$name.example/1" \
      --listen "127.0.0.1:8$((i+1))80" --admin-listen "127.0.0.1:8$((i+1))82" \
      --p2p-listen "/ip4/127.0.0.1/tcp/8$((i+1))81" \
      --membership "$membership" >/dev/null
  fi
done
if [ ! -f "$membership" ]; then
  echo "# The network's membership: every agency's node (ledger-node member prints an entry)." > "$membership"
  echo "quorum = 2" >> "$membership"
  for i in 0 1 2; do
    echo >> "$membership"
    "$bin" --data-dir "$base/${names[$i]}" member --name "${names[$i]}" --region "${regions[$i]}" >> "$membership"
  done
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
for name in "${names[@]}"; do
  "$bin" --data-dir "$base/$name" run > "$base/$name.log" 2>&1 &
  pids+=($!)
done
echo "three nodes running (logs in $base/*.log); membership: $membership"
for name in "${names[@]}"; do
  grep -h '^listen' "$base/$name/config.toml" | head -1 | sed "s/^/  $name: /"
done
echo "Ctrl-C stops them."
wait
