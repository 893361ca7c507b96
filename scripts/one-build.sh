#!/usr/bin/env bash
# Checks that the README's two commands share one build: run after `cargo test --workspace
# --all-features` (which CI runs just before), it builds what `cargo run -p ledger-node` and the
# walkthrough's `cargo build -p ledger-node -p ledger-client` build, and fails if that compiled
# any dependency again. Only the workspace's own crates may compile (the tests turn on
# `ledger-format/testing`, which the node's binary must not link).
#
# A dependency compiled again means cargo resolved its features differently for the node than
# for the tests: the message names the crate and the features of the node's variant; add the
# crate with the tests' features (`cargo tree --workspace --all-features -e features -i CRATE`)
# to workspace-hack/Cargo.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
for packages in "-p ledger-node" "-p ledger-node -p ledger-client"; do
  # shellcheck disable=SC2086 # two words on purpose
  rebuilt=$(cargo build $packages --bins --message-format=json | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") != "compiler-artifact" or m["fresh"]:
        continue
    pkg = m["package_id"]
    if pkg.startswith("path+file://"):   # a workspace crate
        continue
    print("  ", pkg.rsplit("#", 1)[-1], m["target"]["kind"], "features:", ",".join(m["features"]) or "-")
')
  if [ -n "$rebuilt" ]; then
    echo "cargo build $packages --bins compiled dependencies the tests had already built:" >&2
    echo "$rebuilt" >&2
    status=1
  else
    echo "cargo build $packages --bins: no dependency compiled again"
  fi
done
if [ "$status" -ne 0 ]; then
  echo "add them, with the features the tests turn on, to workspace-hack/Cargo.toml" >&2
fi
exit "$status"
