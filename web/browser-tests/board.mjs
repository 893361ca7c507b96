// Checks the public notice board of a running node in Chromium: the notice posted a moment before
// is shown (registrant, data name, last day of the notice), the search by its code finds it, the
// English switch works, the proof link leads to the notice record, and the page makes no request
// to another origin and breaks no rule of its Content-Security-Policy.
//
//   node board.mjs --url http://127.0.0.1:8180 --expect notice.json --screenshot board.png
//   node board.mjs --url … --code C --registrant NAME --data-name NAME --ends-on YYYY-MM-DD
//
// notice.json: {"code": "…", "registrant": "…", "data_name": "…", "ends_on": "YYYY-MM-DD"}.
// Exits 0 when every check passes, 1 with the failed check's message, 2 on a usage error.

import { readFileSync } from 'node:fs';
import { CheckFailed, UsageError, check, launch, run } from './lib.mjs';

const TIMEOUT_MS = 15_000;

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (!flag.startsWith('--') || value === undefined) throw new UsageError(`bad argument ${flag}`);
    args[flag.slice(2)] = value;
  }
  if (!args.url) throw new UsageError('--url is required');
  const expected = args.expect
    ? JSON.parse(readFileSync(args.expect, 'utf8'))
    : { code: args.code, registrant: args.registrant, data_name: args['data-name'], ends_on: args['ends-on'] };
  for (const field of ['code', 'registrant', 'data_name', 'ends_on']) {
    if (!expected[field]) throw new UsageError(`the expected notice needs ${field}`);
  }
  return { url: args.url.replace(/\/$/, ''), expected, screenshot: args.screenshot };
}

async function main() {
  const { url, expected, screenshot } = parseArgs(process.argv.slice(2));
  const origin = new URL(url).origin;
  const { context, close } = await launch();
  const problems = [];
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    // Nothing may leave for another origin: such a request is aborted and fails the run.
    await context.route('**/*', (route) => {
      const target = route.request().url();
      if (new URL(target).origin === origin) return route.continue();
      problems.push(`request to another origin: ${target}`);
      return route.abort();
    });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));

    const response = await page.goto(`${url}/`);
    check(response && response.ok(), `GET / answered ${response && response.status()}`);
    const csp = response.headers()['content-security-policy'] || '';
    check(csp.includes("default-src 'self'"), `no strict Content-Security-Policy: ${csp}`);
    await page.waitForSelector('body[data-loaded="true"]').catch(async () => {
      throw new CheckFailed(`the board did not load: ${await page.textContent('#status')}`);
    });

    // The notice, in the list of registrations in public notice.
    const entry = page.locator(`#notices article[data-code="${expected.code}"]`);
    check(await entry.count() === 1, `no notice of ${expected.code} on the board`);
    const text = await entry.innerText();
    for (const field of ['registrant', 'data_name', 'ends_on']) {
      check(text.includes(expected[field]), `the notice does not show ${field} ${expected[field]}: ${text}`);
    }
    check(text.includes('异议方式'), `the notice does not show how to object: ${text}`);

    // The search by code.
    await page.fill('#code', expected.code);
    await page.click('#search button[type="submit"]');
    const found = page.locator(`#result article.certificate[data-code="${expected.code}"]`);
    await found.waitFor();
    const foundText = await found.innerText();
    check(foundText.includes(expected.registrant), `the search result lacks the registrant: ${foundText}`);
    check(foundText.includes('公示中'), `the search result is not "in notice": ${foundText}`);

    // The English switch, and back to Chinese.
    await page.click('#lang');
    const title = await page.textContent('h1');
    check(title.includes('Public data registration'), `English title missing: ${title}`);
    check(await page.getAttribute('html', 'lang') === 'en', 'the page does not declare English');
    await page.click('#lang');
    check((await page.textContent('h1')).includes('公示'), 'the switch back to Chinese failed');

    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });

    // The proof link: the notice record, as JSON.
    const [proof] = await Promise.all([page.waitForNavigation(), entry.locator('a.proof-record').click()]);
    check(proof && proof.ok(), `the proof link answered ${proof && proof.status()}`);
    check(new URL(page.url()).origin === origin, `the proof link left the node: ${page.url()}`);
    const record = await proof.json();
    const body = record.record && record.record.body && record.record.body.NoticePublished;
    check(body && body.code === expected.code, `the proof link does not lead to the notice record: ${JSON.stringify(record).slice(0, 300)}`);
    check(body.content.registrant.name === expected.registrant, 'the record names another registrant');

    check(problems.length === 0, problems.join('; '));
    console.log(`board OK: ${expected.code} shown, found, linked to record ${record.index}` +
      (screenshot ? `; screenshot ${screenshot}` : ''));
  } finally {
    await close();
  }
}

run(main);
