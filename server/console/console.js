// The saiki console: search as one user or two side by side, click results,
// end sessions, and watch the models learn. Talks only to the JSON API
// (/api/...). Every value from the server is put in the page as text
// (textContent), never as HTML. Feature and field names are read from the
// API's answers, not listed here, so new features show up by themselves.
'use strict';

const state = {
  users: ['alice', 'bob'],
  active: 'alice',
  compare: 'bob',        // '' for none
  query: '',
  responses: {},         // user -> the last search response
  clicked: {},           // user -> Set of "queryId/productId"
  token: sessionStorage.getItem('saiki-token') || '',
};

const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  return Number(x).toFixed(digits);
}

function price(p) {
  return p === null || p === undefined ? '–' : '¥' + Number(p).toLocaleString('ja-JP');
}

function setStatus(text, error = false) {
  const s = $('#status');
  s.textContent = text;
  s.classList.toggle('error', error);
}

// Requests in flight, shown as <body data-pending="N"> so a test (or a
// curious user) can tell when the page has settled.
let pending = 0;
function setPending(delta) {
  pending += delta;
  document.body.dataset.pending = String(pending);
}

async function api(method, path, body) {
  setPending(+1);
  try {
    return await request(method, path, body);
  } finally {
    setPending(-1);
  }
}

async function request(method, path, body) {
  const headers = {};
  if (state.token) headers['Authorization'] = 'Bearer ' + state.token;
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (res.status === 401) $('#token-bar').hidden = false;
  if (!res.ok) {
    const message = data && data.error ? data.error : res.status + ' ' + res.statusText;
    throw new Error(message);
  }
  return data;
}

// --- Users.

function shownUsers() {
  const users = [state.active];
  if (state.compare && state.compare !== state.active) users.push(state.compare);
  return users;
}

function renderUsers() {
  const chips = $('#user-chips');
  chips.replaceChildren();
  for (const u of state.users) {
    chips.append(el('button', {
      type: 'button', role: 'radio', 'aria-checked': String(u === state.active),
      class: 'chip' + (u === state.active ? ' active' : ''), 'data-user': u, text: u,
      onclick: () => {
        // Choosing the compared user swaps the two, so both stay on screen.
        if (state.compare === u) state.compare = state.active;
        state.active = u;
        onUsersChanged();
      },
    }));
  }
  const select = $('#compare');
  select.replaceChildren(el('option', { value: '', text: 'nobody' }));
  for (const u of state.users) {
    if (u === state.active) continue;
    const option = el('option', { value: u, text: u });
    if (u === state.compare) option.selected = true;
    select.append(option);
  }
  if (state.compare === state.active) state.compare = '';
  select.value = state.compare;
}

function onUsersChanged() {
  renderUsers();
  refreshModel();
  if (state.query) search();
  else renderColumns();
}

// --- Search and results.

async function search() {
  state.query = $('#q').value.trim();
  if (!state.query) return;
  const explain = $('#explain').checked;
  const users = shownUsers();
  try {
    const answers = await Promise.all(users.map((u) => {
      const params = new URLSearchParams({
        q: state.query, k: '10', user: u, highlight: '1', facets: 'brand,price', facet_limit: '4',
      });
      if (explain) params.set('explain', '1');
      return api('GET', '/api/search?' + params.toString());
    }));
    state.responses = {};
    users.forEach((u, i) => { state.responses[u] = answers[i]; });
    renderColumns();
  } catch (e) {
    setStatus('search failed: ' + e.message, true);
  }
}

function rankMoves(user, other) {
  // product id -> (rank for the other user) - (rank for this user).
  const moves = new Map();
  const a = state.responses[user], b = state.responses[other];
  if (!a || !b) return moves;
  const otherRank = new Map(b.results.map((h) => [h.id, h.rank]));
  for (const h of a.results) {
    if (otherRank.has(h.id)) moves.set(h.id, otherRank.get(h.id) - h.rank);
  }
  return moves;
}

function renderColumns() {
  const columns = $('#columns');
  columns.replaceChildren();
  const users = shownUsers();
  for (const user of users) {
    const node = $('#column-template').content.firstElementChild.cloneNode(true);
    node.dataset.user = user;
    $('.who', node).textContent = user;
    const r = state.responses[user];
    const list = $('.results', node);
    const other = users.find((u) => u !== user);
    const moves = other ? rankMoves(user, other) : new Map();
    if (!r) {
      list.append(el('li', { class: 'empty', text: state.query ? 'searching…' : 'Type a query to search as ' + user + '.' }));
    } else {
      $('.meta', node).textContent =
        r.total + (r.total_relation === 'gte' ? '+' : '') + ' match · ' + fmt(r.took_ms, 1) + ' ms · ' + r.ranker +
        ' · global v' + r.global_version + (r.user_version ? ' · personal v' + r.user_version : '') +
        (r.interleaved ? ' · interleaved' : '');
      if (r.notice) { const n = $('.notice', node); n.hidden = false; n.textContent = r.notice; }
      if (r.facets) renderFacets($('.facets', node), r.facets);
      if (r.results.length === 0) list.append(el('li', { class: 'empty', text: 'No results.' }));
      for (const hit of r.results) list.append(renderHit(user, r, hit, moves.get(hit.id), other));
      $('.session', node).textContent = r.query_id ? 'query id ' + r.query_id + ' · ' +
        countClicks(user) + ' clicks this session' : '';
    }
    const end = $('.end-session', node);
    end.dataset.user = user;
    end.addEventListener('click', () => endSession(user));
    columns.append(node);
  }
}

// The facet counts over all matches: the top brands and the price ranges.
function renderFacets(node, facets) {
  const parts = [];
  for (const b of facets.brand || []) parts.push(b.value + ' ' + b.count);
  for (const p of facets.price || []) {
    parts.push('¥' + p.from + '–' + (p.to === null ? '' : p.to) + ' ' + p.count);
  }
  node.textContent = parts.join(' · ');
  node.hidden = parts.length === 0;
}

// Highlighted text from the API (HTML: the text escaped, matches in
// <mark>) as DOM nodes, built without innerHTML: the marks become <mark>
// elements and the entities the encoder writes are decoded.
function markedNodes(html) {
  const decode = (t) => t.replace(/&(amp|lt|gt|quot|#39);/g, (m, e) =>
    ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]);
  return html.split(/<\/?mark>/).map((piece, i) =>
    i % 2 === 1 ? el('mark', { text: decode(piece) }) : document.createTextNode(decode(piece)));
}

function countClicks(user) {
  return state.clicked[user] ? state.clicked[user].size : 0;
}

function renderHit(user, response, hit, move, other) {
  const key = response.query_id + '/' + hit.id;
  const clicked = state.clicked[user] && state.clicked[user].has(key);
  const rank = el('div', { class: 'rank' }, String(hit.rank));
  if (move !== undefined && move !== 0) {
    rank.append(el('span', {
      class: 'move ' + (move > 0 ? 'up' : 'down'),
      title: 'rank for ' + other + ' minus rank for ' + user,
      text: (move > 0 ? '▲' : '▼') + Math.abs(move),
    }));
  }
  const title = el('button', {
    type: 'button', class: 'title-btn', text: hit.title || hit.id,
    title: 'record a click on this result as ' + user,
    onclick: () => clickHit(user, response, hit),
  });
  if (hit.highlight && hit.title) title.replaceChildren(...markedNodes(hit.highlight.title));
  const facts = el('div', { class: 'facts' },
    el('span', { class: 'price', text: price(hit.price) }),
    el('span', { text: hit.brand || '–' }),
    el('span', { text: hit.category || '–' }),
    el('span', { class: 'score', text: 'score ' + fmt(hit.score) }),
    el('span', { class: 'score', text: 'bm25f ' + fmt(hit.bm25f) }),
    el('span', { class: 'muted', text: hit.id }));
  if (hit.explored) {
    facts.prepend(el('span', {
      class: 'explored', text: 'explored',
      title: 'placed here by exploration (setting learn.explore): a candidate from beyond the page, shown to learn whether ' + user + ' likes it',
    }));
  }
  const li = el('li', { class: 'result' + (clicked ? ' clicked' : ''), 'data-id': hit.id }, rank,
    el('div', {}, title), facts);
  if (hit.explain) li.append(renderWhy(hit));
  return li;
}

function renderWhy(hit) {
  const fields = Object.entries(hit.explain).filter(([, v]) => v !== 0);
  const maxField = Math.max(1e-9, ...fields.map(([, v]) => Math.abs(v)));
  const fieldBox = el('div', {}, el('h4', { text: 'BM25F by field' }));
  if (fields.length === 0) fieldBox.append(el('div', { class: 'muted', text: 'no field matched' }));
  for (const [name, v] of fields.sort((a, b) => b[1] - a[1])) {
    const bar = el('i');
    bar.style.width = (100 * Math.abs(v) / maxField).toFixed(1) + '%';
    fieldBox.append(el('div', { class: 'bar-row' },
      el('span', { text: name }), el('span', { class: 'bar' }, bar), el('span', { class: 'num', text: fmt(v, 2) })));
  }
  const featureBox = el('div', {}, el('h4', { text: 'Feature contributions' }));
  const features = (hit.features || [])
    .filter((f) => f.global !== 0 || f.personal !== 0)
    .sort((a, b) => Math.abs(b.global + b.personal) - Math.abs(a.global + a.personal))
    .slice(0, 8);
  if (features.length === 0) {
    featureBox.append(el('div', { class: 'muted', text: 'not re-ranked (BM25F order)' }));
  } else {
    const table = el('table', { class: 'features' },
      el('tr', {}, el('th', { text: 'feature' }), el('th', { text: 'value' }),
        el('th', { text: 'global' }), el('th', { text: 'personal' })));
    const signed = (x) => el('td', { class: x > 0 ? 'pos' : x < 0 ? 'neg' : '', text: (x > 0 ? '+' : '') + fmt(x) });
    for (const f of features) {
      table.append(el('tr', {}, el('td', { text: f.feature }), el('td', { text: fmt(f.value) }),
        signed(f.global), signed(f.personal)));
    }
    featureBox.append(table);
  }
  return el('details', { class: 'why' }, el('summary', { text: 'why this rank?' }),
    el('div', { class: 'why-body' }, fieldBox, featureBox));
}

async function clickHit(user, response, hit) {
  if (!response.query_id) return;
  try {
    await api('POST', '/api/click', { query_id: response.query_id, id: hit.id });
    if (!state.clicked[user]) state.clicked[user] = new Set();
    state.clicked[user].add(response.query_id + '/' + hit.id);
    setStatus('click recorded: ' + user + ' → ' + hit.id + ' (query ' + response.query_id + ')');
    renderColumns();
  } catch (e) {
    setStatus('click failed: ' + e.message, true);
  }
}

async function endSession(user) {
  try {
    const report = await api('POST', '/api/session/end', { user });
    state.clicked[user] = new Set();
    renderSessionReport(user, report);
    if (user !== state.active) {
      if (state.compare === user) state.compare = state.active;
      state.active = user;
      renderUsers();
    }
    await refreshModel();
    if (state.query) await search();
    else renderColumns();
  } catch (e) {
    setStatus('ending the session failed: ' + e.message, true);
  }
}

function renderSessionReport(user, r) {
  const box = $('#session-report');
  box.replaceChildren();
  $('#session-panel').hidden = false;
  if (!r.closed) {
    box.append(el('div', { class: 'muted', text: r.message || ('user ' + user + ' has no open session') }));
    setStatus(user + ' had no open session');
    return;
  }
  const rows = [
    ['user', r.user], ['session', String(r.session_id)],
    ['searches / clicks', r.impressions + ' / ' + r.clicks], ['pairs', String(r.pairs)],
    ['personal update', r.personal.outcome + (r.personal.version ? ' (v' + r.personal.version + ')' : '') +
      (r.personal.reason ? ' — ' + r.personal.reason : '')],
    ['global update', r.global.outcome + (r.global.reason ? ' — ' + r.global.reason : '')],
    ['pooled', r.pooled ? 'yes' : 'no' + (r.not_pooled_reason ? ' — ' + r.not_pooled_reason : '')],
    ['loss', fmt(r.loss_before) + ' → ' + fmt(r.loss_after)],
  ];
  if (r.interleaving) rows.push(['interleaving', r.interleaving]);
  const dl = el('dl');
  for (const [k, v] of rows) dl.append(el('dt', { text: k }), el('dd', { text: v }));
  box.append(dl);
  setStatus('session ' + r.session_id + ' of ' + user + ' closed: personal ' + r.personal.outcome);
}

// --- Model, history, learning curve.

async function refreshModel() {
  const user = state.active;
  $('#model-user').textContent = '· ' + user;
  try {
    const q = '?user=' + encodeURIComponent(user);
    const [model, history] = await Promise.all([
      api('GET', '/api/model' + q), api('GET', '/api/model/history' + q)]);
    renderModel(model);
    renderHistory(history.versions);
    renderCurve(history.versions.filter((v) => v.scope === 'user' && v.user === user));
  } catch (e) {
    setStatus('model: ' + e.message, true);
  }
}

function renderModel(m) {
  const box = $('#model-summary');
  box.replaceChildren();
  box.classList.remove('muted');
  const personal = m.personal ? 'v' + m.personal.version + ' (' + m.personal.status + ')' : 'none yet';
  const top = m.weights
    .filter((w) => w.personal !== undefined && w.personal !== 0)
    .sort((a, b) => Math.abs(b.personal) - Math.abs(a.personal)).slice(0, 3)
    .map((w) => w.feature + ' ' + (w.personal > 0 ? '+' : '') + fmt(w.personal, 2)).join(', ');
  const rows = [
    ['learning', m.learn_mode],
    ['global model', 'v' + m.global.version + ' (' + m.global.kind + ')'],
    ['personal model', personal],
    ['towards next global', m.pooled_evidence.sessions + '/' + m.pooled_evidence.needed_sessions +
      ' sessions, ' + m.pooled_evidence.users + '/' + m.pooled_evidence.needed_users + ' users'],
    ['strongest personal weights', top || '–'],
  ];
  const dl = el('dl');
  for (const [k, v] of rows) dl.append(el('dt', { text: k }), el('dd', { text: v }));
  box.append(dl);
}

function renderHistory(versions) {
  const body = $('#history tbody');
  body.replaceChildren();
  $('#history-count').textContent = '· ' + versions.length + (versions.length === 1 ? ' version' : ' versions');
  if (versions.length === 0) {
    body.append(el('tr', { class: 'placeholder' }, el('td', { colspan: '6', class: 'muted', text: 'No versions yet: click results, then end the session.' })));
    return;
  }
  for (const v of versions) {
    const when = new Date(v.created_at * 1000);
    const tip = (v.session_id ? 'session ' + v.session_id : 'no session') + (v.reason ? ' — ' + v.reason : '');
    const tr = el('tr', { class: 'version', title: tip },
      el('td', { class: 'num', text: String(v.version) }),
      el('td', { text: v.scope === 'user' ? 'user ' + v.user : 'global' }),
      el('td', {}, el('span', { class: 'badge ' + v.status, text: v.status })),
      el('td', { class: 'num', text: v.scope === 'user' ? fmt(v.loss_before, 2) + '→' + fmt(v.loss_after, 2) : '–' }),
      el('td', { class: 'num', text: v.scope === 'user' ? fmt(v.replay_before, 2) + '→' + fmt(v.replay_after, 2)
        : v.estimate_candidate !== undefined ? fmt(v.estimate_active, 2) + '→' + fmt(v.estimate_candidate, 2) : '–' }),
      el('td', { class: 'muted', text: when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) }));
    body.append(tr);
  }
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderCurve(versions) {
  const box = $('#curve');
  box.replaceChildren();
  const points = versions.slice().sort((a, b) => a.version - b.version);
  if (points.length === 0) {
    box.append(el('div', { class: 'muted', text: 'No personal versions for ' + state.active + ' yet.' }));
    return;
  }
  const W = 340, H = 150, L = 34, R = 8, T = 8, B = 22;
  const ys = points.flatMap((p) => [p.replay_before, p.replay_after]);
  let lo = Math.min(...ys), hi = Math.max(...ys);
  if (hi - lo < 1e-6) { lo -= 0.05; hi += 0.05; }
  const pad = (hi - lo) * 0.1; lo -= pad; hi += pad;
  const x = (i) => L + (points.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (points.length - 1));
  const y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'learning curve' });
  for (let k = 0; k <= 3; k++) {
    const v = lo + (hi - lo) * k / 3;
    root.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    root.append(svg('text', { x: L - 4, y: y(v) + 3, 'text-anchor': 'end' }, v.toFixed(2)));
  }
  root.append(svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }));
  root.append(svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
  root.append(svg('path', { class: 'line', d: points.map((p, i) => (i ? 'L' : 'M') + x(i) + ' ' + y(p.replay_after)).join(' ') }));
  points.forEach((p, i) => {
    root.append(svg('circle', { class: 'dot-before', cx: x(i), cy: y(p.replay_before), r: 3 }));
    const dot = svg('circle', { class: p.status === 'rejected' ? 'rejected' : 'dot-after', cx: x(i), cy: y(p.replay_after), r: 3.5 });
    dot.append(svg('title', {}, 'v' + p.version + ' ' + p.status + ': ' + fmt(p.replay_before) + ' → ' + fmt(p.replay_after)));
    root.append(dot);
    root.append(svg('text', { x: x(i), y: H - 8, 'text-anchor': 'middle' }, 'v' + p.version));
  });
  box.append(root);
}

// --- Start.

async function refreshStatus() {
  try {
    const s = await api('GET', '/api/stats');
    setStatus(s.products.toLocaleString() + ' products · ' + s.segments + ' segments · schema ' + s.schema_version);
  } catch (e) {
    setStatus('cannot reach the API: ' + e.message, true);
  }
}

function start() {
  $('#search-form').addEventListener('submit', (e) => { e.preventDefault(); search(); });
  $('#explain').addEventListener('change', () => { if (state.query) search(); });
  $('#compare').addEventListener('change', (e) => { state.compare = e.target.value; if (state.query) search(); else renderColumns(); });
  $('#add-user-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('#new-user').value.trim();
    if (!name) return;
    if (!state.users.includes(name)) state.users.push(name);
    state.active = name;
    $('#new-user').value = '';
    onUsersChanged();
  });
  $('#token-save').addEventListener('click', () => {
    state.token = $('#token').value;
    sessionStorage.setItem('saiki-token', state.token);
    $('#token-bar').hidden = true;
    refreshStatus();
    refreshModel();
  });
  renderUsers();
  renderColumns();
  refreshStatus();
  refreshModel();
  $('#q').focus();
}

start();
