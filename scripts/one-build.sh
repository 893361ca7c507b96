#!/usr/bin/env bash
# Checks that the README's two commands share one build: run after `cargo test --workspace
# --all-features` (which CI runs just before), it builds what `cargo run -p ledger-node` and the
# walkthrough's `cargo build -p ledger-node -p ledger-client` build, and fails if that builds any
# dependency in a variant (features) the test command does not build, which would compile it and
# everything above it a second time. Only the workspace's own crates may differ (the tests turn on
# `ledger-format/testing`, which the node's binary must not link).
#
# A second variant means cargo resolved its features differently for the node than for the
# tests: the message names the crate and the features of the node's variant; add the
# crate with the tests' features (`cargo tree --workspace --all-features -e features -i CRATE`)
# to workspace-hack/Cargo.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every dependency unit (package, target kind, features) the test command builds; a unit of the
# run command that is not among them is a second variant of that crate. Compared by identity, not
# by freshness: a unit rebuilt because an environment variable changed (ROCKSDB_LIB_DIR, say) is
# the same variant.
units() {
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") != "compiler-artifact":
        continue
    pkg = m["package_id"]
    if pkg.startswith("path+file://"):   # a workspace crate
        continue
    print(pkg.rsplit("#", 1)[-1], "/".join(m["target"]["kind"]), "features:", ",".join(sorted(m["features"])) or "-")
' | sort -u
}
tested=$(cargo test --workspace --all-features --no-run --message-format=json | units)

status=0
for packages in "-p ledger-node" "-p ledger-node -p ledger-client"; do
  # shellcheck disable=SC2086 # two words on purpose
  built=$(cargo build $packages --bins --message-format=json | units)
  second=$(comm -13 <(echo "$tested") <(echo "$built") | sed 's/^/   /')
  if [ -n "$second" ]; then
    echo "cargo build $packages --bins built dependencies in variants the tests do not build:" >&2
    echo "$second" >&2
    status=1
  else
    echo "cargo build $packages --bins: every dependency in the tests' variant ($(echo "$built" | wc -l) units)"
  fi
done
if [ "$status" -ne 0 ]; then
  echo "add them, with the features the tests turn on, to workspace-hack/Cargo.toml" >&2
fi
exit "$status"
