// Deliveries and Emails screens: filters and search <-> hash params <-> API query, what the
// summary says of a page, replay outcomes. Pure.

export const DELIVERY_STATES = /** @type {const} */ (['scheduled', 'held', 'in_flight', 'retrying', 'delivered', 'dead', 'cancelled']);
export const DELIVERY_FILTERS = /** @type {const} */ (['q', 'status', 'target', 'rule', 'detector', 'from', 'to']);
export const EMAIL_FILTERS = /** @type {const} */ (['q', 'sender', 'status']);
export const LIMIT = 50;
export const EMAIL_STATUSES = /** @type {const} */ (['accepted', 'ignored', 'parked']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Keep only the known, non-empty filters from hash params (trimmed), and a valid offset.
 * @param {Record<string, string>} params
 * @param {readonly string[]} names
 * @returns {Record<string, string>}
 */
export function cleanFilters(params, names) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const name of names) {
    const value = String(params[name] ?? '').trim();
    if (!value) continue;
    if ((name === 'from' || name === 'to') && !DATE.test(value)) continue;
    if (name === 'status' && !statusesOf(names).includes(value)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The statuses a screen's filter takes (its filter names tell which screen).
 * @param {readonly string[]} names
 * @returns {readonly string[]}
 */
function statusesOf(names) {
  return names === EMAIL_FILTERS ? EMAIL_STATUSES : DELIVERY_STATES;
}

/**
 * A local calendar day `YYYY-MM-DD` as Unix seconds at its start (or the next day's start).
 * @param {string} day
 * @param {boolean} [end] the start of the following day instead
 * @returns {number|undefined}
 */
export function dayToSeconds(day, end = false) {
  if (!DATE.test(day)) return undefined;
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(y, m - 1, d + (end ? 1 : 0));
  return Number.isNaN(date.getTime()) ? undefined : Math.floor(date.getTime() / 1000);
}

/**
 * The `GET /api/deliveries` query (also the body of a filtered replay, without paging).
 * @param {Record<string, string>} filters cleaned filters
 * @returns {Record<string, string|number>}
 */
export function deliveryQuery(filters) {
  /** @type {Record<string, string|number>} */
  const query = {};
  for (const name of ['q', 'status', 'target', 'rule', 'detector']) {
    if (filters[name]) query[name] = filters[name];
  }
  const since = filters.from ? dayToSeconds(filters.from) : undefined;
  const until = filters.to ? dayToSeconds(filters.to, true) : undefined;
  if (since !== undefined) query.since = since;
  if (until !== undefined) query.until = until;
  return query;
}

/**
 * A page offset from the hash (multiples of the limit only; anything else is 0).
 * @param {string|undefined} value
 * @param {number} limit
 */
export function pageOffset(value, limit) {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n % limit === 0 ? n : 0;
}

/**
 * The message key saying what a single replay did (200 `queued`, 409 other outcomes).
 * @param {string} outcome
 * @returns {string}
 */
export function replayOutcomeKey(outcome) {
  const known = ['queued', 'not_finished', 'email_expired', 'missing'];
  return known.includes(outcome) ? `deliveries.replay.${outcome}` : 'deliveries.replay.other';
}

/**
 * Whether the replay button makes sense for a delivery (the server replays dead or delivered ones).
 * @param {string|null|undefined} state
 */
export function canReplay(state) {
  return state === 'dead' || state === 'delivered';
}

/**
 * Pretty JSON of a payload for display, with long bodies cut.
 * @param {unknown} value
 * @param {number} [max]
 */
export function prettyJson(value, max = 20000) {
  const text = JSON.stringify(value, null, 2) ?? '';
  return text.length > max ? `${text.slice(0, max)}\n…` : text;
}

/**
 * The rows a page shows and the total it is part of, for "Showing 1–50 of 1,284"; null when
 * nothing matches. An estimated total (`total_exact` false) is rounded and said to be one.
 * @param {{items: unknown[], offset: number, total?: number|null, total_exact?: boolean}} page
 * @returns {{first: number, last: number, total: number, about: boolean}|null}
 */
export function pageSpan(page) {
  if (!page.items.length) return null;
  const first = page.offset + 1;
  const last = page.offset + page.items.length;
  const about = page.total_exact === false;
  const total = Math.max(last, about ? roundEstimate(page.total ?? last) : (page.total ?? last));
  return { first, last, total, about };
}

/**
 * An estimate as people round it: two significant digits from 100 on (1,284 -> 1,300).
 * @param {number} n
 */
export function roundEstimate(n) {
  if (n < 100) return Math.round(n);
  const step = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / step) * step;
}
