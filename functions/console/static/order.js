// An order as sections: summary, lines (with each line's state at a glance), fulfillments, payments,
// refunds, vouchers. Used for the current order and for the order as it was at a history version.

import { badge, el, fmtMoney, fmtTime, plain, row, safeLink, slug, table } from './dom.js';

const STATUS_KIND = {
  'awaiting payment': 'open', paid: 'open', 'partially fulfilled': 'partial', fulfilled: 'shipped',
  'partially refunded': 'partial', refunded: 'refunded', cancelled: 'cancelled', voided: 'cancelled', closed: 'closed',
};

export function statusBadge(status) {
  return badge(STATUS_KIND[status] || 'neutral', plain(status));
}

export const isRefundLine = (line) => Boolean(line.parent_line_item_id);

/** Units of a goods line neither shipped nor cancelled. */
export function openUnits(line) {
  if (isRefundLine(line)) return 0;
  return Math.max(0, (line.quantity || 0) - (line.quantity_shipped || 0) - (line.quantity_cancelled || 0));
}

/** A line's state at a glance: [{kind, text}] for each of open / shipped / cancelled / refunded it has units in. */
export function lineGlance(line) {
  if (isRefundLine(line)) return [{ kind: 'refunded', text: 'refund line' }];
  const shipped = line.quantity_shipped || 0;
  const returned = line.quantity_returned || 0;
  const parts = [];
  const open = openUnits(line);
  if (open > 0) parts.push({ kind: 'open', text: `${open} open` });
  if (shipped - returned > 0) parts.push({ kind: 'shipped', text: `${shipped - returned} shipped` });
  if (line.quantity_cancelled) parts.push({ kind: 'cancelled', text: `${line.quantity_cancelled} cancelled` });
  if (returned > 0) parts.push({ kind: 'refunded', text: `${returned} refunded` });
  return parts.length ? parts : [{ kind: 'neutral', text: plain(line.status) }];
}

function glanceCell(line) {
  const parts = lineGlance(line);
  return el('td', { class: 'glance', dataset: { glance: parts.map((p) => p.kind).join(' ') } },
    parts.flatMap((p, i) => (i ? [' ', badge(p.kind, p.text)] : [badge(p.kind, p.text)])));
}

function party(order, side) {
  const type = order[`${side}_type`];
  const id = order[`${side}_contact_id`] || order[`${side}_organization_id`];
  if (!type && !id) return '—';
  return `${plain(type)} ${plain(id)}`;
}

function definitions(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined).map(([term, value]) => el('div', {}, el('dt', {}, term), el('dd', {}, value))));
}

export function summarySection(order, heading = 'Summary', level = 2) {
  const c = order.currency_code;
  return el('section', { class: 'card', 'aria-label': heading },
    el(`h${level}`, {}, heading),
    definitions([
      ['Status', statusBadge(order.status)],
      ['Order id', el('code', {}, plain(order.id))],
      ['Number', plain(order.number)],
      ['Date', fmtTime(order.date)],
      ['Total', fmtMoney(order.total, c)],
      ['Subtotal', fmtMoney(order.subtotal, c)],
      ['Discounts', fmtMoney(order.discounts, c)],
      ['Taxes', fmtMoney(order.taxes, c)],
      ['Shipping', fmtMoney(order.shipping_charges, c)],
      ['Paid', fmtMoney(order.amount_paid, c)],
      ['Pending capture', fmtMoney(order.amount_pending_capture, c)],
      ['Refunded', fmtMoney(order.amount_refunded, c)],
      ['Balance due', fmtMoney(order.balance_due, c)],
      ['PO number', plain(order.purchase_order_number)],
      ['Bill-to', party(order, 'bill_to')],
      ['Ship-to', party(order, 'ship_to')],
      ['Ship-to name', plain(order.ship_to_name)],
      ['Shipping status', plain(order.sys_shippable_status)],
      ['Memo', plain(order.memo)],
      ['Special instructions', plain(order.special_instructions)],
      ['Version', plain(order.sys_version)],
      ['Created', fmtTime(order.sys_created_at)],
      ['Last changed', `${fmtTime(order.sys_last_modified_at)} by ${plain(order.sys_last_modified_by_id)}`],
    ]));
}

export function linesSection(order, heading = 'Lines', level = 2) {
  const c = order.currency_code;
  const goods = (order.line_items || []).filter((l) => !isRefundLine(l));
  const rows = goods.map((line) => {
    const tr = row(
      String(line.line_number),
      plain(line.description),
      plain(line.sku),
      String(line.quantity),
      fmtMoney(line.unit_price, c),
      fmtMoney(line.total, c),
      glanceCell(line),
      plain(line.status),
    );
    tr.dataset.line = String(line.line_number);
    return tr;
  });
  return el('section', { class: 'card', 'aria-label': heading }, el(`h${level}`, {}, heading),
    table(`${goods.length} line${goods.length === 1 ? '' : 's'}`, ['#', 'Description', 'SKU', 'Qty', 'Unit price', 'Total', 'At a glance', 'Status'], rows, { className: 'lines' }));
}

export function paymentsSection(order) {
  const payments = order.payments || [];
  const c = order.currency_code;
  const rows = payments.map((p) => row(el('code', {}, plain(p.payment_id)), plain(p.type), fmtMoney(p.amount, c), badge(slug(p.status || 'neutral'), plain(p.status)), fmtTime(p.date)));
  return el('section', { class: 'card', 'aria-label': 'Payments' }, el('h2', {}, 'Payments'),
    payments.length ? table(`${payments.length} payment entr${payments.length === 1 ? 'y' : 'ies'}`, ['Payment', 'Type', 'Amount', 'Status', 'Date'], rows) : el('p', {}, 'No payments.'));
}

export function refundsSection(order) {
  const c = order.currency_code;
  const lines = (order.line_items || []).filter(isRefundLine);
  const parents = new Map((order.line_items || []).map((l) => [l.order_line_item_id, l.line_number]));
  const refundRows = lines.map((l) => row(String(l.line_number), plain(parents.get(l.parent_line_item_id) ?? l.parent_line_item_id), plain(l.description), String(l.quantity), fmtMoney(l.total, c), plain(l.refund_reason_name), fmtTime(l.refund_date)));
  const paid = order.refunded_payments || [];
  const paidRows = paid.map((r) => row(el('code', {}, plain(r.refund_payment_id)), el('code', {}, plain(r.payment_id)), fmtMoney(r.amount, c), (r.line_numbers || []).join(', '), fmtTime(r.date)));
  const section = el('section', { class: 'card', 'aria-label': 'Refunds' }, el('h2', {}, 'Refunds'));
  if (!lines.length && !paid.length) section.append(el('p', {}, 'No refunds.'));
  if (lines.length) section.append(table(`${lines.length} refund line${lines.length === 1 ? '' : 's'}`, ['#', 'Of line', 'Description', 'Qty', 'Total', 'Reason', 'Date'], refundRows, { className: 'refund-lines' }));
  if (paid.length) section.append(table('Refunded payments', ['Refund payment', 'Of payment', 'Amount', 'Lines', 'Date'], paidRows));
  return section;
}

export function vouchersSection(order) {
  const rows = [];
  for (const line of order.line_items || []) {
    for (const v of line.vouchers || []) rows.push(row(String(line.line_number), el('code', {}, plain(v.code)), badge(slug(v.status || 'neutral'), plain(v.status))));
  }
  return el('section', { class: 'card', 'aria-label': 'Vouchers' }, el('h2', {}, 'Vouchers'),
    rows.length ? table(`${rows.length} voucher${rows.length === 1 ? '' : 's'}`, ['Line', 'Code', 'Status'], rows) : el('p', {}, 'No vouchers.'));
}

/** Fulfillments (the Fulfillments resource's list for this order); `onPickup(f)` offers a pickup button. */
export function fulfillmentsSection(order, fulfillments, onPickup) {
  const numbers = new Map((order.line_items || []).map((l) => [l.order_line_item_id, l.line_number]));
  const rows = fulfillments.map((f) => {
    const items = (f.items || []).map((i) => {
      const parts = [`line ${plain(numbers.get(i.order_line_item_id) ?? i.order_line_item_id)}`];
      if (i.quantity) parts.push(`${i.quantity} shipped`);
      if (i.cancel_quantity) parts.push(`${i.cancel_quantity} cancelled`);
      return parts.join(': ');
    }).join('; ');
    const tracking = [plain(f.tracking_company), f.tracking_number ? safeLink(f.tracking_url, f.tracking_number) : '—'];
    const shipsSomething = (f.items || []).some((i) => i.quantity > 0);
    let pickup = f.picked_up ? badge('shipped', 'picked up') : 'no';
    if (!f.picked_up && shipsSomething && onPickup) {
      pickup = el('button', { type: 'button', class: 'small', on: { click: () => onPickup(f) } }, 'Record pickup');
    }
    return row(el('code', {}, plain(f.id)), fmtTime(f.created_time), el('span', {}, tracking[0], ' · ', tracking[1]), items || '—', pickup);
  });
  return el('section', { class: 'card', 'aria-label': 'Fulfillments' }, el('h2', {}, 'Fulfillments'),
    fulfillments.length ? table(`${fulfillments.length} fulfillment${fulfillments.length === 1 ? '' : 's'}`, ['Fulfillment', 'Created', 'Tracking', 'Items', 'Picked up'], rows, { className: 'fulfillments' }) : el('p', {}, 'No fulfillments.'));
}

/** A JSON document as readable, indented text. */
export function jsonBlock(value, label) {
  return el('pre', { class: 'json', tabindex: '0', 'aria-label': label }, JSON.stringify(value, null, 2));
}
