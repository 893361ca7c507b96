// The bank's page (/verify) in headless Chromium, driven as a clerk would: load the trust policy,
// type the certificate's code, read the QR code from a picture (file input) and from the camera
// (Chromium's fake capture device playing a video of the picture), and read the verdict.
//
// Usage: node verify.mjs CONFIG.json. CONFIG: {
//   "url": "http://127.0.0.1:PORT/verify", "file_url": "file:///…/web/verify/index.html" (optional),
//   "policy": "policy.txt", "out": "DIR" (verify-results.json and the screenshots),
//   "cases": [{ "name", "qr": "x.png", "code": "…" | null, "at": "RFC 3339", "expect": "valid" }],
//   "camera": { "qr": "x.png", "code": "…", "at": "…", "expect": "valid" } }
// Exits 0 when every case gave its expected verdict; otherwise prints what differed and exits 1.
import fs from 'node:fs';
import path from 'node:path';
import { launch } from './lib.mjs';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = config.out;
fs.mkdirSync(out, { recursive: true });
const failures = [];
const results = { cases: [], page_bytes: null, files: {} };

function expect(name, got, want) {
  if (got !== want) failures.push(`${name}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

// Opens the page with the browser's clock fixed at `at`, loads the policy, types the code.
async function openPage(context, url, at, code) {
  const page = await context.newPage();
  page.on('pageerror', (e) => failures.push(`page error at ${url}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') failures.push(`console error: ${m.text()}`); });
  if (at) await page.clock.setFixedTime(new Date(at));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 15000 });
  const ready = await page.evaluate(() => document.body.dataset.ready);
  if (ready !== 'yes') throw new Error(`the page did not load its verifier: ${await page.textContent('#input-status')}`);
  if (await page.isVisible('#policy-editor')) {
    await page.setInputFiles('#policy-file', config.policy);
    await page.waitForSelector('#policy-loaded:not([hidden])', { timeout: 5000 });
  }
  if (code) await page.fill('#code', code);
  else await page.check('#any-code');
  return page;
}

async function verdictOf(page) {
  await page.waitForSelector('#verdict:not([hidden])', { timeout: 20000 });
  return page.evaluate(() => ({
    verdict: document.getElementById('verdict').dataset.verdict,
    headline: document.getElementById('headline').textContent,
    reason: document.getElementById('reason').textContent,
    ms: Number(document.getElementById('elapsed').dataset.ms),
    fields: document.getElementById('fields').textContent,
  }));
}

// Every file the page downloaded from the node, with its size: the page's total weight.
function weigh(page) {
  const sizes = {};
  page.on('response', async (response) => {
    try { sizes[new URL(response.url()).pathname] = (await response.body()).length; } catch (e) { /* redirect */ }
  });
  return sizes;
}

// 1. From a picture, one fresh browser profile per case (the policy is loaded each time).
for (const c of config.cases) {
  const { context, close } = await launch();
  try {
    const page = await openPage(context, config.url, c.at, c.code);
    const sizes = results.page_bytes === null ? weigh(page) : null;
    await page.setInputFiles('#image-file', c.qr);
    const v = await verdictOf(page);
    expect(`${c.name} (picture)`, v.verdict, c.expect);
    results.cases.push({ name: c.name, source: 'picture', ...v });
    await page.screenshot({ path: path.join(out, `verify-${c.name}.png`), fullPage: true });
    if (sizes) {
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready);
      results.files = sizes;
      results.page_bytes = Object.values(sizes).reduce((a, b) => a + b, 0);
    }
    // The same check again, five times, for the time verification takes once the page is warm.
    if (c.expect === 'valid') {
      const times = [];
      for (let i = 0; i < 5; i++) {
        await page.click('#check');
        times.push(Number(await page.getAttribute('#elapsed', 'data-ms')));
      }
      results.warm_ms = times;
    }
  } finally {
    await close();
  }
}

// 2. The page opened from disk (no node at all): the same verdict.
if (config.file_url) {
  const c = config.cases[0];
  const { context, close } = await launch();
  try {
    const page = await openPage(context, config.file_url, c.at, c.code);
    await page.setInputFiles('#image-file', c.qr);
    const v = await verdictOf(page);
    expect(`${c.name} (page from disk)`, v.verdict, c.expect);
    results.cases.push({ name: c.name, source: 'file', ...v });
  } finally {
    await close();
  }
}

// 3. The camera: Chromium's fake capture device plays a video made of the QR picture.
if (config.camera) {
  const c = config.camera;
  const video = path.join(out, 'camera.y4m');
  fs.writeFileSync(video, await y4mOf(c.qr));
  const { context, close } = await launch([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  try {
    await context.grantPermissions(['camera']);
    const page = await openPage(context, config.url, c.at, c.code);
    await page.click('#camera-start');
    const v = await verdictOf(page);
    expect(`${c.name} (camera)`, v.verdict, c.expect);
    results.cases.push({ name: c.name, source: 'camera', ...v });
    await page.screenshot({ path: path.join(out, 'verify-camera.png'), fullPage: true });
  } finally {
    await close();
  }
}

fs.writeFileSync(path.join(out, 'verify-results.json'), JSON.stringify(results, null, 2));
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log(JSON.stringify({ cases: results.cases.map((c) => `${c.name}/${c.source}: ${c.verdict} ${c.ms.toFixed(1)} ms`), page_bytes: results.page_bytes, warm_ms: results.warm_ms }));

// A one-second YUV4MPEG2 video (the format Chromium's fake camera plays) of `png`, centred on a
// white 640x480 frame: the picture's pixels are read by Chromium itself (no image library here).
async function y4mOf(png) {
  const { context, close } = await launch();
  try {
    const page = await context.newPage();
    const data = fs.readFileSync(png).toString('base64');
    const frame = await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const W = 640, H = 480;
      const canvas = document.createElement('canvas');
      canvas.width = W; canvas.height = H;
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, W, H);
      const s = Math.min(1, (H - 20) / img.height, (W - 20) / img.width);
      const w = Math.round(img.width * s), h = Math.round(img.height * s);
      ctx.drawImage(img, (W - w) >> 1, (H - h) >> 1, w, h);
      const px = ctx.getImageData(0, 0, W, H).data;
      const y = [];
      for (let i = 0; i < px.length; i += 4) y.push(Math.round(0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2]));
      return { W, H, y };
    }, `data:image/png;base64,${data}`);
    const header = Buffer.from(`YUV4MPEG2 W${frame.W} H${frame.H} F10:1 Ip A1:1 C420jpeg\n`);
    const luma = Buffer.from(frame.y);
    const chroma = Buffer.alloc((frame.W / 2) * (frame.H / 2) * 2, 128);
    const one = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
    return Buffer.concat([header, ...Array(10).fill(one)]);
  } finally {
    await close();
  }
}
