// DOM helpers. Every value from the API reaches the page through text nodes (Node.append with a
// string, or textContent): never innerHTML, so an order's `<script>` or `<img onerror>` is shown as text.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setProps(node, props) {
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'class') node.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (name === 'on') for (const [type, handler] of Object.entries(value)) node.addEventListener(type, handler);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (/^on/i.test(name) || name === 'style') throw new Error(`el(): ${name} is not allowed (use on: {...} or classes)`);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
}

function appendAll(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

/** An HTML element: el('p', {class: 'x'}, 'text', otherNode). Strings become text nodes. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  setProps(node, props);
  appendAll(node, children);
  return node;
}

/** An SVG element, built with createElementNS. */
export function svg(tag, props = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setProps(node, props);
  appendAll(node, children);
  return node;
}

/** Replace a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  appendAll(node, children);
  return node;
}

export function show(node, visible = true) {
  node.hidden = !visible;
}

let uid = 0;
/** A page-unique id for label/aria wiring. */
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form control: returns [wrapper, input]. */
export function field(labelText, tag, props = {}, ...children) {
  const { hint, ...rest } = props;
  const id = rest.id || nextId('f');
  const hintId = hint ? `${id}-hint` : null;
  const control = el(tag, { ...rest, id, 'aria-describedby': hintId }, ...children);
  const wrapper = el('div', { class: 'field' }, el('label', { for: id }, labelText), control);
  if (hint) wrapper.append(el('small', { class: 'hint', id: hintId }, hint));
  return [wrapper, control];
}

/** A table inside its own horizontally scrolling, keyboard-focusable region. */
export function table(caption, headers, rows, { className } = {}) {
  const captionId = nextId('cap');
  const head = el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h))));
  const body = el('tbody', {}, rows);
  const tableNode = el('table', { class: className }, el('caption', { id: captionId }, caption), head, body);
  return el('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': captionId }, tableNode);
}

export function row(...cells) {
  return el('tr', {}, cells.map((c) => (c instanceof Node && c.nodeName === 'TD' ? c : el('td', {}, c))));
}

// ---- formatting (everything as text) ----

const decimalsCache = new Map();

/** The minor-unit decimals of a currency (2 when the browser does not know it). */
export function currencyDecimals(currency) {
  const code = currency || 'USD';
  if (!decimalsCache.has(code)) {
    let decimals = 2;
    try {
      decimals = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits;
    } catch {
      decimals = 2;
    }
    decimalsCache.set(code, decimals);
  }
  return decimalsCache.get(code);
}

export function fmtMoney(amount, currency) {
  if (amount === null || amount === undefined || amount === '') return '—';
  const value = Number(amount);
  if (!Number.isFinite(value)) return String(amount);
  const code = currency || 'USD';
  const decimals = currencyDecimals(code);
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: code, currencyDisplay: 'code', minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(value);
  } catch {
    return `${value.toFixed(decimals)} ${code}`;
  }
}

/** ISO time as `YYYY-MM-DD HH:MM:SS UTC` (the console shows every time in UTC). */
export function fmtTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A JSON value as one short line of text. */
export function fmtValue(value) {
  if (value === undefined) return '(none)';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 297)}…` : text;
}

export function plain(value) {
  return value === null || value === undefined || value === '' ? '—' : String(value);
}

/** A link only for http(s) URLs from data; anything else is shown as text. */
export function safeLink(url, text) {
  if (typeof url !== 'string' || !url) return plain(text ?? url);
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') {
      return el('a', { href: parsed.href, rel: 'noopener noreferrer nofollow', target: '_blank' }, text ?? url);
    }
  } catch {
    // not a URL: text
  }
  return String(text ?? url);
}

export function badge(kind, text) {
  return el('span', { class: ['badge', `badge-${kind}`] }, text);
}

export function slug(text) {
  return String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
