#!/usr/bin/env bash
# The node's pages in a real browser: Debian's Chromium (headless) driven by playwright-core
# (web/browser-tests, pinned with a committed lockfile), against nodes the Rust tests start
# (tests/tests/browser.rs, ignored by `cargo test` because they need Chromium and npm).
#
# Installs Chromium (and Node.js with npm) with apt when the machine lacks them, runs `npm ci`,
# builds the binaries and runs the ignored browser tests. Screenshots go to $LEDGER_SCREENSHOTS
# (default $CARGO_TARGET_DIR/screenshots); to refresh the README's, run with
# LEDGER_SCREENSHOTS=docs/screenshots.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# A Chinese font, so that the screenshots show the pages' text (the checks read the DOM).
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "$(/usr/bin/chromium --version 2>/dev/null), node $(node --version)"

(cd "$root/web/browser-tests" && npm ci --no-audit --no-fund)

screenshots="${LEDGER_SCREENSHOTS:-$CARGO_TARGET_DIR/screenshots}"
mkdir -p "$screenshots"
export LEDGER_SCREENSHOTS="$(cd "$screenshots" && pwd)"

cd "$root"
cargo build -p ledger-node -p ledger-client --bins
cargo test -p ledger-e2e --test browser -- --ignored
