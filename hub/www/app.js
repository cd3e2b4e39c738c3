/*
 * app.js — the dashboard's logic: polls the hub's admin API every two seconds
 * and redraws the flow picture (SVG), the subscription table, the view of one
 * subscription (#/sub/NAME) and the dead letters. Rates are counter deltas
 * between two polls. Everything is written with textContent (never HTML from
 * data), and every text comes from the API, which masks CPR numbers.
 */
'use strict';

const POLL_MS = 2000;
const SVG = 'http://www.w3.org/2000/svg';
const previous = new Map(); /* "kind:name" -> {value, at} for rates */
let selected = null; /* name of the subscription shown, or null */

/* Changes (replay, purge) need the hub's admin token (data_dir/admin.token):
 * asked for once, kept for this tab only. */
async function api(path, options, asked) {
  const headers = { 'Content-Type': 'application/json' };
  const token = sessionStorage.getItem('stafetToken');
  if (token) headers['Authorization'] = 'Bearer ' + token;
  const r = await fetch(path, Object.assign({ headers: headers }, options || {}));
  if (r.status === 401 && !asked) {
    const given = window.prompt('Admin token (the hub\'s admin.token file):');
    if (given) {
      sessionStorage.setItem('stafetToken', given.trim());
      return api(path, options, true);
    }
  }
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || (r.status + ' ' + r.statusText));
  return body;
}

function rate(key, value, now) {
  const p = previous.get(key);
  previous.set(key, { value: value, at: now });
  if (!p || now <= p.at || value < p.value) return 0;
  return (value - p.value) * 1000 / (now - p.at);
}

function fmtRate(r) { return r >= 10 ? r.toFixed(0) : r.toFixed(1); }

function fmtAge(ms) {
  if (!ms || ms <= 0) return '–';
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor(s % 3600 / 60)).padStart(2, '0') + 'm';
  return Math.floor(s / 86400) + 'd' + String(Math.floor(s % 86400 / 3600)).padStart(2, '0') + 'h';
}

function fmtTime(ms) {
  return ms > 0 ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '–';
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function row(cells, attrs) {
  const tr = el('tr', attrs);
  for (const c of cells) tr.appendChild(c instanceof Node ? c : el('td', {}, c));
  return tr;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

/* ---- flow picture ---- */

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function node(svg, x, y, w, lines, cls, dataName) {
  const g = svgEl('g', { class: 'node ' + cls, 'data-name': dataName });
  g.appendChild(svgEl('rect', { x: x, y: y, width: w, height: 16 + lines.length * 15, rx: 6 }));
  lines.forEach((t, i) => g.appendChild(svgEl('text', { x: x + 8, y: y + 17 + i * 15 }, t)));
  svg.appendChild(g);
  return { x: x, y: y, w: w, h: 16 + lines.length * 15, g: g };
}

function edge(svg, a, b, cls) {
  const x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2, mx = (x1 + x2) / 2;
  svg.insertBefore(svgEl('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`,
    class: 'edge ' + (cls || '') }), svg.firstChild);
}

function drawFlow(topics, subs, adapters, now) {
  const box = document.getElementById('flow');
  const durable = subs.filter(s => s.mode === 'durable');
  const consumers = [];
  for (const a of adapters) for (const s of a.sessions)
    for (const c of s.subscriptions) if (c.mode === 'durable') consumers.push({ adapter: a.name, sub: c.name });
  const adapterNames = [...new Set(consumers.map(c => c.adapter))];
  document.getElementById('flow-empty').hidden = topics.length + durable.length > 0;
  const rows = Math.max(topics.length, durable.length * 2, adapterNames.length, 1);
  const width = Math.max(box.clientWidth || 900, 700), colW = 230;
  const svg = svgEl('svg', { width: width, height: rows * 46 + 40, class: 'flow' });
  const topicNodes = new Map(), subNodes = new Map(), adapterNodes = new Map();
  topics.forEach((t, i) => {
    const r = rate('topic:' + t.topic, t.published, now);
    topicNodes.set(t.topic, node(svg, 10, 20 + i * 46, colW, [t.topic, fmtRate(r) + ' msg/s in'], 'topic', t.topic));
  });
  durable.forEach((s, i) => {
    const q = s.queue || {};
    const r = rate('dsub:' + s.name, s.counters.delivered, now);
    const cls = 'sub' + ((q.dead_letters || 0) > 0 ? ' has-dead' : '') + ((q.depth || 0) > 0 ? ' backlog' : '');
    const n = node(svg, (width - colW) / 2, 20 + i * 92, colW,
      [s.name, 'depth ' + (q.depth ?? '?') + ' · dead ' + (q.dead_letters ?? '?'), fmtRate(r) + ' msg/s out'], cls, s.name);
    n.g.setAttribute('data-depth', q.depth ?? 0);
    n.g.addEventListener('click', () => { location.hash = '#/sub/' + encodeURIComponent(s.name); });
    subNodes.set(s.name, n);
  });
  adapterNames.forEach((a, i) => {
    adapterNodes.set(a, node(svg, width - colW - 10, 20 + i * 46, colW, [a, 'consumer'], 'adapter', a));
  });
  for (const t of topics) for (const s of t.subscriptions)
    if (topicNodes.has(t.topic) && subNodes.has(s)) edge(svg, topicNodes.get(t.topic), subNodes.get(s));
  for (const c of consumers)
    if (subNodes.has(c.sub) && adapterNodes.has(c.adapter)) edge(svg, subNodes.get(c.sub), adapterNodes.get(c.adapter), 'out');
  box.replaceChildren(svg);
}

/* ---- tables ---- */

function drawSubs(subs, now) {
  fill(document.querySelector('#subs tbody'), subs.map(s => {
    const q = s.queue || {};
    const c = s.counters || {};
    const durable = s.mode === 'durable';
    const name = el('td');
    const link = el('a', { href: '#/sub/' + encodeURIComponent(s.name) }, s.name);
    name.appendChild(durable ? link : el('span', {}, s.name));
    const dead = el('td', { class: (q.dead_letters || 0) > 0 ? 'alert' : '' }, durable ? (q.dead_letters ?? '?') : '–');
    return row([name, s.mode, (s.patterns || []).join(' '),
      el('td', { class: 'depth', 'data-sub': s.name }, durable ? (q.depth ?? '?') : '–'),
      durable ? (q.pending ?? '?') : '–', dead,
      durable ? fmtAge(q.oldest_unacked_age_ms) : '–',
      durable ? s.consumers : s.adapter,
      durable ? fmtRate(rate('del:' + s.name, c.delivered || 0, now)) : '–',
      durable ? fmtRate(rate('ack:' + s.name, c.acked || 0, now)) : '–'], { 'data-sub': s.name });
  }));
}

function deadRow(d, withSub) {
  const env = d.envelope || {};
  const cells = [];
  if (withSub) cells.push(d.subscription);
  cells.push(...(withSub ? [] : [d.id]), fmtTime(d.at_ms), el('td', { class: 'reason' }, d.reason),
    d.deliveries, env.topic || '?', env.message_id || '?');
  return row(cells);
}

function drawDead(list) {
  fill(document.querySelector('#dead tbody'), list.map(d => deadRow(d, true)));
  document.getElementById('dead-empty').hidden = list.length > 0;
}

/* ---- one subscription ---- */

function defItem(dl, term, value) {
  dl.appendChild(el('dt', {}, term));
  dl.appendChild(el('dd', {}, value));
}

async function replay(path, button) {
  button.disabled = true;
  try {
    const r = await api(path, { method: 'POST' });
    button.textContent = 'replayed ' + r.replayed;
  } catch (e) {
    button.textContent = 'failed: ' + e.message;
  }
  refresh();
}

async function drawSubView() {
  const view = document.getElementById('sub-view');
  if (!selected) { view.hidden = true; return; }
  const base = '/api/subscriptions/' + encodeURIComponent(selected);
  const [s, dl] = await Promise.all([api(base), api(base + '/dead-letters?count=100')]);
  view.hidden = false;
  document.getElementById('sub-name').textContent = s.name;
  const q = s.queue || {};
  const dlist = document.getElementById('sub-def');
  dlist.replaceChildren();
  defItem(dlist, 'patterns', s.patterns.join(' '));
  defItem(dlist, 'filters', s.filters.join(' ') || '–');
  defItem(dlist, 'depth', (q.depth ?? '?') + ' (unread ' + (q.unread ?? '?') + ', pending ' + (q.pending ?? '?') + ')');
  defItem(dlist, 'oldest unacked', fmtAge(q.oldest_unacked_age_ms));
  defItem(dlist, 'dead letters', dl.total);
  defItem(dlist, 'ack timeout', s.ack_timeout_ms + ' ms');
  defItem(dlist, 'max deliveries', s.max_deliveries);
  defItem(dlist, 'retention', fmtAge(s.retention_ms));
  fill(document.querySelector('#sub-consumers tbody'), (s.group_consumers || []).map(c =>
    row([c.name, c.pending, fmtAge(c.idle_ms), c.connected_here ? c.adapter : '(other hub)'])));
  fill(document.querySelector('#sub-dead tbody'), dl.dead_letters.map(d => {
    const tr = deadRow(d, false);
    tr.appendChild(el('td', { class: 'payload' }, d.payload_bytes + ' B ' + d.payload_preview));
    const td = el('td');
    const b = el('button', { type: 'button' }, 'replay');
    b.addEventListener('click', () => replay(base + '/dead-letters/' + encodeURIComponent(d.id) + '/replay', b));
    td.appendChild(b);
    tr.appendChild(td);
    return tr;
  }));
  const all = document.getElementById('replay-all');
  all.hidden = dl.total === 0;
  all.onclick = () => replay(base + '/dead-letters/replay?count=1000', all);
}

/* ---- the poll ---- */

function drawHeader(status, now) {
  document.getElementById('hub-id').textContent = status.hub_id;
  const state = document.getElementById('hub-state');
  state.textContent = status.ready ? 'ready' : (status.redis ? 'not ready' : 'REDIS DOWN');
  state.className = 'badge ' + (status.ready ? 'ok' : 'bad');
  const t = status.totals;
  document.getElementById('totals').textContent =
    `published ${t.published} · delivered ${t.delivered} · acked ${t.acked} · dead-lettered ${t.dead_lettered} · ${fmtRate(rate('hub:published', t.published, now))} msg/s`;
  document.getElementById('updated').textContent = 'updated ' + new Date(now).toLocaleTimeString();
}

async function refresh() {
  const now = Date.now();
  try {
    const [status, subs, topics, adapters, dead] = await Promise.all([api('/api/status'),
      api('/api/subscriptions'), api('/api/topics'), api('/api/adapters'), api('/api/dead-letters?count=50')]);
    drawHeader(status, now);
    drawFlow(topics.topics, subs.subscriptions, adapters.adapters, now);
    drawSubs(subs.subscriptions, now);
    drawDead(dead.dead_letters);
    await drawSubView();
    document.body.setAttribute('data-rendered', String(now));
  } catch (e) {
    const state = document.getElementById('hub-state');
    state.textContent = 'hub unreachable: ' + e.message;
    state.className = 'badge bad';
  }
}

function route() {
  const m = location.hash.match(/^#\/sub\/(.+)$/);
  selected = m ? decodeURIComponent(m[1]) : null;
  refresh();
}

document.querySelector('#sub-view .close').addEventListener('click', e => {
  e.preventDefault();
  location.hash = '';
});
window.addEventListener('hashchange', route);
route();
setInterval(refresh, POLL_MS);
