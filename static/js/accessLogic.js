// Pure logic of the Access screen: magic-link requests, link kinds, audit entries in words.

export const NAMED_MAX_DAYS = 365;

/**
 * @typedef {{id: string, name: string, one_shot: boolean, created_at: number, expires_at: number, uses: number, created_by: string}} MagicLink
 * @typedef {{path: string, old: unknown, new: unknown}} Change
 * @typedef {{at: number, actor: string, action: string, resource: string, changes: Change[], detail?: string}} AuditEntry
 */

/**
 * The body of `POST /api/magic_links` from the form, or the errors to show by field.
 * A one-shot link has no days (the server gives it a few minutes); a named link needs a name and 1..365 days.
 * @param {{kind: 'one_shot'|'named', name: string, days: string}} form
 * @returns {{body: {name: string, days?: number}|null, errors: Record<string, 'name_required'|'days_range'>}}
 */
export function linkRequest(form) {
  const name = (form.name || '').trim();
  if (form.kind !== 'named') return { body: { name }, errors: {} };
  /** @type {Record<string, 'name_required'|'days_range'>} */
  const errors = {};
  if (!name) errors.name = 'name_required';
  const text = String(form.days ?? '').trim();
  const days = Number(text);
  if (!/^\d+$/.test(text) || days < 1 || days > NAMED_MAX_DAYS) errors.days = 'days_range';
  return Object.keys(errors).length ? { body: null, errors } : { body: { name, days }, errors };
}

/**
 * @param {MagicLink} link
 * @returns {'one_shot'|'named'}
 */
export function linkKind(link) {
  return link.one_shot ? 'one_shot' : 'named';
}

/**
 * `magic_link:abc` -> {type: 'magic_link', id: 'abc'}; `session` -> {type: 'session', id: ''}.
 * @param {string} resource
 * @returns {{type: string, id: string}}
 */
export function splitResource(resource) {
  const text = String(resource || '');
  const at = text.indexOf(':');
  return at < 0 ? { type: text, id: '' } : { type: text.slice(0, at), id: text.slice(at + 1) };
}

/**
 * A value of the audit diff as short readable text: "—" for nothing, strings as they are,
 * the rest as compact JSON, cut to `max` characters.
 * @param {unknown} value
 * @param {number} [max]
 * @returns {string}
 */
export function formatValue(value, max = 80) {
  if (value === null || value === undefined) return '—';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A whole object created or removed (`old` or `new` empty) is spread into one change per field.
 * @param {Change} c
 * @returns {Change[]}
 */
function spread(c) {
  const keyed = keyedLists(c);
  if (keyed) return keyed;
  const whole = c.old === null || c.old === undefined ? c.new : c.new === null || c.new === undefined ? c.old : undefined;
  if (!isPlainObject(whole)) return [c];
  const adding = whole === c.new;
  return Object.entries(whole).map(([key, value]) => ({
    path: c.path ? `${c.path}.${key}` : key,
    old: adding ? null : value,
    new: adding ? value : null,
  }));
}

/**
 * @param {unknown} value
 * @returns {value is Array<Record<string, unknown>>} a list of objects each with an `id` (rules, targets)
 */
function isKeyedList(value) {
  return Array.isArray(value) && value.every((item) => isPlainObject(item) && typeof item.id === 'string');
}

/**
 * Leaf differences between two values, like the server's diff (paths joined with dots).
 * @param {unknown} old
 * @param {unknown} now
 * @param {string} path
 * @returns {Change[]}
 */
function leafDiff(old, now, path) {
  if (isPlainObject(old) && isPlainObject(now)) {
    const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].sort();
    return keys.flatMap((key) => leafDiff(old[key], now[key], path ? `${path}.${key}` : key));
  }
  if (JSON.stringify(old ?? null) === JSON.stringify(now ?? null)) return [];
  return [{ path, old: old ?? null, new: now ?? null }];
}

/**
 * A list of objects with ids (the rules, the targets) that changed length: said item by item,
 * by id (`rules.=factures`), instead of two blocks of JSON. Null when the change is not one.
 * @param {Change} c
 * @returns {Change[]|null}
 */
function keyedLists(c) {
  const old = c.old ?? [];
  const now = c.new ?? [];
  if (!isKeyedList(old) || !isKeyedList(now) || (!old.length && !now.length)) return null;
  const before = new Map(old.map((item) => [String(item.id), item]));
  const after = new Map(now.map((item) => [String(item.id), item]));
  const label = (/** @type {Record<string, unknown>} */ item) => String(item.name || item.id);
  const removed = [...before].filter(([id]) => !after.has(id)).map(([, item]) => ({ path: c.path, old: label(item), new: null }));
  const kept = [...after].flatMap(([id, item]) => {
    const was = before.get(id);
    return was ? leafDiff(was, item, `${c.path ? `${c.path}.` : ''}=${id}`) : [{ path: c.path, old: null, new: label(item) }];
  });
  return [...removed, ...kept];
}

/**
 * The changes of an entry as rows to show: `path: old → new`, a creation or removal said as such
 * (a whole object created or removed shows field by field).
 * @param {Change[]|undefined} changes
 * @param {(value: unknown, path: string) => string} [format] how to show one value (default `formatValue`)
 * @returns {Array<{path: string, kind: 'added'|'removed'|'changed', old: string, new: string}>}
 */
export function changeRows(changes, format = (value) => formatValue(value)) {
  return (changes || []).flatMap(spread).map((c) => {
    const hasOld = c.old !== null && c.old !== undefined;
    const hasNew = c.new !== null && c.new !== undefined;
    const kind = hasOld && hasNew ? 'changed' : hasNew ? 'added' : 'removed';
    const path = c.path || '';
    return { path, kind, old: hasOld ? format(c.old, path) : '—', new: hasNew ? format(c.new, path) : '—' };
  });
}

/**
 * True for a field holding a Unix time (`created_at`, `window.expires_at`...), to show as a date.
 * @param {string} path
 * @param {unknown} value
 * @returns {value is number}
 */
export function isTimestamp(path, value) {
  return /(^|\.)\w*_at$/.test(path) && typeof value === 'number' && value > 1e9;
}

/**
 * The page to show from `limit + 1` items fetched at `offset`: the extra item only says a next page exists.
 * @template T
 * @param {T[]} items
 * @param {number} offset
 * @param {number} limit
 * @returns {{items: T[], offset: number, next_offset: number|null}}
 */
export function pageOf(items, offset, limit) {
  return {
    items: items.slice(0, limit),
    offset,
    next_offset: items.length > limit ? offset + limit : null,
  };
}

/**
 * @typedef {{key: string, params?: Record<string, string|number>}} Words a message key and its values
 */

/**
 * A change's path as parts to word: names, and list positions counted from 1
 * (`rules.0.conditions.1.value` -> rules #1, conditions #2, value), and list items named by
 * their id (`rules.=factures.name` -> rules "factures", name).
 * @param {string} path
 * @returns {Array<{name: string, number?: number, item?: string}>}
 */
export function pathParts(path) {
  /** @type {Array<{name: string, number?: number, item?: string}>} */
  const parts = [];
  for (const piece of String(path || '').split('.').filter(Boolean)) {
    const last = parts[parts.length - 1];
    const number = /^\d+$/.test(piece) ? Number(piece) + 1 : undefined;
    if (!qualify(last, piece, number)) parts.push(number === undefined ? { name: piece } : { name: '', number });
  }
  return parts;
}

/**
 * Give the part before a list position or an item id (`=id`) that position or id; false when
 * the piece is a name of its own.
 * @param {{name: string, number?: number, item?: string}|undefined} last
 * @param {string} piece
 * @param {number|undefined} number
 */
function qualify(last, piece, number) {
  if (!last || last.number !== undefined || last.item !== undefined) return false;
  if (piece.startsWith('=')) last.item = piece.slice(1);
  else if (number !== undefined) last.number = number;
  else return false;
  return true;
}

/** A saved document's audit resource: `routing_rules@3`. */
const DOCUMENT_RESOURCE = /^([a-z_]+)@(\d+)$/;

/**
 * The name an entry's changes give its object (a magic link created or revoked), if any.
 * @param {Change[]} changes
 * @returns {string}
 */
function namedIn(changes) {
  for (const change of changes) {
    // A created or revoked link is one change of the whole object (path ""); an edit, its fields.
    const value = change.new ?? change.old;
    const name = change.path === 'name' ? value : change.path === '' && isPlainObject(value) ? /** @type {Record<string, unknown>} */ (value).name : undefined;
    if (typeof name === 'string' && name.trim()) return name.trim();
  }
  return '';
}

/**
 * What an audit entry acted on, as words to translate: a saved document and its version,
 * a typed object and its id (a magic link by its name when the entry tells it), or the raw text.
 * @param {string} resource
 * @param {Change[]} [changes] the entry's changes
 * @returns {Words}
 */
export function objectWords(resource, changes = []) {
  const doc = DOCUMENT_RESOURCE.exec(String(resource || ''));
  if (doc) return { key: 'access.object.document', params: { doc: doc[1], version: Number(doc[2]) } };
  const { type, id } = splitResource(resource);
  const name = type === 'magic_link' ? namedIn(changes) : '';
  if (name) return { key: 'access.object.magic_link_named', params: { id, name, raw: resource } };
  return { key: `access.object.${type}`, params: { id, raw: resource } };
}

/** The server's English details of an audit entry, as message keys (the raw text otherwise). */
const DETAILS = /** @type {Array<[RegExp, string]>} */ ([
  [/^password$/, 'access.detail.password'],
  [/^magic link (?<id>\S+)$/, 'access.detail.magic_link'],
  [/^with secrets$/, 'access.detail.with_secrets'],
  [/^(?<count>\d+) re-queued$/, 'access.detail.requeued'],
  [/^(?<count>\d+) released$/, 'access.detail.released'],
  [/^(?<before>\w+) -> (?<after>\w+), (?<count>\d+) new deliveries(?:, (?<cancelled>\d+) cancelled)?$/, 'access.detail.reroute'],
  [/^receiver answered 410 Gone$/, 'access.detail.gone'],
]);

/**
 * An audit entry's detail as words to translate; null when it has none.
 * @param {string|undefined} detail
 * @returns {Words|null}
 */
export function detailWords(detail) {
  if (!detail) return null;
  for (const [pattern, key] of DETAILS) {
    const found = pattern.exec(detail);
    if (!found) continue;
    /** @type {Record<string, string|number>} */
    const params = {};
    for (const [name, value] of Object.entries(found.groups || {})) {
      if (value !== undefined) params[name] = /^\d+$/.test(value) ? Number(value) : value;
    }
    return { key: params.cancelled ? `${key}_cancelled` : key, params };
  }
  return { key: 'access.detail.raw', params: { text: detail } };
}

/**
 * The kind of value a field holds, for showing it: a retry schedule (seconds), a switch, a
 * time, a list, an object, or plain text.
 * @param {string} path
 * @param {unknown} value
 * @returns {'durations'|'duration'|'switch'|'time'|'list'|'object'|'text'}
 */
export function valueKind(path, value) {
  if (/(^|\.)retry_schedule$/.test(path) && Array.isArray(value)) return 'durations';
  if (/(^|\.)(retry_schedule\.\d+|\w+_sec)$/.test(path) && typeof value === 'number') return 'duration';
  if (typeof value === 'boolean') return 'switch';
  if (isTimestamp(path, value)) return 'time';
  if (Array.isArray(value)) return 'list';
  if (isPlainObject(value)) return 'object';
  return 'text';
}
