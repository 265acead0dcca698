// Pure helpers of the config screens: comparing drafts, parsing list inputs, checking numbers,
// and which flag changes stop part of the service.

/**
 * Structural equality of JSON values (object key order ignored).
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean}
 */
export function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(/** @type {any} */ (a)[k], /** @type {any} */ (b)[k]));
}

/**
 * A deep copy of a JSON value.
 * @template T
 * @param {T} value
 * @returns {T}
 */
export function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

/**
 * "0, 5, 300" -> {values: [0, 5, 300]}; anything not a whole number in range -> {error}.
 * @param {string} text
 * @param {{min: number, max: number, minItems?: number, maxItems?: number}} limits
 * @returns {{values: number[], error: null} | {values: null, error: 'number'|'range'|'count'}}
 */
export function parseIntList(text, limits) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const values = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part)) return { values: null, error: 'number' };
    const n = Number(part);
    if (n < limits.min || n > limits.max) return { values: null, error: 'range' };
    values.push(n);
  }
  if (values.length < (limits.minItems ?? 0) || values.length > (limits.maxItems ?? Infinity)) {
    return { values: null, error: 'count' };
  }
  return { values, error: null };
}

/**
 * One entry per non-empty line, trimmed, duplicates removed.
 * @param {string} text
 * @returns {string[]}
 */
export function parseLines(text) {
  return [...new Set(text.split('\n').map((s) => s.trim()).filter(Boolean))];
}

/**
 * A number input's value checked against its limits: null for empty when optional.
 * @param {string} text
 * @param {{min?: number, max?: number, exclusiveMin?: boolean, integer?: boolean, optional?: boolean}} rule
 * @returns {{value: number|null, error: null} | {value: null, error: 'required'|'number'|'integer'|'range'}}
 */
export function checkNumber(text, rule) {
  const trimmed = String(text).trim();
  if (trimmed === '') return rule.optional ? { value: null, error: null } : { value: null, error: 'required' };
  const n = Number(trimmed);
  if (!Number.isFinite(n)) return { value: null, error: 'number' };
  if (rule.integer && !Number.isInteger(n)) return { value: null, error: 'integer' };
  if (!inRange(n, rule)) return { value: null, error: 'range' };
  return { value: n, error: null };
}

/**
 * @param {number} n
 * @param {{min?: number, max?: number, exclusiveMin?: boolean}} rule
 */
function inRange(n, rule) {
  const low = rule.min ?? -Infinity;
  if (rule.exclusiveMin ? n <= low : n < low) return false;
  return n <= (rule.max ?? Infinity);
}

/** Flags whose "off" (or "on") stops part of the service, with the value that stops it. */
export const STOPPING_FLAGS = /** @type {Record<string, boolean>} */ ({
  gmail_ingress_enabled: false,
  webhook_sending_enabled: false,
  disable_email_id_dedup: true,
});

/**
 * Flags the draft moves into their stopping value (they need a confirmation).
 * @param {Record<string, boolean>} saved
 * @param {Record<string, boolean>} draft
 * @returns {string[]}
 */
export function newlyStopping(saved, draft) {
  return Object.keys(STOPPING_FLAGS).filter(
    (name) => draft[name] === STOPPING_FLAGS[name] && saved[name] !== STOPPING_FLAGS[name],
  );
}

/**
 * Flags currently in their stopping value (shown as a warning state).
 * @param {Record<string, boolean>} flags
 */
export function stopping(flags) {
  return Object.keys(STOPPING_FLAGS).filter((name) => flags[name] === STOPPING_FLAGS[name]);
}

/**
 * Header rows for the target editor -> the options.headers object; errors per row.
 * The API shows stored values as "***": sent back unchanged, the server keeps them.
 * @param {Array<{name: string, value: string}>} rows
 * @returns {{headers: Record<string, string>, errors: Record<number, 'name'|'duplicate'|'reserved'>}}
 */
export function headersFromRows(rows) {
  /** @type {Record<string, string>} */
  const headers = {};
  /** @type {Record<number, 'name'|'duplicate'|'reserved'>} */
  const errors = {};
  const seen = new Set();
  const reserved = ['content-type', 'content-length', 'host', 'user-agent', 'connection', 'transfer-encoding'];
  rows.forEach((row, i) => {
    const name = row.name.trim();
    if (!name && !row.value) return;
    const lower = name.toLowerCase();
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(name)) errors[i] = 'name';
    else if (reserved.includes(lower) || lower.startsWith('webhook-')) errors[i] = 'reserved';
    else if (seen.has(lower)) errors[i] = 'duplicate';
    else headers[name] = row.value;
    seen.add(lower);
  });
  return { headers, errors };
}
