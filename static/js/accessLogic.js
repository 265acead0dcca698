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
