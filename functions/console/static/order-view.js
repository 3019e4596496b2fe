// The order screen: the order (lines, fulfillments, payments, refunds, vouchers), the actions the key's
// scopes and the order's state allow, its history as a timeline with versions and diffs, and the
// theatre and distribution views of the same order.

import { call, query, seg } from './api.js';
import { adminDialog, cancelDialog, fulfilDialog, pickupDialog, problemNode, refundDialog } from './actions.js';
import { el, fill, fmtTime, plain, sleep } from './dom.js';
import { fulfillmentsSection, jsonBlock, linesSection, openUnits, paymentsSection, refundsSection, statusBadge, summarySection, vouchersSection } from './order.js';
import { loadHistory, timeline, versionView } from './timeline.js';

const HISTORY_POLLS = 16;
const HISTORY_POLL_MS = 400;

function lazyDetails(summary, loader) {
  const body = el('div', { class: 'details-body' }, el('p', { class: 'working' }, 'Loading…'));
  const details = el('details', { class: 'view' }, el('summary', {}, summary), body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      fill(body, await loader());
    } catch (error) {
      loaded = false;
      fill(body, problemNode(error));
    }
  });
  return details;
}

/** The order screen inside `container`; returns {open(id)}. */
export function orderScreen(session, container) {
  const t = seg(session.tenant);
  const can = (scope) => session.scopes.has(scope);
  let loadToken = 0;
  let versionToken = 0;
  const view = { id: null, order: null, etag: null, fulfillments: [], history: null };
  const message = el('div', { class: 'order-message', 'aria-live': 'polite' });
  const fulfillmentsSlot = el('div');
  const historySlot = el('div', {}, el('p', { class: 'working' }, 'Loading history…'));
  const versionSlot = el('div', { class: 'version-slot' });
  let markVersion = () => {};

  const say = (text, kind = 'ok') => fill(message, el('p', { class: `say say-${kind}` }, text));
  const sayProblem = (error) => fill(message, el('div', { role: 'alert' }, problemNode(error, () => reload())));

  async function loadOrder() {
    const reply = await call('GET', `/orders/${t}/${seg(view.id)}${query({ consistentRead: 'true' })}`);
    view.order = reply.data;
    view.etag = reply.etag;
  }

  async function loadFulfillments() {
    try {
      const { data } = await call('GET', `/orders/${t}/fulfillments${query({ order_id: view.order.id, limit: 100 })}`);
      view.fulfillments = data.data || [];
      fill(fulfillmentsSlot, fulfillmentsSection(view.order, view.fulfillments, can('orders:write') ? (f) => pickupDialog(context(), f) : null));
    } catch (error) {
      fill(fulfillmentsSlot, el('section', { class: 'card' }, el('h2', {}, 'Fulfillments'), problemNode(error)));
    }
  }

  /** Load the history; with `waitFor`, poll until the version a change just wrote appears. */
  async function loadTimeline(waitFor = 0) {
    const mine = loadToken;
    try {
      let history = await loadHistory(session.tenant, view.order.id);
      for (let poll = 0; waitFor && lastVersion(history) < waitFor && poll < HISTORY_POLLS; poll += 1) {
        fill(historySlot, el('p', { class: 'working' }, `Waiting for the history to record v${waitFor}…`));
        await sleep(HISTORY_POLL_MS);
        history = await loadHistory(session.tenant, view.order.id);
      }
      if (mine !== loadToken) return;
      view.history = history;
      const shown = timeline(history, { keyId: session.keyId, onSelect: showVersion });
      markVersion = shown.select;
      fill(historySlot, shown.node);
      if (waitFor && lastVersion(history) < waitFor) historySlot.prepend(el('p', { class: 'note' }, `The history has not recorded v${waitFor} yet; reload in a moment.`));
    } catch (error) {
      if (mine === loadToken) fill(historySlot, problemNode(error));
    }
  }

  const lastVersion = (history) => history.entries.reduce((v, e) => Math.max(v, e.sys_version), 0);

  async function showVersion(index, byClick) {
    const mine = ++versionToken;
    markVersion(index);
    const entry = view.history.entries[index];
    fill(versionSlot, el('p', { class: 'working' }, `Loading v${entry.sys_version}…`));
    const { node, heading } = await versionView({ tenant: session.tenant, id: view.order.id, entries: view.history.entries, index, keyId: session.keyId });
    if (mine !== versionToken) return;
    fill(versionSlot, node);
    if (byClick) heading.focus();
  }

  function context() {
    return { tenant: session.tenant, order: view.order, etag: view.etag, afterChange, reload };
  }

  function actionButton(text, open) {
    return el('button', { type: 'button', 'aria-haspopup': 'dialog', on: { click: () => open(context()) } }, text);
  }

  function toolbar(order) {
    const links = order._links || {};
    const buttons = [];
    if (can('orders:write')) {
      if (links.fulfill) buttons.push(actionButton('Fulfil…', fulfilDialog));
      if (links.cancel) buttons.push(actionButton('Cancel lines…', cancelDialog));
      if (links.refunds) buttons.push(actionButton('Refund…', refundDialog));
    }
    if (can('orders:admin') && !['voided', 'closed'].includes(order.status)) {
      if (!(order.amount_refunded > 0)) buttons.push(actionButton('Void…', (ctx) => adminDialog(ctx, 'void')));
      // Close needs a settled order: nothing left open.
      if ((order.line_items || []).every((l) => openUnits(l) === 0)) buttons.push(actionButton('Close…', (ctx) => adminDialog(ctx, 'close')));
    }
    if (!can('orders:write') && !can('orders:admin')) return el('p', { class: 'note' }, 'This key may read orders only: no actions are offered.');
    if (!buttons.length) return el('p', { class: 'note' }, 'No action applies to this order now.');
    return el('div', { class: 'toolbar', role: 'group', 'aria-label': 'Actions' }, buttons);
  }

  function render() {
    const order = view.order;
    const title = el('h1', { tabindex: '-1', id: 'order-title' }, `Order #${plain(order.number)}`);
    const views = el('section', { class: 'card', 'aria-labelledby': 'views-h' }, el('h2', { id: 'views-h' }, 'Other views of this order'),
      lazyDetails('Theatre view (GET /v3/orders/{id})', async () => jsonBlock((await call('GET', `/v3/orders/${seg(order.id)}`)).data, 'Theatre view JSON')),
      lazyDetails('Distribution view (GET /distribution/orders/{id})', async () => jsonBlock((await call('GET', `/distribution/orders/${seg(order.id)}`, { accept: 'application/json' })).data, 'Distribution view JSON')),
      lazyDetails('This order as JSON', async () => jsonBlock(order, 'Order JSON')));
    fill(container,
      el('nav', { 'aria-label': 'Back' }, el('a', { href: '#orders', class: 'back' }, '← All orders')),
      el('div', { class: 'order-head' }, title, statusBadge(order.status)),
      el('p', { class: 'meta' }, el('code', {}, plain(order.id)), ` · version ${plain(order.sys_version)} · loaded ${fmtTime(new Date().toISOString())} `,
        el('button', { type: 'button', class: 'small', on: { click: () => reload() } }, 'Reload')),
      message,
      toolbar(order),
      el('div', { class: 'order-grid' },
        summarySection(order), linesSection(order), fulfillmentsSlot, paymentsSection(order), refundsSection(order), vouchersSection(order)),
      el('section', { class: 'card', 'aria-labelledby': 'history-h' }, el('h2', { id: 'history-h' }, 'History'), historySlot, versionSlot),
      views);
    return title;
  }

  async function reload(waitFor = 0) {
    loadToken += 1;
    const focusLost = () => !container.contains(document.activeElement) || document.activeElement === document.body;
    try {
      await loadOrder();
    } catch (error) {
      sayProblem(error);
      return;
    }
    fill(versionSlot);
    const title = render();
    if (!waitFor) say(`Reloaded: the order is at version ${plain(view.order.sys_version)}.`);
    if (focusLost()) title.focus();
    await Promise.all([loadFulfillments(), loadTimeline(waitFor)]);
  }

  async function afterChange(done, reply) {
    const version = reply?.data?.sys_version || 0;
    say(`${done}. Reloading the order…`);
    await reload(version);
    say(`${done}: the order is now at version ${plain(view.order.sys_version)}.`);
  }

  async function open(id) {
    const mine = ++loadToken;
    view.id = id;
    view.order = null;
    fill(message);
    fill(versionSlot);
    fill(historySlot, el('p', { class: 'working' }, 'Loading history…'));
    fill(fulfillmentsSlot);
    fill(container, el('h1', { tabindex: '-1' }, 'Loading the order…'));
    try {
      await loadOrder();
    } catch (error) {
      if (mine !== loadToken) return;
      const title = el('h1', { tabindex: '-1' }, 'The order could not be loaded');
      fill(container, el('nav', { 'aria-label': 'Back' }, el('a', { href: '#orders', class: 'back' }, '← All orders')), title, problemNode(error));
      title.focus();
      return;
    }
    if (mine !== loadToken) return;
    render().focus();
    await Promise.all([loadFulfillments(), loadTimeline(view.order.sys_version)]);
  }

  return { open };
}
