// The bank's certificate check page. All verification is done by the ledger-wasm module (the
// ledger-client verifier compiled to WebAssembly, loaded from ledger-wasm.js); this script only
// moves bytes in and out of it, reads QR codes from the camera or a picture into grey pixels, keeps
// the trust policy in the browser, and shows the answer. It makes no network request.
'use strict';
(function () {
  const T = {
    zh: {
      title: '数据资产登记证书核验',
      offline: '核验完全在本机浏览器中进行，不向任何服务器发送数据。',
      'policy.title': '1. 信任策略',
      'policy.help': '由本行一次性载入数据主管部门公布的信任策略（登记机构与见证方的公钥），保存在本浏览器中。请将下表的密钥标识与主管部门公布的核对一致。',
      'policy.name': '名称', 'policy.keyid': '密钥标识', 'policy.role': '角色', 'policy.window': '有效期间',
      'policy.replace': '更换信任策略', 'policy.file': '策略文件：', 'policy.paste': '或粘贴策略文本：',
      'policy.save': '载入并保存',
      'input.title': '2. 证书', 'input.code': '证书上印制的证书编码：',
      'input.anycode': '不核对编码（仅核验二维码本身）',
      'input.camera': '用摄像头扫描二维码', 'input.stop': '停止扫描',
      'input.image': '打开证书照片或扫描件', 'input.bundle': '打开核验文件（.bin）', 'input.check': '核验',
      'verdict.print': '打印核验记录', 'record.title': '核验记录',
      footer: '本页面与 ledger-client 命令行核验程序使用同一份代码（WebAssembly）。结论仅在“有效”时可作为依据。',
      loading: '正在加载核验程序……', loadFailed: '核验程序无法加载：',
      noPolicy: '请先载入信任策略。', policySaved: '信任策略已保存在本浏览器中。',
      policyEmpty: '策略文本为空。',
      rules: (p) => `见证要求：${p.quorum} 个其他登记机构节点${p.consistency_quorum ? `，另加 ${p.consistency_quorum} 个一致性见证` : ''}；检查点最长有效 ${age(p.max_age_seconds, 'zh')}。`,
      roleLog: '登记机构日志', always: '长期',
      needCode: '已读取二维码。请输入证书上印制的证书编码后点击“核验”，或勾选“不核对编码”。',
      reading: '正在读取二维码……', scanning: '请将证书上的二维码对准摄像头……',
      cameraFailed: '无法打开摄像头：', qrRead: (n) => `已读取二维码（${n} 字节）。`,
      codeCompared: (c) => `已核对证书编码：${c}`,
      codeNotCompared: '注意：未核对证书上印制的编码。此结论只说明二维码本身，不说明它属于您手中的证书。',
      checkedAt: (t) => `核验时间：${t}`, elapsed: (ms) => `耗时 ${ms} 毫秒`,
      recordHead: (t, h) => `核验页面：数据资产登记证书核验（离线，ledger-wasm ${h}）\n核验时间：${t}\n`,
      recordPolicy: '信任策略密钥：',
      tooLarge: (n) => `文件过大（${n} 字节）：核验文件和策略文件都只有几千字节。`,
    },
    en: {
      title: 'Data asset registration certificate check',
      offline: 'The check runs entirely in this browser; nothing is sent to any server.',
      'policy.title': '1. Trust policy',
      'policy.help': 'Load once the trust policy published by the data authority (the keys of the registration agencies and witnesses); it is kept in this browser. Compare the key IDs below with the ones the authority published.',
      'policy.name': 'Name', 'policy.keyid': 'Key ID', 'policy.role': 'Role', 'policy.window': 'In force',
      'policy.replace': 'Replace the trust policy', 'policy.file': 'Policy file: ', 'policy.paste': 'or paste its text:',
      'policy.save': 'Load and keep',
      'input.title': '2. Certificate', 'input.code': 'Certificate code printed on the certificate:',
      'input.anycode': 'Do not compare the code (check the QR code alone)',
      'input.camera': 'Scan the QR code with the camera', 'input.stop': 'Stop scanning',
      'input.image': 'Open a photo or scan of the certificate', 'input.bundle': 'Open a bundle file (.bin)', 'input.check': 'Check',
      'verdict.print': 'Print the record of this check', 'record.title': 'Record of the check',
      footer: 'This page runs the same code as the ledger-client command-line verifier (WebAssembly). Only VALID may be relied on.',
      loading: 'Loading the verifier…', loadFailed: 'The verifier could not be loaded: ',
      noPolicy: 'Load the trust policy first.', policySaved: 'The trust policy is kept in this browser.',
      policyEmpty: 'The policy text is empty.',
      rules: (p) => `Witnesses required: ${p.quorum} other agencies' nodes${p.consistency_quorum ? ` and ${p.consistency_quorum} consistency witnesses` : ''}; checkpoints at most ${age(p.max_age_seconds, 'en')} old.`,
      roleLog: 'registration log', always: 'unbounded',
      needCode: 'QR code read. Type the certificate code printed on the certificate and press Check, or tick "Do not compare the code".',
      reading: 'Reading the QR code…', scanning: 'Hold the QR code on the certificate in front of the camera…',
      cameraFailed: 'The camera could not be opened: ', qrRead: (n) => `QR code read (${n} bytes).`,
      codeCompared: (c) => `Certificate code compared: ${c}`,
      codeNotCompared: 'Note: the code printed on the certificate was not compared. This verdict is about the QR code alone, not about the certificate in your hands.',
      checkedAt: (t) => `Checked at ${t}`, elapsed: (ms) => `${ms} ms`,
      recordHead: (t, h) => `Checked with: certificate check page (offline, ledger-wasm ${h})\nChecked at: ${t}\n`,
      recordPolicy: 'Trust policy keys:',
      tooLarge: (n) => `The file is too large (${n} bytes): bundles and policy files are a few kilobytes.`,
    },
  };
  const GOOD = ['valid'];
  const WARN = ['expired', 'not-yet-valid', 'stale', 'in-notice', 'applied', 'suspended', 'withdrawn'];
  const POLICY_KEY = 'ledger-verify-policy';
  const LANG_KEY = 'ledger-verify-lang';
  const MAX_SIDE = 1600; // pixels: pictures are read at most this large first (a QR needs far less)
  const FULL_SIDE = 6000; // pixels: the second try, for a small code on a large scan
  const MAX_FILE_BYTES = 1 << 20; // a bundle or a policy file: both are a few kilobytes
  const SCAN_INTERVAL_MS = 200;

  const $ = (id) => document.getElementById(id);
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  let lang = store('get', LANG_KEY) === 'en' ? 'en' : 'zh';
  let wasm = null;
  let policy = null; // { text, summary }
  let bundle = null; // Uint8Array
  let answer = null; // the last verification's answer
  let checkedAt = null; // Date of the last verification
  let stream = null;

  function t(key, ...args) {
    const v = T[lang][key];
    return typeof v === 'function' ? v(...args) : v;
  }

  function age(seconds, l) {
    const days = seconds / 86400;
    if (Number.isInteger(days)) return l === 'zh' ? `${days} 天` : `${days} day${days === 1 ? '' : 's'}`;
    const hours = Math.round(seconds / 3600);
    return l === 'zh' ? `${hours} 小时` : `${hours} hours`;
  }

  // localStorage may be refused (private windows, some file:// settings): the page then works
  // without keeping anything.
  function store(op, key, value) {
    try {
      if (op === 'get') return window.localStorage.getItem(key);
      if (op === 'set') window.localStorage.setItem(key, value);
      if (op === 'remove') window.localStorage.removeItem(key);
    } catch (e) { /* not kept */ }
    return null;
  }

  function status(id, text, kind) {
    const el = $(id);
    el.textContent = text || '';
    el.className = 'status' + (kind ? ' ' + kind : '');
  }

  // --- the module -------------------------------------------------------------------------

  async function loadWasm() {
    const text = self.LEDGER_WASM_BASE64;
    if (typeof text !== 'string') throw new Error('ledger-wasm.js is missing');
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const digest = await moduleDigest(bytes);
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return Object.assign({ digest }, instance.exports);
  }

  async function moduleDigest(bytes) {
    if (!(self.crypto && crypto.subtle)) return 'sha256 n/a';
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return 'sha256 ' + Array.from(d.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function put(slot, bytes) {
    const at = wasm.ledger_input(slot, bytes.length);
    new Uint8Array(wasm.memory.buffer, at, bytes.length).set(bytes);
  }

  function output() {
    const at = wasm.ledger_output();
    return new Uint8Array(wasm.memory.buffer, at, wasm.ledger_output_len()).slice();
  }

  function json(done) {
    return { ok: done === 0, value: JSON.parse(dec.decode(output())) };
  }

  // Runs `call` on the module. Should the module ever trap (a fault in it: it then refuses nothing
  // more), the page says so, loads a fresh instance, and the clerk can try again.
  function guarded(call) {
    try {
      return call();
    } catch (e) {
      const failed = wasm;
      wasm = null;
      updateCheck();
      status('input-status', t('loadFailed') + (e.message || e), 'error');
      loadWasm().then((fresh) => { if (wasm === null && failed) { wasm = fresh; updateCheck(); } });
      return null;
    }
  }

  // --- the trust policy -------------------------------------------------------------------

  function readPolicy(text) {
    return guarded(() => {
      put(1, enc.encode(text));
      return json(wasm.ledger_policy());
    });
  }

  function usePolicy(text, save) {
    if (!text.trim()) {
      status('policy-status', t('policyEmpty'), 'error');
      return false;
    }
    const read = readPolicy(text);
    if (!read) return false;
    if (!read.ok) {
      status('policy-status', read.value[lang], 'error');
      return false;
    }
    policy = { text: read.value.canonical, summary: read.value };
    if (save) store('set', POLICY_KEY, policy.text);
    status('policy-status', save ? t('policySaved') : '', 'ok');
    showPolicy();
    return true;
  }

  function showPolicy() {
    const loaded = policy !== null;
    $('policy-loaded').hidden = !loaded;
    $('policy-editor').hidden = loaded;
    if (!loaded) return;
    const body = $('policy-keys').tBodies[0];
    body.replaceChildren();
    const s = policy.summary;
    for (const key of s.logs.concat(s.witnesses)) {
      const row = body.insertRow();
      row.insertCell().textContent = key.name;
      const id = row.insertCell();
      id.textContent = key.key_id;
      id.className = 'mono';
      id.title = key.key;
      row.insertCell().textContent = key.role === 'log' ? t('roleLog') : key.role;
      row.insertCell().textContent = windowText(key);
    }
    $('policy-rules').textContent = t('rules', s);
    updateCheck();
  }

  function windowText(key) {
    if (key.not_before == null && key.not_after == null) return t('always');
    const f = (s) => (s == null ? '…' : cst(new Date(s * 1000)));
    return `${f(key.not_before)} – ${f(key.not_after)}`;
  }

  // --- reading a bundle -------------------------------------------------------------------

  function grey(image) {
    const px = image.data;
    const out = new Uint8Array(image.width * image.height);
    for (let i = 0, j = 0; j < out.length; i += 4, j++) {
      out[j] = (px[i] * 77 + px[i + 1] * 150 + px[i + 2] * 29) >> 8; // ITU-R BT.601 luma
    }
    return out;
  }

  // Draws `source` (an image or a video frame) at most `side` pixels on its longer side and reads
  // a QR code from it: the bytes, or null with the reason.
  function readQr(source, width, height, side) {
    const scale = Math.min(1, side / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const canvas = $('frame');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(source, 0, 0, w, h);
    const pixels = grey(ctx.getImageData(0, 0, w, h));
    const read = guarded(() => {
      put(0, pixels);
      const done = wasm.ledger_read_qr(w, h);
      if (done === 0) return { bytes: output() };
      return { reason: JSON.parse(dec.decode(output())) };
    });
    return read || { reason: { zh: T.zh.loadFailed, en: T.en.loadFailed } };
  }

  async function fromImageFile(file) {
    status('input-status', t('reading'));
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (e) {
      status('input-status', String(e.message || e), 'error');
      return;
    }
    let read;
    try {
      read = readQr(bitmap, bitmap.width, bitmap.height, MAX_SIDE);
      if (!read.bytes && Math.max(bitmap.width, bitmap.height) > MAX_SIDE) {
        read = readQr(bitmap, bitmap.width, bitmap.height, FULL_SIDE);
      }
    } catch (e) {
      // The canvas could not hold the picture (the browser's memory).
      read = { reason: { zh: String(e.message || e), en: String(e.message || e) } };
    } finally {
      bitmap.close();
    }
    if (read.bytes) received(read.bytes);
    else status('input-status', read.reason[lang], 'error');
  }

  async function startCamera() {
    if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) {
      status('input-status', t('cameraFailed') + 'getUserMedia', 'error');
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
    } catch (e) {
      status('input-status', t('cameraFailed') + (e.message || e.name), 'error');
      return;
    }
    const video = $('camera');
    video.srcObject = stream;
    video.hidden = false;
    $('camera-start').hidden = true;
    $('camera-stop').hidden = false;
    await video.play();
    status('input-status', t('scanning'));
    scan();
  }

  function scan() {
    if (!stream) return;
    const video = $('camera');
    if (video.videoWidth > 0) {
      const read = readQr(video, video.videoWidth, video.videoHeight, 960);
      if (read.bytes) {
        stopCamera();
        received(read.bytes);
        return;
      }
    }
    setTimeout(scan, SCAN_INTERVAL_MS);
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    const video = $('camera');
    video.srcObject = null;
    video.hidden = true;
    $('camera-start').hidden = false;
    $('camera-stop').hidden = true;
  }

  function received(bytes) {
    bundle = bytes;
    status('input-status', t('qrRead', bytes.length), 'ok');
    updateCheck();
    check();
  }

  // --- the verdict ------------------------------------------------------------------------

  function codeText() {
    return $('any-code').checked ? '' : $('code').value.trim();
  }

  function ready() {
    return wasm && policy && bundle && (codeText() !== '' || $('any-code').checked);
  }

  function updateCheck() {
    $('check').disabled = !(wasm && policy && bundle);
  }

  // Verifies the bundle read if everything needed is there; says what is missing otherwise.
  function check() {
    if (!bundle || !wasm) return false;
    if (!policy) {
      status('input-status', t('noPolicy'), 'error');
      return false;
    }
    if (!ready()) {
      status('input-status', t('needCode'), 'warn');
      $('code').focus();
      return false;
    }
    const started = performance.now();
    checkedAt = new Date();
    const result = guarded(() => {
      put(0, bundle);
      put(1, enc.encode(policy.text));
      put(2, enc.encode(codeText()));
      return json(wasm.ledger_verify(checkedAt.getTime() / 1000));
    });
    const ms = performance.now() - started;
    if (!result) return false;
    if (!result.ok) {
      status('input-status', result.value[lang], 'error');
      return false;
    }
    answer = result.value;
    answer.elapsed_ms = ms;
    showVerdict();
    return true;
  }

  function showVerdict() {
    if (!answer) return;
    const section = $('verdict');
    const name = answer.report.verdict;
    section.hidden = false;
    section.dataset.verdict = name;
    section.className = 'card ' + (GOOD.includes(name) ? 'good' : WARN.includes(name) ? 'warn' : 'bad');
    $('headline').textContent = answer.headline[lang];
    $('reason').textContent = answer.reason ? answer.reason[lang] : '';
    const note = $('code-note');
    note.textContent = answer.expected_code ? t('codeCompared', answer.expected_code) : t('codeNotCompared');
    note.className = answer.expected_code ? '' : 'warn-note';
    const body = $('fields').tBodies[0];
    body.replaceChildren();
    for (const [label, value] of answer.lines[lang]) {
      if (value === answer.headline[lang] || (answer.reason && value === answer.reason[lang])) continue;
      const row = body.insertRow();
      row.insertCell().textContent = label;
      row.insertCell().textContent = value;
    }
    $('checked-at').textContent = t('checkedAt', cst(checkedAt));
    const elapsed = $('elapsed');
    elapsed.textContent = t('elapsed', answer.elapsed_ms.toFixed(1));
    elapsed.dataset.ms = String(answer.elapsed_ms);
    const keys = policy.summary.logs.concat(policy.summary.witnesses)
      .map((k) => `  ${k.name} ${k.key_id}`).join('\n');
    const note2 = answer.expected_code ? '' : t('codeNotCompared') + '\n';
    $('record-text').textContent = t('recordHead', cst(checkedAt), wasm.digest) + note2 + '\n' +
      answer.text[lang] + '\n' + t('recordPolicy') + '\n' + keys + '\n';
    section.scrollIntoView({ block: 'nearest' });
  }

  // `YYYY-MM-DD HH:MM:SS` China Standard Time, whatever the browser's time zone.
  function cst(date) {
    const d = new Date(date.getTime() + 8 * 3600 * 1000);
    const p = (n) => String(n).padStart(2, '0');
    const text = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
      `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
    return lang === 'zh' ? `${text}（北京时间）` : `${text} CST`;
  }

  // --- language ---------------------------------------------------------------------------

  function setLang(next) {
    lang = next;
    store('set', LANG_KEY, lang);
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = lang === 'zh' ? '数据资产登记证书核验 · Certificate check' : 'Certificate check · 数据资产登记证书核验';
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    $('lang-zh').setAttribute('aria-pressed', String(lang === 'zh'));
    $('lang-en').setAttribute('aria-pressed', String(lang === 'en'));
    if (policy) showPolicy();
    showVerdict();
  }

  // --- wiring -----------------------------------------------------------------------------

  async function start() {
    setLang(lang);
    status('input-status', t('loading'));
    try {
      wasm = await loadWasm();
    } catch (e) {
      status('input-status', t('loadFailed') + (e.message || e), 'error');
      document.body.dataset.ready = 'failed';
      return;
    }
    status('input-status', '');
    const saved = store('get', POLICY_KEY);
    if (saved) usePolicy(saved, false);
    $('lang-zh').onclick = () => setLang('zh');
    $('lang-en').onclick = () => setLang('en');
    $('policy-save').onclick = () => usePolicy($('policy-text').value, true);
    $('policy-file').onchange = async (e) => {
      const file = e.target.files[0];
      if (file && file.size > MAX_FILE_BYTES) {
        status('policy-status', t('tooLarge', file.size), 'error');
      } else if (file) {
        $('policy-text').value = await file.text();
        usePolicy($('policy-text').value, true);
      }
      e.target.value = '';
    };
    $('policy-replace').onclick = () => {
      policy = null;
      store('remove', POLICY_KEY);
      $('policy-text').value = '';
      status('policy-status', '');
      showPolicy();
      updateCheck();
    };
    $('camera-start').onclick = startCamera;
    $('camera-stop').onclick = stopCamera;
    $('image-file').onchange = (e) => {
      const file = e.target.files[0];
      e.target.value = '';
      if (file) fromImageFile(file);
    };
    $('bundle-file').onchange = async (e) => {
      const file = e.target.files[0];
      e.target.value = '';
      if (file && file.size > MAX_FILE_BYTES) status('input-status', t('tooLarge', file.size), 'error');
      else if (file) received(new Uint8Array(await file.arrayBuffer()));
    };
    $('check').onclick = check;
    $('code').onkeydown = (e) => { if (e.key === 'Enter') check(); };
    $('any-code').onchange = updateCheck;
    $('print').onclick = () => window.print();
    showPolicy();
    updateCheck();
    document.body.dataset.ready = 'yes';
  }

  document.addEventListener('DOMContentLoaded', start);
})();
