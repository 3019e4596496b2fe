// The API on this page's own origin. The page is `<base>/console`; every call goes to `<base>/...`.
// The key lives in this tab's sessionStorage only: never localStorage, a URL or a log.

const KEY_NAME = 'orders-console.api-key';

export const apiBase = window.location.pathname.replace(/\/console\/?$/, '');

export function storedKey() {
  try {
    return window.sessionStorage.getItem(KEY_NAME);
  } catch {
    return null;
  }
}

export function storeKey(key) {
  window.sessionStorage.setItem(KEY_NAME, key);
}

export function forgetKey() {
  try {
    window.sessionStorage.removeItem(KEY_NAME);
  } catch {
    // storage unavailable: nothing kept
  }
}

/** One path segment, encoded. */
export const seg = (value) => encodeURIComponent(String(value));

/** A query string from an object (null/undefined/'' left out). */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** An RFC 9457 problem (or a network failure) as an Error. */
export class ApiError extends Error {
  constructor(status, problem, headers) {
    const body = problem && typeof problem === 'object' ? problem : {};
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.title = body.title || (status ? `HTTP ${status}` : 'Network error');
    this.detail = body.detail || '';
    this.code = body.code || '';
    this.instance = body.instance || '';
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    this.retryAfter = Number(headers?.get?.('Retry-After')) || 0;
  }

  /** The order moved on since the page read it (stale If-Match, or a version conflict). */
  get isConflict() {
    return this.status === 412 || (this.status === 409 && this.code === 'version_conflict');
  }
}

/** A fresh idempotency key. */
export function newIdempotencyKey() {
  if (window.crypto?.randomUUID) return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Call the API: resolves {status, data, etag, headers}; rejects with ApiError on any non-2xx.
 * options: body (JSON), headers, key (default: the stored one), accept.
 */
export async function call(method, path, options = {}) {
  const key = options.key === undefined ? storedKey() : options.key;
  const headers = { Accept: options.accept || 'application/json', ...(options.headers || {}) };
  if (key) headers['x-api-key'] = key;
  const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer' };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let response;
  try {
    response = await fetch(apiBase + path, init);
  } catch {
    throw new ApiError(0, { title: 'Network error', detail: 'The API did not answer. Check the connection and try again.' });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data, response.headers);
  return { status: response.status, data, etag: response.headers.get('ETag'), headers: response.headers };
}

/** `call` retried while the API answers 503 (e.g. `?asOf=` before the history of that moment is written). */
export async function callPatiently(method, path, options = {}, attempts = 6) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(method, path, options);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 503 || attempt >= attempts) throw error;
      const wait = Math.min(Math.max(error.retryAfter, 0.3), 2) * 1000;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** A problem as sentences an operator can act on. */
export function describe(error) {
  if (!(error instanceof ApiError)) return { title: 'Something went wrong', detail: String(error?.message || error), fields: [] };
  let title = error.title;
  if (error.status === 401) title = 'The key was not accepted';
  else if (error.status === 403) title = 'This key may not do that (403 Forbidden)';
  else if (error.status === 404) title = 'Not found';
  else if (error.isConflict) title = 'The order changed since you loaded it — reload';
  else if (error.status === 429) title = 'Too many requests: wait a moment and try again';
  const fields = error.errors.map((e) => `${e.field}: ${e.error}`);
  const detail = [error.detail, error.instance ? `(request ${error.instance})` : ''].filter(Boolean).join(' ');
  return { title, detail, fields };
}
