// Find: the tenant's orders newest first, paged; search by number, PO number, status and total range
// (POST .../search), by customer (GET .../customer/{type}/{id}) or coupon (GET .../coupon/{type}/{id});
// open by id or guest token; and the activity chart above it all.

import { ApiError, call, query, seg } from './api.js';
import { drawChart, legend, loadActivity, numbers, summaryText, WINDOWS } from './chart.js';
import { el, field, fill, fmtMoney, fmtTime, plain, row, table } from './dom.js';
import { problemNode } from './actions.js';
import { statusBadge } from './order.js';

const PAGE = 25;
/** Top-level fields the list rows carry: a page naming only these is answered from the index rows. */
const LIST_FIELDS = 'number,date,status,total,currency_code,purchase_order_number,bill_to_type,bill_to_contact_id,bill_to_organization_id';
export const STATUSES = ['awaiting payment', 'paid', 'partially fulfilled', 'fulfilled', 'partially refunded', 'refunded', 'cancelled', 'voided', 'closed'];

export const orderHref = (id) => `#order/${encodeURIComponent(id)}`;

function customerOf(order) {
  const id = order.bill_to_contact_id || order.bill_to_organization_id;
  return id ? `${plain(order.bill_to_type)} ${id}` : '—';
}

function resultsTable(items, caption) {
  const rows = items.map((order) => row(
    el('a', { href: orderHref(order.id), class: 'order-link' }, `#${plain(order.number)}`),
    fmtTime(order.date),
    statusBadge(order.status),
    fmtMoney(order.total, order.currency_code),
    plain(order.purchase_order_number),
    customerOf(order),
  ));
  return table(caption, ['Number', 'Date', 'Status', 'Total', 'PO number', 'Bill-to'], rows, { className: 'results' });
}

/** The search form's values as a query: {label, fetch(token)}; throws an Error a person can read. */
export function buildQuery(tenant, v) {
  const general = v.number || v.po || v.status || v.low || v.high;
  const groups = [general, v.customerId, v.couponId].filter(Boolean).length;
  if (groups > 1) throw new Error('Search by the order fields, by customer, or by coupon: one at a time.');
  const t = seg(tenant);
  const page = (token) => query({ limit: PAGE, fields: LIST_FIELDS, exclusiveStartKey: token });
  if (v.customerId) {
    return { label: `Orders of ${v.customerType} ${v.customerId} (bill-to or ship-to)`, fetch: (token) => call('GET', `/orders/${t}/customer/${seg(v.customerType)}/${seg(v.customerId)}${page(token)}`) };
  }
  if (v.couponId) {
    if (!v.couponType) throw new Error('Enter the coupon type as well as its id.');
    return { label: `Orders that used coupon ${v.couponType} ${v.couponId}`, fetch: (token) => call('GET', `/orders/${t}/coupon/${seg(v.couponType)}/${seg(v.couponId)}${page(token)}`) };
  }
  if (!general) return { label: 'Newest orders', fetch: (token) => call('GET', `/orders/${t}${page(token)}`) };
  const body = {};
  const said = [];
  if (v.number) {
    const number = Number(v.number);
    if (!Number.isInteger(number) || number < 1) throw new Error('An order number is a whole number from 1.');
    body.number = [number, number];
    said.push(`number ${number}`);
  }
  if (v.po) {
    body.purchase_order_number = [v.po];
    said.push(`PO number ${v.po}`);
  }
  if (v.status) {
    body.status = [v.status];
    said.push(`status ${v.status}`);
  }
  if (v.low || v.high) {
    const low = v.low ? Number(v.low) : null;
    const high = v.high ? Number(v.high) : null;
    if ((low !== null && !Number.isFinite(low)) || (high !== null && !Number.isFinite(high))) throw new Error('A total is a number, e.g. 10.50.');
    body.total = [low, high];
    said.push(`total ${v.low || '…'} to ${v.high || '…'}`);
  }
  return { label: `Orders with ${said.join(', ')}`, fetch: (token) => call('POST', `/orders/${t}/search${page(token)}`, { body }) };
}

function chartSection(tenant) {
  const select = el('select', { id: 'chart-window' }, Object.entries(WINDOWS).map(([k, w]) => el('option', { value: k }, w.label)));
  const refresh = el('button', { type: 'button' }, 'Refresh');
  const area = el('div', { class: 'chart-area', 'aria-live': 'polite' });
  let activity = null;
  const draw = () => {
    if (!activity) return;
    const width = area.clientWidth || 600;
    fill(area, el('p', { class: 'chart-summary' }, summaryText(activity)), drawChart(activity, width), legend(activity), numbers(activity));
  };
  const load = async () => {
    fill(area, el('p', { class: 'working' }, 'Counting orders…'));
    try {
      activity = await loadActivity(tenant, select.value);
      draw();
    } catch (error) {
      activity = null;
      fill(area, problemNode(error));
    }
  };
  select.addEventListener('change', load);
  refresh.addEventListener('click', load);
  let lastWidth = 0;
  new ResizeObserver(() => {
    if (Math.abs(area.clientWidth - lastWidth) > 24) {
      lastWidth = area.clientWidth;
      draw();
    }
  }).observe(area);
  const section = el('section', { class: 'card', 'aria-labelledby': 'activity-h' },
    el('h2', { id: 'activity-h' }, 'Activity'),
    el('div', { class: 'inline-controls' }, el('label', { for: 'chart-window' }, 'Window'), select, refresh),
    area);
  return { section, load };
}

function openForm(tenant, message) {
  const [wrap, input] = field('Order id or guest token', 'input', { type: 'text', id: 'open-id', autocomplete: 'off', spellcheck: 'false', required: true, hint: 'A guest token may be given as is or as token-<token>.' });
  const form = el('form', { class: 'open-form', 'aria-label': 'Open an order', novalidate: true }, wrap, el('button', { type: 'submit' }, 'Open'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) {
      fill(message, el('p', { class: 'problem' }, 'Enter an order id or a guest token.'));
      input.focus();
      return;
    }
    fill(message, el('p', { class: 'working' }, 'Opening…'));
    const t = seg(tenant);
    try {
      let reply;
      try {
        reply = await call('GET', `/orders/${t}/${seg(value)}${query({ fields: 'number' })}`);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404 || value.startsWith('token-')) throw error;
        reply = await call('GET', `/orders/${t}/${seg(`token-${value}`)}${query({ fields: 'number' })}`);
      }
      fill(message);
      const target = orderHref(reply.data.id);
      if (window.location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
      else window.location.hash = target;
    } catch (error) {
      fill(message, problemNode(error));
    }
  });
  return form;
}

function searchForm(onQuery) {
  const [numberWrap, number] = field('Order number', 'input', { type: 'text', inputmode: 'numeric', id: 'search-number', autocomplete: 'off' });
  const [poWrap, po] = field('PO number', 'input', { type: 'text', id: 'search-po', autocomplete: 'off' });
  const [statusWrap, status] = field('Status', 'select', { id: 'search-status' }, el('option', { value: '' }, 'Any status'), STATUSES.map((s) => el('option', { value: s }, s)));
  const [lowWrap, low] = field('Total from', 'input', { type: 'text', inputmode: 'decimal', id: 'search-total-low', autocomplete: 'off' });
  const [highWrap, high] = field('Total to', 'input', { type: 'text', inputmode: 'decimal', id: 'search-total-high', autocomplete: 'off' });
  const [ctWrap, customerType] = field('Customer type', 'select', { id: 'search-customer-type' }, el('option', { value: 'contact' }, 'contact'), el('option', { value: 'organization' }, 'organization'));
  const [ciWrap, customerId] = field('Customer id', 'input', { type: 'text', id: 'search-customer-id', autocomplete: 'off' });
  const [cpWrap, couponType] = field('Coupon type', 'input', { type: 'text', id: 'search-coupon-type', autocomplete: 'off' });
  const [cidWrap, couponId] = field('Coupon id', 'input', { type: 'text', id: 'search-coupon-id', autocomplete: 'off' });
  const clear = el('button', { type: 'button' }, 'Show all orders');
  const form = el('form', { class: 'search-form', 'aria-label': 'Search orders', novalidate: true },
    el('fieldset', {}, el('legend', {}, 'By order fields'), el('div', { class: 'grid' }, numberWrap, poWrap, statusWrap, lowWrap, highWrap)),
    el('fieldset', {}, el('legend', {}, 'Or by customer'), el('div', { class: 'grid' }, ctWrap, ciWrap)),
    el('fieldset', {}, el('legend', {}, 'Or by coupon'), el('div', { class: 'grid' }, cpWrap, cidWrap)),
    el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'primary' }, 'Search'), clear));
  const values = () => ({
    number: number.value.trim(), po: po.value.trim(), status: status.value, low: low.value.trim(), high: high.value.trim(),
    customerType: customerType.value, customerId: customerId.value.trim(), couponType: couponType.value.trim(), couponId: couponId.value.trim(),
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onQuery(values());
  });
  clear.addEventListener('click', () => {
    form.reset();
    onQuery(values());
  });
  return form;
}

/** The find screen; returns {node, refresh()}. */
export function findScreen(tenant) {
  const chart = chartSection(tenant);
  const openMessage = el('div', { class: 'form-message', role: 'alert' });
  const heading = el('h2', { id: 'results-h' }, 'Newest orders');
  const results = el('div', { class: 'results-area' });
  const status = el('p', { class: 'results-status', role: 'status' });
  const previous = el('button', { type: 'button', disabled: true }, 'Previous page');
  const next = el('button', { type: 'button', disabled: true }, 'Next page');
  let current = null;
  let tokens = [null];
  let loads = 0;

  const load = async () => {
    const mine = ++loads;
    fill(status, 'Loading…');
    previous.disabled = true;
    next.disabled = true;
    try {
      const { data } = await current.fetch(tokens[tokens.length - 1]);
      if (mine !== loads) return; // a newer query or page was asked for meanwhile
      const items = data.Items || [];
      const pageNumber = tokens.length;
      fill(results, items.length ? resultsTable(items, `${current.label}, page ${pageNumber}`) : el('p', {}, 'No orders found.'));
      fill(status, `Page ${pageNumber}: ${items.length} order${items.length === 1 ? '' : 's'}${data.LastEvaluatedKey ? '; more on the next page' : ''}.`);
      previous.disabled = tokens.length < 2;
      next.disabled = !data.LastEvaluatedKey;
      current.nextToken = data.LastEvaluatedKey;
    } catch (error) {
      if (mine !== loads) return;
      fill(status);
      fill(results, problemNode(error));
      previous.disabled = tokens.length < 2;
    }
  };
  const run = (values) => {
    try {
      current = buildQuery(tenant, values);
    } catch (error) {
      loads += 1;
      fill(status);
      fill(results, el('div', { class: 'problem' }, el('p', {}, error.message)));
      return;
    }
    heading.textContent = current.label;
    tokens = [null];
    load();
  };
  next.addEventListener('click', () => {
    if (!current?.nextToken) return;
    tokens.push(current.nextToken);
    load();
  });
  previous.addEventListener('click', () => {
    if (tokens.length < 2) return;
    tokens.pop();
    load();
  });

  const node = el('div', {},
    el('h1', { tabindex: '-1', id: 'find-title' }, 'Orders'),
    chart.section,
    el('section', { class: 'card', 'aria-labelledby': 'find-h' }, el('h2', { id: 'find-h' }, 'Find an order'),
      openForm(tenant, openMessage), openMessage, searchForm(run)),
    el('section', { class: 'card', 'aria-labelledby': 'results-h' }, heading, status, results,
      el('div', { class: 'pager' }, previous, next)));
  run({});
  chart.load();
  return { node, reloadResults: () => (current ? load() : undefined) };
}
