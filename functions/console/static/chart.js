// The tenant's orders and revenue over the last 24 hours (by hour) or 14 days (by day): read from the
// list route's cheap rows (`fields=date,total,currency_code`, answered from the index rows) and drawn as
// an SVG built with createElementNS. No library.

import { call, query, seg } from './api.js';
import { currencyDecimals, el, fmtMoney, row, svg, table } from './dom.js';

export const WINDOWS = {
  hours: { label: 'Last 24 hours, by hour', span: 'the last 24 hours', buckets: 24, step: 3600e3 },
  days: { label: 'Last 14 days, by day', span: 'the last 14 days', buckets: 14, step: 86400e3 },
};
/** At most this many list pages (of 100) are read for one chart; past it the totals say "at least". */
export const MAX_PAGES = 10;

function firstBucket(kind, now) {
  const date = new Date(now);
  if (kind === 'hours') date.setUTCMinutes(0, 0, 0);
  else date.setUTCHours(0, 0, 0, 0);
  const w = WINDOWS[kind];
  return date.getTime() - (w.buckets - 1) * w.step;
}

/** Read the list newest first until a page holds nothing inside the window (or MAX_PAGES). */
export async function loadActivity(tenant, kind, now = Date.now()) {
  const w = WINDOWS[kind];
  const start = firstBucket(kind, now);
  const end = start + w.buckets * w.step;
  const buckets = Array.from({ length: w.buckets }, (_, i) => ({ start: start + i * w.step, count: 0, minor: new Map() }));
  const orderCount = new Map();
  let token = null;
  let pages = 0;
  let capped = false;
  for (;;) {
    const path = `/orders/${seg(tenant)}${query({ limit: 100, fields: 'date,total,currency_code', exclusiveStartKey: token })}`;
    const { data } = await call('GET', path);
    pages += 1;
    let recent = false;
    for (const item of data.Items || []) {
      const at = Date.parse(item.date);
      if (!Number.isFinite(at) || at < start) continue;
      recent = true;
      if (at >= end) continue;
      const bucket = buckets[Math.floor((at - start) / w.step)];
      const currency = item.currency_code || 'USD';
      bucket.count += 1;
      bucket.minor.set(currency, (bucket.minor.get(currency) || 0) + Math.round(Number(item.total || 0) * 10 ** currencyDecimals(currency)));
      orderCount.set(currency, (orderCount.get(currency) || 0) + 1);
    }
    token = data.LastEvaluatedKey;
    if (!token || !recent) break;
    if (pages >= MAX_PAGES) {
      capped = true;
      break;
    }
  }
  const currencies = [...orderCount.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
  const currency = currencies[0] || 'USD';
  const scale = 10 ** currencyDecimals(currency);
  for (const bucket of buckets) bucket.revenue = (bucket.minor.get(currency) || 0) / scale;
  return { kind, buckets, capped, pages, currency, otherCurrencies: currencies.slice(1) };
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function bucketLabel(kind, start, long = false) {
  const iso = new Date(start).toISOString();
  if (kind === 'hours') return long ? `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00–${iso.slice(11, 13)}:59 UTC` : `${iso.slice(11, 13)}h`;
  return long ? `${iso.slice(0, 10)} (UTC)` : iso.slice(5, 10);
}

export function summaryText(activity) {
  const count = activity.buckets.reduce((n, b) => n + b.count, 0);
  const revenue = activity.buckets.reduce((n, b) => n + (b.minor.get(activity.currency) || 0), 0) / 10 ** currencyDecimals(activity.currency);
  const atLeast = activity.capped ? 'at least ' : '';
  let text = `${atLeast}${count} order${count === 1 ? '' : 's'} and ${atLeast}${fmtMoney(revenue, activity.currency)} in ${WINDOWS[activity.kind].span}`;
  if (activity.otherCurrencies.length) text += ` (revenue in ${activity.currency} only; orders in ${activity.otherCurrencies.join(', ')} are counted but not summed)`;
  if (activity.capped) text += `; stopped after ${activity.pages} pages of 100 orders`;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** The chart as an SVG sized to `width` CSS pixels (so its text stays readable at 320 px). */
export function drawChart(activity, width) {
  const W = Math.max(260, Math.round(width));
  const H = 200;
  const m = { left: 34, right: W < 420 ? 50 : 64, top: 14, bottom: 30 };
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;
  const { buckets, kind, currency } = activity;
  const countMax = 4 * Math.max(1, Math.ceil(Math.max(...buckets.map((b) => b.count)) / 4)); // whole-number ticks
  const revenueMax = niceMax(Math.max(...buckets.map((b) => b.revenue)));
  const band = plotW / buckets.length;
  const y = (value, max) => m.top + plotH - (value / max) * plotH;
  const titleId = `chart-title-${kind}`;
  const descId = `chart-desc-${kind}`;
  const root = svg('svg', { class: 'chart', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}` },
    svg('title', { id: titleId }, `Orders and revenue, ${WINDOWS[kind].label.toLowerCase()}`),
    svg('desc', { id: descId }, summaryText(activity)));
  for (let i = 0; i <= 4; i += 1) {
    const gy = m.top + plotH - (i / 4) * plotH;
    root.append(svg('line', { class: 'chart-grid', x1: m.left, x2: m.left + plotW, y1: gy, y2: gy }));
    root.append(svg('text', { class: 'chart-axis', x: m.left - 4, y: gy + 4, 'text-anchor': 'end' }, String((countMax * i) / 4)));
    const money = (revenueMax * i) / 4;
    root.append(svg('text', { class: 'chart-axis chart-axis-revenue', x: m.left + plotW + 4, y: gy + 4 }, money >= 1000 ? `${Math.round(money / 100) / 10}k` : String(Math.round(money * 100) / 100)));
  }
  const every = Math.max(1, Math.ceil(buckets.length / Math.max(1, Math.floor(plotW / 44))));
  const points = [];
  buckets.forEach((bucket, i) => {
    const x = m.left + i * band;
    const top = y(bucket.count, countMax);
    const tip = `${bucketLabel(kind, bucket.start, true)}: ${bucket.count} order${bucket.count === 1 ? '' : 's'}, ${fmtMoney(bucket.revenue, currency)}`;
    root.append(svg('rect', { class: 'chart-bar', x: x + band * 0.2, y: top, width: Math.max(1, band * 0.6), height: m.top + plotH - top }, svg('title', {}, tip)));
    points.push(`${x + band / 2},${y(bucket.revenue, revenueMax)}`);
    if (i % every === 0) root.append(svg('text', { class: 'chart-axis', x: x + band / 2, y: H - m.bottom + 16, 'text-anchor': 'middle' }, bucketLabel(kind, bucket.start)));
  });
  root.append(svg('polyline', { class: 'chart-line', points: points.join(' ') }));
  buckets.forEach((bucket, i) => {
    const [cx, cy] = points[i].split(',');
    root.append(svg('circle', { class: 'chart-dot', cx, cy, r: 2.5 }, svg('title', {}, `${bucketLabel(kind, bucket.start, true)}: ${fmtMoney(bucket.revenue, currency)}`)));
  });
  root.append(svg('line', { class: 'chart-baseline', x1: m.left, x2: m.left + plotW, y1: m.top + plotH, y2: m.top + plotH }));
  return root;
}

export function legend(activity) {
  return el('ul', { class: 'chart-legend' },
    el('li', {}, el('span', { class: 'swatch swatch-bar', 'aria-hidden': 'true' }), 'Orders (left axis)'),
    el('li', {}, el('span', { class: 'swatch swatch-line', 'aria-hidden': 'true' }), `Revenue in ${activity.currency} (right axis)`));
}

/** The chart's numbers as a table, for screen readers and for reading exact values. */
export function numbers(activity) {
  const rows = activity.buckets.map((b) => row(bucketLabel(activity.kind, b.start, true), String(b.count), fmtMoney(b.revenue, activity.currency)));
  return el('details', { class: 'chart-numbers' }, el('summary', {}, 'The numbers'),
    table(`Orders and revenue, ${WINDOWS[activity.kind].label.toLowerCase()}`, ['Period', 'Orders', `Revenue (${activity.currency})`], rows));
}
