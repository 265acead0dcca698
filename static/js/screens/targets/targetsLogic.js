// Pure helpers of the Targets screen: the edit form's rows, the PATCH body holding only what
// changed, what the default-route switch means, and a URL cut where it may wrap.
// (A target's health in words: statusLogic.js.)

import { headersFromRows, sameJson } from '../../configLogic.js';

export const MASK = '***';

/**
 * @typedef {{name: string, value: string, stored: boolean}} HeaderRow stored: the API holds a value (masked)
 * @typedef {{name: string, url: string, enabled: boolean, default: boolean, require_success_json: boolean,
 *   timeout: string, headers: HeaderRow[]}} TargetForm
 * @typedef {{id: string, name: string, url: string, enabled: boolean, managed_by_env?: boolean,
 *   in_default_route?: boolean, options?: any, [k: string]: any}} Target
 * @typedef {'option'|'rules'|'drop'} RouteSource what decides the default route's targets
 * @typedef {{key: string, params?: Record<string, string|number>}} Phrase
 */

/**
 * The edit form's starting values from a target as the API shows it. A new target is not in
 * the default route: adding one must never send today's mail a second time.
 * @param {Target|null|undefined} target
 * @returns {TargetForm}
 */
export function formFromTarget(target) {
  if (!target) return { name: '', url: '', enabled: true, default: false, require_success_json: false, timeout: '', headers: [] };
  const options = target.options || {};
  return {
    name: target.name,
    url: target.url,
    enabled: Boolean(target.enabled),
    default: options.default !== false,
    require_success_json: Boolean(options.require_success_json),
    timeout: options.timeout_sec == null ? '' : String(options.timeout_sec),
    headers: Object.keys(options.headers || {}).map((name) => ({ name, value: '', stored: true })),
  };
}

/**
 * Header rows -> options.headers; a stored header left empty is sent as the mask (kept as is).
 * @param {HeaderRow[]} rows
 */
export function headersOf(rows) {
  return headersFromRows(rows.map((r) => ({ name: r.name, value: r.stored && r.value === '' ? MASK : r.value })));
}

/**
 * @param {string} timeout
 * @returns {string|null} an error code
 */
function timeoutError(timeout) {
  if (timeout.trim() === '') return null;
  const n = Number(timeout);
  return !Number.isFinite(n) || n <= 0 || n > 300 ? 'range' : null;
}

/**
 * Problems of the form before sending: {field: code}; header rows as `header.<i>`.
 * @param {TargetForm} form
 * @returns {Record<string, string>}
 */
export function formErrors(form) {
  /** @type {Record<string, string>} */
  const errors = {};
  if (!form.name.trim()) errors.name = 'required';
  if (!form.url.trim()) errors.url = 'required';
  const timeout = timeoutError(form.timeout);
  if (timeout) errors.timeout = timeout;
  const { errors: rowErrors } = headersOf(form.headers);
  for (const [i, code] of Object.entries(rowErrors)) errors[`header.${i}`] = code;
  form.headers.forEach((row, i) => {
    if (!row.stored && row.name.trim() && row.value === '') errors[`header.${i}`] ??= 'value';
  });
  return errors;
}

/**
 * The options object the API takes from the form.
 * @param {TargetForm} form
 */
export function optionsOf(form) {
  return {
    default: form.default,
    require_success_json: form.require_success_json,
    headers: headersOf(form.headers).headers,
    timeout_sec: form.timeout.trim() === '' ? null : Number(form.timeout),
  };
}

/**
 * The POST body of a new target.
 * @param {TargetForm} form
 */
export function createBody(form) {
  return { name: form.name.trim(), url: form.url.trim(), enabled: form.enabled, options: optionsOf(form) };
}

/**
 * The PATCH body: only the fields that differ from the target (the URL left out when the
 * environment owns it).
 * @param {Target} target
 * @param {TargetForm} form
 * @returns {Record<string, unknown>}
 */
export function patchBody(target, form) {
  /** @type {Record<string, unknown>} */
  const body = {};
  if (form.name.trim() !== target.name) body.name = form.name.trim();
  if (!target.managed_by_env && form.url.trim() !== target.url) body.url = form.url.trim();
  if (form.enabled !== target.enabled) body.enabled = form.enabled;
  const options = optionsOf(form);
  if (!sameJson(options, target.options)) body.options = options;
  return body;
}

/**
 * What the "In the default route" switch means for this target, in words: whether the rules
 * decide instead, else who already receives the mail no rule claims (switching it on then
 * sends such mail to each of them).
 * @param {Target|null} target null: a new target
 * @param {Target[]} targets every target, as listed
 * @param {RouteSource} source
 * @param {{lang: string, quote: (name: string) => string}} words the language's list and quotes
 * @returns {Phrase}
 */
export function defaultRoutePhrase(target, targets, source, words) {
  if (source === 'rules') return { key: 'targets.default.by_rules' };
  if (source === 'drop') return { key: 'targets.default.drop' };
  const others = targets.filter((x) => x.in_default_route && x.id !== target?.id).map((x) => words.quote(x.name));
  if (!others.length) return { key: 'targets.default.alone' };
  const names = new Intl.ListFormat(words.lang, { type: 'conjunction' }).format(others);
  return { key: 'targets.default.others', params: { names, count: others.length } };
}

/**
 * A URL cut where it may wrap: the scheme and host in one piece (never broken), then the path,
 * query and fragment cut before each `/`, `?`, `&` and `#`.
 * @param {string} url
 * @returns {{host: string, rest: string[]}}
 */
export function urlParts(url) {
  const text = String(url || '');
  const found = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)(.*)$/i.exec(text);
  if (!found) return { host: '', rest: text ? [text] : [] };
  return { host: found[1], rest: found[2].split(/(?=[/?&#])/).filter(Boolean) };
}

/**
 * @typedef {{kind: 'rule', id: string, name: string}|{kind: 'default_route'}} TargetUse
 */

/**
 * What still names a target, from a failed delete: the `used_by` of a 409 `target_in_use`,
 * or null for any other failure.
 * @param {unknown} err an ApiError (status, code, body)
 * @returns {TargetUse[]|null}
 */
export function inUseBy(err) {
  const e = /** @type {any} */ (err);
  if (!e || e.status !== 409 || e.code !== 'target_in_use') return null;
  return Array.isArray(e.body?.used_by) ? e.body.used_by : [];
}

/**
 * The message key and values naming one use: a rule by its name and id, or the default route.
 * @param {TargetUse} use
 * @returns {{key: string, params: Record<string, string>}}
 */
export function useMessage(use) {
  if (use.kind === 'default_route') return { key: 'targets.in_use.default_route', params: {} };
  if (use.name) return { key: 'targets.in_use.rule_named', params: { id: use.id, name: use.name } };
  return { key: 'targets.in_use.rule', params: { id: use.id } };
}
