// Actions on an order, each in a modal <dialog> (focus stays inside, Escape closes). Every submission
// sends an Idempotency-Key made once per dialog and request (a double click, or a retry after an
// error, re-sends the SAME key and does one thing) and the order's ETag as If-Match (a stale page gets
// a clear "reload" message instead of overwriting). The submit button is disabled while in flight.

import { call, describe, newIdempotencyKey, query, seg } from './api.js';
import { el, field, fill, nextId, plain } from './dom.js';
import { isRefundLine, openUnits } from './order.js';

/** A problem as a message block; a conflict gets a reload button. */
export function problemNode(error, onReload) {
  const info = describe(error);
  const box = el('div', { class: ['problem', error?.isConflict && 'conflict'] },
    el('p', { class: 'problem-title' }, el('strong', {}, info.title)),
    info.detail ? el('p', {}, info.detail) : null,
    info.fields.length ? el('ul', {}, info.fields.map((f) => el('li', {}, f))) : null);
  if (error?.isConflict && onReload) box.append(el('button', { type: 'button', class: 'primary', on: { click: onReload } }, 'Reload the order'));
  return box;
}

function shell(title, submitText, intro) {
  const titleId = nextId('dialog-title');
  const opener = document.activeElement;
  const message = el('div', { class: 'dialog-message', role: 'alert' });
  const body = el('div', { class: 'dialog-body' });
  const submit = el('button', { type: 'submit', class: 'primary' }, submitText);
  const dialog = el('dialog', { class: 'action-dialog', 'aria-labelledby': titleId });
  const close = el('button', { type: 'button', on: { click: () => dialog.close() } }, 'Close');
  const form = el('form', { novalidate: true }, body, message, el('div', { class: 'dialog-buttons' }, submit, close));
  dialog.append(el('h2', { id: titleId }, title), intro ? el('p', {}, intro) : null, form);
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, form, body, message, submit };
}

/** Submit handling shared by every action: one key per (dialog, request), button disabled in flight. */
function wire(parts, ctx, build) {
  let key = null;
  let keyedRequest = null;
  let inFlight = false;
  parts.form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (inFlight) return;
    let request;
    try {
      request = build();
    } catch (error) {
      fill(parts.message, el('div', { class: 'problem' }, el('p', {}, error.message)));
      return;
    }
    const fingerprint = `${request.method} ${request.path} ${JSON.stringify(request.body ?? null)}`;
    if (fingerprint !== keyedRequest) {
      key = newIdempotencyKey();
      keyedRequest = fingerprint;
    }
    inFlight = true;
    parts.submit.disabled = true;
    parts.submit.setAttribute('aria-busy', 'true');
    fill(parts.message, el('p', { class: 'working' }, 'Working…'));
    const headers = { 'Idempotency-Key': key };
    const ifMatch = request.ifMatch === undefined ? ctx.etag : request.ifMatch;
    if (ifMatch) headers['If-Match'] = ifMatch;
    try {
      const reply = await call(request.method, request.path, { body: request.body, headers });
      parts.dialog.close();
      ctx.afterChange(request.done, reply);
    } catch (error) {
      fill(parts.message, problemNode(error, () => {
        parts.dialog.close();
        ctx.reload();
      }));
    } finally {
      inFlight = false;
      parts.submit.disabled = false;
      parts.submit.removeAttribute('aria-busy');
    }
  });
}

const orderPath = (ctx, tail) => `/orders/${seg(ctx.tenant)}/${seg(ctx.order.id)}${tail}`;
const lineName = (line) => `Line ${line.line_number}: ${plain(line.description || line.sku)}`;

function units(input, max, label) {
  const text = input.value.trim();
  const value = text === '' ? 0 : Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max) throw new Error(`${label}: enter a whole number from 0 to ${max}.`);
  return value;
}

function nothingTo(parts, text) {
  fill(parts.body, el('p', {}, text));
  parts.submit.hidden = true;
}

export function fulfilDialog(ctx) {
  const parts = shell(`Fulfil order ${ctx.order.number}`, 'Fulfil', 'Choose how many units of each line to fulfil; leave every line at its open units and no tracking to fulfil everything.');
  const lines = (ctx.order.line_items || []).filter((l) => openUnits(l) > 0);
  if (!lines.length) return nothingTo(parts, 'Nothing is open to fulfil.');
  const inputs = lines.map((line) => {
    const open = openUnits(line);
    const [wrap, input] = field(`${lineName(line)} — units to fulfil (${open} open)`, 'input', { type: 'number', min: 0, max: open, step: 1, value: open, inputmode: 'numeric', dataset: { line: line.line_number } });
    return { line, open, wrap, input };
  });
  const [companyWrap, company] = field('Tracking company', 'input', { type: 'text', autocomplete: 'off' });
  const [numberWrap, number] = field('Tracking number', 'input', { type: 'text', autocomplete: 'off' });
  const [urlWrap, url] = field('Tracking URL', 'input', { type: 'url', autocomplete: 'off', hint: 'https://…' });
  fill(parts.body, el('fieldset', {}, el('legend', {}, 'Units'), inputs.map((i) => i.wrap)),
    el('fieldset', {}, el('legend', {}, 'Tracking (optional)'), companyWrap, numberWrap, urlWrap));
  wire(parts, ctx, () => {
    const items = [];
    let everything = true;
    for (const { line, open, input } of inputs) {
      const quantity = units(input, open, lineName(line));
      if (quantity !== open) everything = false;
      if (quantity > 0) items.push({ order_line_item_id: line.order_line_item_id, quantity });
    }
    if (!items.length) throw new Error('Choose at least one unit to fulfil.');
    const tracking = {};
    if (company.value.trim()) tracking.tracking_company = company.value.trim();
    if (number.value.trim()) tracking.tracking_number = number.value.trim();
    if (url.value.trim()) tracking.tracking_url = url.value.trim();
    const body = everything && !Object.keys(tracking).length ? undefined : { items, ...tracking };
    return { method: 'POST', path: orderPath(ctx, '/fulfill'), body, done: 'Fulfilled' };
  });
  return parts;
}

export function cancelDialog(ctx) {
  const parts = shell(`Cancel lines of order ${ctx.order.number}`, 'Cancel these units', 'Cancel units not yet fulfilled (fulfilled units are refunded instead).');
  const lines = (ctx.order.line_items || []).filter((l) => openUnits(l) > 0);
  if (!lines.length) return nothingTo(parts, 'No line has units left to cancel.');
  const inputs = lines.map((line) => {
    const open = Math.min(openUnits(line), line.quantity_available_for_cancellation ?? openUnits(line));
    const [wrap, input] = field(`${lineName(line)} — units to cancel (${open} open)`, 'input', { type: 'number', min: 0, max: open, step: 1, value: 0, inputmode: 'numeric', dataset: { line: line.line_number } });
    return { line, open, wrap, input };
  });
  const [reasonWrap, reason] = field('Reason (optional)', 'input', { type: 'text', autocomplete: 'off' });
  fill(parts.body, el('fieldset', {}, el('legend', {}, 'Units'), inputs.map((i) => i.wrap)), reasonWrap);
  wire(parts, ctx, () => {
    const items = [];
    for (const { line, open, input } of inputs) {
      const quantity = units(input, open, lineName(line));
      if (quantity > 0) items.push({ order_line_item_id: line.order_line_item_id, quantity });
    }
    if (!items.length) throw new Error('Choose at least one unit to cancel.');
    const body = { items };
    if (reason.value.trim()) body.reason = reason.value.trim();
    return { method: 'POST', path: orderPath(ctx, '/cancel'), body, done: 'Cancelled' };
  });
  return parts;
}

export async function refundDialog(ctx) {
  const parts = shell(`Refund lines of order ${ctx.order.number}`, 'Refund', 'A refunded line is refunded whole: every fulfilled unit not yet refunded.');
  parts.submit.disabled = true;
  fill(parts.body, el('p', {}, 'Loading what can be refunded…'));
  let reasons;
  let check;
  try {
    [reasons, check] = await Promise.all([
      call('GET', `/orders/${seg(ctx.tenant)}/refund-reasons`),
      call('GET', orderPath(ctx, '/will-call-check')),
    ]);
  } catch (error) {
    fill(parts.body);
    fill(parts.message, problemNode(error));
    return parts;
  }
  parts.submit.disabled = false;
  const byNumber = new Map((ctx.order.line_items || []).filter((l) => !isRefundLine(l)).map((l) => [l.line_number, l]));
  const boxes = [];
  const items = (check.data.line_items || []).map((c) => {
    const line = byNumber.get(c.line_number) || { line_number: c.line_number };
    const id = nextId('refund-line');
    const box = el('input', { type: 'checkbox', id, value: c.line_number, disabled: !c.refundable, 'aria-describedby': c.refundable ? null : `${id}-why` });
    if (c.refundable) boxes.push(box);
    return el('div', { class: 'check' }, box, el('label', { for: id }, lineName(line)),
      c.refundable ? null : el('small', { class: 'hint', id: `${id}-why` }, plain(c.non_refundable_reason)));
  });
  const options = (reasons.data.refund_reasons || []).map((r) => el('option', { value: r.name }, `${plain(r.description)} (${plain(r.name)})`));
  const [reasonWrap, reason] = field('Refund reason', 'select', { required: true }, el('option', { value: '' }, 'Choose a reason…'), options);
  fill(parts.body, el('fieldset', {}, el('legend', {}, 'Lines'), items.length ? items : el('p', {}, 'No lines.')), reasonWrap);
  if (!boxes.length) {
    parts.body.append(el('p', {}, 'No line can be refunded now.'));
    parts.submit.hidden = true;
  }
  wire(parts, ctx, () => {
    const lineNumbers = boxes.filter((b) => b.checked).map((b) => Number(b.value));
    if (!lineNumbers.length) throw new Error('Choose at least one line to refund.');
    if (!reason.value) throw new Error('Choose a refund reason.');
    return { method: 'POST', path: orderPath(ctx, '/refunds'), body: { refund_reason_name: reason.value, line_numbers: lineNumbers }, done: 'Refunded' };
  });
  return parts;
}

export function pickupDialog(ctx, fulfillment) {
  const parts = shell('Record will-call pickup', 'Record pickup', `The customer picked up what fulfillment ${fulfillment.id} fulfilled. A pickup cannot be taken back.`);
  fill(parts.body);
  wire(parts, ctx, () => ({
    method: 'PATCH',
    path: `/orders/${seg(ctx.tenant)}/fulfillments/${seg(fulfillment.id)}`,
    body: { picked_up: true },
    // A fulfillment's PATCH compares If-Match with the fulfillment's own version (its ETag).
    ifMatch: fulfillment.sys_version === undefined || fulfillment.sys_version === null ? null : `"${fulfillment.sys_version}"`,
    done: 'Pickup recorded',
  }));
  return parts;
}

export function adminDialog(ctx, kind) {
  const texts = {
    void: ['Void', 'Voiding annuls the order: open units are cancelled, every payment is voided, and nothing further may change.'],
    close: ['Close', 'Closing settles the order: only refunds may change it afterwards.'],
  };
  const [verb, intro] = texts[kind];
  const parts = shell(`${verb} order ${ctx.order.number}`, `${verb} the order`, intro);
  fill(parts.body);
  wire(parts, ctx, () => ({ method: 'POST', path: `/orders/${seg(ctx.tenant)}/${kind}/${seg(ctx.order.id)}${query({})}`, body: undefined, done: kind === 'void' ? 'Voided' : 'Closed' }));
  return parts;
}
