// A structural diff of two JSON documents (two `?asOf=` answers), as JSON pointers.

const IGNORED = new Set(['/_links']);
const LIMIT = 500;

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const escapeToken = (token) => String(token).replace(/~/g, '~0').replace(/\//g, '~1');

function same(a, b) {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Changes from `before` to `after`: [{path, kind: 'added'|'removed'|'changed', before, after}],
 * deepest differing paths, objects by member and arrays by position; `_links` left out.
 */
export function diff(before, after) {
  const changes = [];
  const walk = (a, b, path) => {
    if (changes.length >= LIMIT || IGNORED.has(path)) return;
    if (a === undefined && b === undefined) return;
    if (a === undefined) {
      changes.push({ path: path || '/', kind: 'added', before: undefined, after: b });
    } else if (b === undefined) {
      changes.push({ path: path || '/', kind: 'removed', before: a, after: undefined });
    } else if (isObject(a) && isObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) walk(a[key], b[key], `${path}/${escapeToken(key)}`);
    } else if (Array.isArray(a) && Array.isArray(b)) {
      const length = Math.max(a.length, b.length);
      for (let i = 0; i < length; i += 1) walk(a[i], b[i], `${path}/${i}`);
    } else if (!same(a, b)) {
      changes.push({ path: path || '/', kind: 'changed', before: a, after: b });
    }
  };
  walk(before, after, '');
  return changes;
}

export const DIFF_LIMIT = LIMIT;
