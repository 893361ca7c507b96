// The public notice board: reads the node's /v1/board endpoints and shows, for every log the node
// holds, the registrations in public notice and the announcements, newest first. Every value is
// set as text (never as HTML). Chinese by default; the button switches to English.
'use strict';

(function () {
  const TEXT = {
    zh: {
      title: '公共数据资源登记公示公告',
      lead: '本页列出本节点所持各登记机构账本中正在公示的登记（《办法》第二十二条）和证书颁发、注销、撤销公告。每条记录均可链接到其在账本中的证明。',
      searchLabel: '按证书编码查询',
      searchButton: '查询',
      noticesTitle: '公示中',
      noticesHint: '公示期内，任何人可以实名提出异议并提供证据；提出异议期间登记暂停。',
      announcementsTitle: '公告',
      more: '更多公告',
      footer: '数据来自本节点的只读接口（/v1/board）；登记材料及非公开字段不在账本中公开。',
      switchTo: 'English',
      code: '证书编码',
      registrant: '登记主体',
      coApplicants: '共同申请人',
      type: '登记类型',
      kind: '对象类型',
      dataName: '数据名称',
      summary: '内容摘要',
      period: '公示期',
      until: '至',
      agency: '登记机构',
      log: '账本',
      status: '状态',
      validity: '有效期',
      reason: '原因',
      time: '公告时间',
      objections: '异议方式',
      noObjections: '该登记机构尚未发布异议受理方式，请直接联系登记机构。',
      suspended: '异议处理中，登记暂停',
      proofRecord: '账本记录',
      proofInclusion: '包含证明',
      proofCertificate: '证书状态',
      proofHistory: '全部记录',
      proofBundle: '离线验证包',
      noNotices: '目前没有正在公示的登记。',
      noAnnouncements: '暂无公告。',
      notFound: '未找到该编码的公开登记。',
      badCode: '编码格式不正确：证书编码为 20 位，含校验位。',
      loadFailed: '读取失败：',
      First: '首次登记', Change: '变更登记', Correction: '更正登记',
      DataResource: '公共数据资源', ProductOrService: '公共数据产品和服务',
      issued: '颁发', cancelled: '注销', revoked: '撤销',
      'in-notice': '公示中', active: '有效', terminated: '异议成立，登记终止',
      refused: '不予登记', withdrawn: '已撤回', applied: '申请中',
      DataLost: '数据无法恢复或已灭失',
      RightsEnded: '登记主体放弃权利或权利期限届满',
      RegistrantTerminated: '登记主体解散、注销、破产或以其他方式终止',
      Lapsed: '有效期届满未续期，由登记机构注销',
      FalseMaterials: '隐瞒事实或提供虚假材料',
      TamperedOrForged: '证书被篡改或伪造',
      IllegalUse: '证书被非法使用',
      OtherLegalGround: '其他法定事由：',
    },
    en: {
      title: 'Public data registration: notices and announcements',
      lead: 'Registrations in public notice (Article 22 of the Measures) and announcements of certificates issued, cancelled and revoked, for every agency log this node holds. Each entry links to its proof in the ledger.',
      searchLabel: 'Find a certificate by its code',
      searchButton: 'Search',
      noticesTitle: 'In public notice',
      noticesHint: 'During the notice anyone may file a real-name objection with evidence; the registration is suspended while an objection is open.',
      announcementsTitle: 'Announcements',
      more: 'More announcements',
      footer: 'Read from this node\'s read-only endpoints (/v1/board); registration materials and non-public fields are not published in the ledger.',
      switchTo: '中文',
      code: 'Certificate code',
      registrant: 'Registrant',
      coApplicants: 'Co-applicants',
      type: 'Registration type',
      kind: 'Object',
      dataName: 'Data name',
      summary: 'Summary',
      period: 'Notice period',
      until: 'to',
      agency: 'Agency',
      log: 'Log',
      status: 'Status',
      validity: 'Valid',
      reason: 'Reason',
      time: 'Announced',
      objections: 'How to object',
      noObjections: 'The agency has not published how to object; contact the agency directly.',
      suspended: 'objection open: registration suspended',
      proofRecord: 'record',
      proofInclusion: 'inclusion proof',
      proofCertificate: 'certificate state',
      proofHistory: 'all records',
      proofBundle: 'offline bundle',
      noNotices: 'No registration is in public notice now.',
      noAnnouncements: 'No announcements yet.',
      notFound: 'No public registration has this code.',
      badCode: 'Not a certificate code: 20 characters with a check character.',
      loadFailed: 'Could not load: ',
      First: 'first registration', Change: 'change', Correction: 'correction',
      DataResource: 'public data resource', ProductOrService: 'public data product or service',
      issued: 'issued', cancelled: 'cancelled', revoked: 'revoked',
      'in-notice': 'in public notice', active: 'valid', terminated: 'objection upheld, registration ended',
      refused: 'refused', withdrawn: 'withdrawn', applied: 'applied',
      DataLost: 'the data is irrecoverable or lost',
      RightsEnded: 'the registrant gave up its rights, or their term ended',
      RegistrantTerminated: 'the registrant has ceased to exist',
      Lapsed: 'not renewed before its validity ended; cancelled by the agency',
      FalseMaterials: 'facts concealed or false materials supplied',
      TamperedOrForged: 'the certificate was tampered with or forged',
      IllegalUse: 'the certificate was used illegally',
      OtherLegalGround: 'another legal ground: ',
    },
  };

  const PAGE = 100;
  const state = {
    lang: localStorage.getItem('board-lang') === 'en' ? 'en' : 'zh',
    logs: [],
    notices: [],
    announcements: [],
    next: new Map(),
    result: null,
  };

  const $ = (id) => document.getElementById(id);
  const t = (key) => TEXT[state.lang][key] ?? key;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  async function getJson(path) {
    const response = await fetch(path, { headers: { accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.error || body.message || `${response.status}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function reasonText(reason) {
    if (!reason) return null;
    if (typeof reason === 'string') return t(reason);
    const [kind, text] = Object.entries(reason)[0] || [];
    return kind ? t(kind) + (typeof text === 'string' ? text : '') : null;
  }

  function agencyOf(log) {
    const found = state.logs.find((l) => l.log === log);
    return found && found.agency ? `${found.agency} (${log})` : log;
  }

  function timeText(seconds) {
    // The ledger dates records in China Standard Time.
    const date = new Date((seconds + 8 * 3600) * 1000);
    return date.toISOString().slice(0, 16).replace('T', ' ') + ' (UTC+8)';
  }

  function fields(pairs) {
    const list = el('dl');
    for (const [key, value, cls] of pairs) {
      if (value === null || value === undefined || value === '') continue;
      list.append(el('dt', null, t(key)), el('dd', cls ? { class: cls } : null, value));
    }
    return list;
  }

  function proofLinks(links) {
    const out = el('p', { class: 'links' });
    const names = [
      ['record', 'proofRecord'],
      ['inclusion', 'proofInclusion'],
      ['certificate', 'proofCertificate'],
      ['history', 'proofHistory'],
      ['bundle', 'proofBundle'],
    ];
    for (const [field, key] of names) {
      if (links[field]) out.append(el('a', { href: links[field], class: `proof-${field}` }, t(key)));
    }
    return out;
  }

  function objectionsOf(log) {
    const found = state.logs.find((l) => l.log === log);
    const text = found && found.objections ? found.objections : t('noObjections');
    return el('p', { class: 'objections' }, el('strong', null, t('objections') + '：'), text);
  }

  function noticeView(n) {
    const head = el('h3', null,
      el('span', { class: 'tag' }, t(n.registration_type)),
      n.suspended ? el('span', { class: 'tag suspended' }, t('suspended')) : null,
      n.data_name);
    return el('article', { class: 'entry notice', 'data-code': n.code, 'data-log': n.log },
      head,
      fields([
        ['code', n.code, 'code'],
        ['registrant', n.registrant, 'registrant'],
        ['coApplicants', n.co_applicants.join('、')],
        ['kind', t(n.object_kind)],
        ['dataName', n.data_name, 'data-name'],
        ['summary', n.summary],
        ['period', `${n.starts_on} ${t('until')} ${n.ends_on}`, 'ends-on'],
        ['agency', agencyOf(n.log)],
      ]),
      objectionsOf(n.log),
      proofLinks(n.links));
  }

  function announcementView(a) {
    const validity = a.kind === 'issued' ? `${a.valid_from} ${t('until')} ${a.valid_until}` : null;
    return el('article', { class: 'entry announcement', 'data-code': a.code, 'data-kind': a.kind },
      el('h3', null, el('span', { class: `tag ${a.kind}` }, t(a.kind)), a.data_name || a.code),
      fields([
        ['code', a.code, 'code'],
        ['registrant', a.registrant, 'registrant'],
        ['validity', validity],
        ['reason', reasonText(a.reason)],
        ['time', timeText(a.time)],
        ['agency', agencyOf(a.log)],
      ]),
      proofLinks(a.links));
  }

  function certificateView(c) {
    const validity = c.valid_from ? `${c.valid_from} ${t('until')} ${c.valid_until}` : null;
    const n = c.notice;
    const out = el('article', { class: 'entry certificate', 'data-code': c.code },
      el('h3', null, el('span', { class: `tag ${c.status}` }, t(c.status)),
        n && n.suspended ? el('span', { class: 'tag suspended' }, t('suspended')) : null,
        c.data_name || c.code),
      fields([
        ['code', c.code, 'code'],
        ['registrant', c.registrant, 'registrant'],
        ['kind', t(c.object_kind)],
        ['status', t(c.status)],
        ['reason', reasonText(c.reason)],
        ['validity', validity],
        ['type', n ? t(n.registration_type) : null],
        ['summary', n ? n.summary : null],
        ['period', n ? `${n.starts_on} ${t('until')} ${n.ends_on}` : null, 'ends-on'],
        ['agency', agencyOf(c.log)],
      ]),
      n ? objectionsOf(c.log) : null,
      proofLinks(c.links));
    return out;
  }

  function fill(container, items, view, emptyKey) {
    container.replaceChildren(...(items.length ? items.map(view) : [el('p', { class: 'empty' }, t(emptyKey))]));
  }

  function render() {
    document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
    $('lang').textContent = t('switchTo');
    fill($('notices'), state.notices, noticeView, 'noNotices');
    fill($('announcements'), state.announcements, announcementView, 'noAnnouncements');
    $('more').hidden = state.next.size === 0;
    const result = $('result');
    result.hidden = !state.result;
    if (state.result) {
      result.replaceChildren(state.result.error
        ? el('p', { class: 'empty' }, t(state.result.error))
        : certificateView(state.result.certificate));
    }
  }

  function query(params) {
    return Object.entries(params)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
  }

  async function loadNotices(log) {
    let after = null;
    const out = [];
    do {
      const page = await getJson(`/v1/board/notices?${query({ log, after, limit: PAGE })}`);
      out.push(...page.notices);
      after = page.next;
    } while (after && out.length < 10 * PAGE);
    return out;
  }

  async function loadAnnouncements(logs) {
    const pages = await Promise.all(logs.map((log) =>
      getJson(`/v1/board/announcements?${query({ log, before: state.next.get(log), limit: 20 })}`)));
    for (const page of pages) {
      if (page.next === null || page.next === undefined) state.next.delete(page.log);
      else state.next.set(page.log, page.next);
      state.announcements.push(...page.announcements);
    }
    state.announcements.sort((a, b) => b.time - a.time || b.index - a.index);
  }

  async function load() {
    const board = await getJson('/v1/board');
    state.logs = board.logs;
    const notices = await Promise.all(board.logs.map((l) => loadNotices(l.log)));
    state.notices = notices.flat().sort((a, b) => (a.ends_on < b.ends_on ? 1 : a.ends_on > b.ends_on ? -1 : 0));
    await loadAnnouncements(board.logs.map((l) => l.log));
  }

  async function search(event) {
    event.preventDefault();
    const code = $('code').value.trim().toUpperCase();
    if (!code) return;
    try {
      state.result = { certificate: await getJson(`/v1/board/certificates/${encodeURIComponent(code)}`) };
    } catch (e) {
      state.result = { error: e.status === 400 ? 'badCode' : e.status === 404 ? 'notFound' : 'loadFailed' };
      if (!e.status) $('status').textContent = t('loadFailed') + e.message;
    }
    render();
  }

  function fail(e) {
    $('status').textContent = t('loadFailed') + e.message;
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('lang').addEventListener('click', () => {
      state.lang = state.lang === 'zh' ? 'en' : 'zh';
      localStorage.setItem('board-lang', state.lang);
      render();
    });
    $('search').addEventListener('submit', search);
    $('more').addEventListener('click', () => {
      loadAnnouncements([...state.next.keys()]).then(render, fail);
    });
    render();
    load().then(() => {
      document.body.dataset.loaded = 'true';
      render();
    }, fail);
  });
})();
