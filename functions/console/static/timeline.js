// An order's history as a timeline (`GET .../history`, oldest first, paged with `after`). Choosing a
// version (a click, or the slider) shows the order as it was then (`?asOf=<the entry's at>`) and a
// diff against the version before (`?asOf=<the previous entry's at>`), computed here.

import { call, callPatiently, query, seg } from './api.js';
import { badge, el, fmtTime, fmtValue, nextId, plain, row, table } from './dom.js';
import { diff } from './diff.js';
import { problemNode } from './actions.js';
import { linesSection, summarySection } from './order.js';

const MAX_PAGES = 20;
const SHOWN_FIELDS = 6;

/** Every version (up to MAX_PAGES pages of 100). */
export async function loadHistory(tenant, id) {
  const entries = [];
  let after = null;
  let pages = 0;
  do {
    const { data } = await call('GET', `/orders/${seg(tenant)}/${seg(id)}/history${query({ limit: 100, after })}`);
    entries.push(...(data.Items || []));
    after = data.LastEvaluatedKey;
    pages += 1;
  } while (after && pages < MAX_PAGES);
  return { entries, more: Boolean(after) };
}

function who(by, keyId) {
  if (!by) return 'by an unknown key';
  return by === keyId ? `by ${by} (this key)` : `by ${by}`;
}

function changedList(fields) {
  const list = fields || [];
  if (!list.length) return el('p', { class: 'changed' }, 'No field changes recorded.');
  const shown = list.slice(0, SHOWN_FIELDS).map((f) => el('li', {}, f === '' ? 'the whole order' : el('code', {}, f)));
  if (list.length > SHOWN_FIELDS) shown.push(el('li', {}, `and ${list.length - SHOWN_FIELDS} more`));
  return el('ul', { class: 'changed', 'aria-label': 'Changed fields' }, shown);
}

/**
 * The timeline: a slider and a list of versions, each a button. `onSelect(index, byClick)` is called on a choice.
 * Returns {node, select(index)} so the caller can mark the chosen version.
 */
export function timeline(history, { keyId, onSelect }) {
  const { entries, more } = history;
  const items = entries.map((entry, index) => {
    const button = el('button', { type: 'button', class: 'version', dataset: { version: entry.sys_version }, on: { click: () => onSelect(index, true) } },
      el('span', { class: 'version-number' }, `v${entry.sys_version}`), ' ',
      badge('event', plain(entry.event)), ' ',
      el('time', { datetime: plain(entry.at) }, fmtTime(entry.at)), ' ',
      el('span', { class: 'who' }, who(entry.by, keyId)));
    return el('li', {}, button, changedList(entry.changed_fields));
  });
  const sliderId = nextId('version-slider');
  const output = el('output', { for: sliderId, class: 'slider-value' });
  const slider = el('input', { type: 'range', id: sliderId, min: 0, max: Math.max(0, entries.length - 1), step: 1, value: Math.max(0, entries.length - 1), disabled: entries.length < 2 });
  const label = (index) => (entries[index] ? `v${entries[index].sys_version} — ${fmtTime(entries[index].at)}` : '');
  output.textContent = label(entries.length - 1);
  slider.addEventListener('input', () => { output.textContent = label(Number(slider.value)); });
  slider.addEventListener('change', () => onSelect(Number(slider.value), false));
  const list = el('ol', { class: 'timeline' }, items);
  const node = el('div', { class: 'timeline-wrap' },
    el('p', {}, `${entries.length} version${entries.length === 1 ? '' : 's'}, oldest first${more ? ' (the newest are not all loaded)' : ''}. Choose one to see the order as it was then and what changed.`),
    entries.length ? el('div', { class: 'field slider' }, el('label', { for: sliderId }, 'Version'), slider, output) : el('p', {}, 'No history yet: it follows a change within a second or so.'),
    list);
  const select = (index) => {
    slider.value = String(index);
    output.textContent = label(index);
    list.querySelectorAll('button.version').forEach((b, i) => {
      if (i === index) b.setAttribute('aria-current', 'step');
      else b.removeAttribute('aria-current');
    });
  };
  return { node, select };
}

function asOf(tenant, id, at) {
  return callPatiently('GET', `/orders/${seg(tenant)}/${seg(id)}${query({ asOf: at })}`);
}

function diffTable(changes, from, to) {
  const rows = changes.map((c) => row(el('code', {}, c.path), badge(c.kind, c.kind), el('code', { class: 'old' }, fmtValue(c.before)), el('code', { class: 'new' }, fmtValue(c.after))));
  return table(`${changes.length} change${changes.length === 1 ? '' : 's'} from v${from} to v${to}`, ['Field', 'Change', 'Before', 'After'], rows, { className: 'diff' });
}

/** The order as it was at entries[index], with the diff against the version before: {node, heading}. */
export async function versionView({ tenant, id, entries, index, keyId }) {
  const entry = entries[index];
  const previous = index > 0 ? entries[index - 1] : null;
  const heading = el('h3', { tabindex: '-1' }, `Version ${entry.sys_version}, as it was at ${fmtTime(entry.at)}`);
  const node = el('div', { class: 'version-view', dataset: { version: entry.sys_version } }, heading);
  try {
    const [then, before] = await Promise.all([asOf(tenant, id, entry.at), previous ? asOf(tenant, id, previous.at) : null]);
    const order = then.data;
    node.append(el('p', {}, `${plain(entry.event)} ${who(entry.by, keyId)}.`));
    if (order.sys_version !== entry.sys_version) node.append(el('p', { class: 'note' }, `The API answered version ${order.sys_version} for that moment.`));
    if (before) {
      const changes = diff(before.data, order);
      node.append(el('h4', {}, `What changed since v${before.data.sys_version}`),
        changes.length ? diffTable(changes, before.data.sys_version, order.sys_version) : el('p', {}, 'No differences.'));
    } else {
      node.append(el('p', {}, 'The first version: the order as it was created.'));
    }
    node.append(summarySection(order, `Summary at v${order.sys_version}`, 4), linesSection(order, `Lines at v${order.sys_version}`, 4));
  } catch (error) {
    node.append(problemNode(error));
  }
  return { node, heading };
}
