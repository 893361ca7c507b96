// Launches Debian's Chromium (/usr/bin/chromium) headless through playwright-core, with a fresh
// profile and nothing that reaches the network by itself, for the tests of the node's pages.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags: no sandbox (CI runs as root in a container), no GPU, no background traffic. */
export const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts Chromium with a fresh user-data directory. Returns `{ context, close }`: `close()` ends
 * the browser and removes the directory.
 */
export async function launch(extraArgs = []) {
  const profile = mkdtempSync(join(tmpdir(), 'ledger-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, ...extraArgs],
    viewport: { width: 1280, height: 900 },
  });
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** Thrown for a check that failed: the runner prints its message and exits 1. */
export class CheckFailed extends Error {}

/** Fails with `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/**
 * Runs `main` and exits: 0 when it returns, 1 with the failure's message otherwise (2 for a
 * usage error, thrown as a `UsageError`).
 */
export async function run(main) {
  try {
    await main();
    process.exit(0);
  } catch (e) {
    const usage = e instanceof UsageError;
    console.error(usage ? `usage: ${e.message}` : `FAILED: ${e instanceof CheckFailed ? e.message : e.stack || e}`);
    process.exit(usage ? 2 : 1);
  }
}

/** A command-line mistake. */
export class UsageError extends Error {}
