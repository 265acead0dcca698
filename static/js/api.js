// The one module that calls fetch: JSON in and out, the CSRF header on changes,
// and every failure turned into an ApiError carrying the server's error shape.

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 when the server could not be reached)
   * @param {{error: string, message: string, details?: Array<{loc: Array<string|number>, msg: string}>, [k: string]: unknown}} body
   */
  constructor(status, body) {
    super(body.message || body.error || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.error;
    this.body = body;
  }
}

let csrfToken = '';

let leaving = false;

/**
 * Back to the sign-in page, once: after a sign-out, or on a 401 (the session expired, or was
 * ended everywhere). A second request (a timed refresh answered 401 after the sign-out)
 * would start a second navigation and abort the first.
 */
export function toSignIn() {
  if (leaving || !globalThis.location || location.pathname === '/login') return;
  leaving = true;
  location.assign('/login');
}

/** @param {string} token */
export function setCsrfToken(token) {
  csrfToken = token;
}

/**
 * `/api/x?a=1`, skipping empty values.
 * @param {string} path
 * @param {Record<string, unknown>} [query]
 */
export function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * @param {Response} resp
 * @returns {Promise<any>}
 */
async function parse(resp) {
  const type = resp.headers.get('Content-Type') || '';
  if (resp.status === 204) return null;
  if (type.includes('application/json')) return resp.json();
  return { error: 'unexpected_response', message: `HTTP ${resp.status}` };
}

/**
 * One API call.
 * @param {string} method
 * @param {string} path
 * @param {{body?: unknown, query?: Record<string, unknown>, signal?: AbortSignal}} [options]
 * @returns {Promise<any>}
 */
export async function request(method, path, options = {}) {
  const resp = await send(path, options.query, requestInit(method, options));
  const data = await parse(resp);
  if (resp.ok) return data;
  if (resp.status === 401 && !path.startsWith('/api/auth/login')) toSignIn();
  const retryAfter = resp.headers.get('Retry-After');
  throw new ApiError(resp.status, { ...data, ...(retryAfter ? { retry_after: retryAfter } : {}) });
}

/**
 * The fetch options: JSON, the CSRF header on changes.
 * @param {string} method
 * @param {{body?: unknown, signal?: AbortSignal}} options
 * @returns {RequestInit}
 */
function requestInit(method, options) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  /** @type {RequestInit} */
  const init = { method, headers, credentials: 'same-origin', signal: options.signal };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  return init;
}

/**
 * fetch, with "the server could not be reached" as an ApiError (an abort stays an abort).
 * @param {string} path
 * @param {Record<string, unknown> | undefined} query
 * @param {RequestInit} init
 */
async function send(path, query, init) {
  try {
    return await fetch(withQuery(path, query), init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, { error: 'network_error', message: 'The server could not be reached.' });
  }
}

export const api = {
  /** @param {string} path @param {Record<string, unknown>} [query] */
  get: (path, query) => request('GET', path, { query }),
  /** @param {string} path @param {unknown} [body] */
  post: (path, body) => request('POST', path, { body: body ?? {} }),
  /** @param {string} path @param {unknown} body */
  put: (path, body) => request('PUT', path, { body }),
  /** @param {string} path @param {unknown} body */
  patch: (path, body) => request('PATCH', path, { body }),
  /** @param {string} path */
  del: (path) => request('DELETE', path),
};
