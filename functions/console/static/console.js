// The operator console's entry: the key, the session header, and the two screens (find, order) by the
// URL's fragment (`#orders`, `#order/<id>`; the key is never in it).

import { call, describe, forgetKey, storedKey, storeKey } from './api.js';
import { el, fill } from './dom.js';
import { findScreen } from './find.js';
import { orderScreen } from './order-view.js';

const $ = (id) => document.getElementById(id);
let session = null;
let find = null;
let order = null;

function showScreen(name) {
  for (const screen of ['key-screen', 'find-screen', 'order-screen']) $(screen).hidden = screen !== name;
}

function showKeyScreen(problem) {
  session = null;
  find = null;
  order = null;
  $('session').hidden = true;
  fill($('find-screen'));
  fill($('order-screen'));
  showScreen('key-screen');
  fill($('key-message'), problem ? el('div', { class: problem.kind === 'info' ? 'info' : 'problem' }, el('p', {}, el('strong', {}, problem.title)), problem.detail ? el('p', {}, problem.detail) : null) : null);
  const input = $('key-input');
  input.value = '';
  input.focus();
}

function showSession() {
  const scopes = [...session.scopes].sort().join(', ') || 'no scopes';
  fill($('who'), 'Tenant ', el('strong', {}, session.tenant), ' · key ', el('code', {}, session.keyId), ` · ${scopes}`);
  $('session').hidden = false;
}

async function useKey(key) {
  fill($('key-message'), el('p', { class: 'working' }, 'Checking the key…'));
  let reply;
  try {
    reply = await call('GET', '/keys/current', { key });
  } catch (error) {
    forgetKey();
    showKeyScreen(describe(error));
    return;
  }
  storeKey(key);
  session = { tenant: reply.data.tenant_id, keyId: reply.data.key_id, scopes: new Set(reply.data.scopes || []) };
  showSession();
  route();
}

function route() {
  if (!session) return;
  const hash = window.location.hash;
  if (hash.startsWith('#order/')) {
    let id;
    try {
      id = decodeURIComponent(hash.slice('#order/'.length));
    } catch {
      id = '';
    }
    if (id) {
      order = order || orderScreen(session, $('order-screen'));
      showScreen('order-screen');
      order.open(id);
      return;
    }
  }
  if (hash.startsWith('#order') || hash === '' || hash === '#' || hash === '#orders') {
    if (!find) {
      find = findScreen(session.tenant);
      fill($('find-screen'), find.node);
    }
    const back = !$('order-screen').hidden;
    showScreen('find-screen');
    if (back) {
      find.reloadResults();
      $('find-title')?.focus();
    }
  }
}

function start() {
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('key-input').value.trim();
    $('key-input').value = '';
    if (!key) {
      showKeyScreen({ title: 'Paste an API key first.', detail: '' });
      return;
    }
    useKey(key);
  });
  $('forget').addEventListener('click', () => {
    forgetKey();
    window.history.replaceState(null, '', window.location.pathname);
    showKeyScreen({ title: 'The key is forgotten.', detail: 'This tab no longer holds it. Paste a key to continue.', kind: 'info' });
  });
  window.addEventListener('hashchange', route);
  const key = storedKey();
  if (key) useKey(key);
  else showKeyScreen();
}

start();
