// Pure helpers of the Targets screen: the edit form's rows, and the PATCH body holding only
// what changed. (A target's health in words: statusLogic.js.)

import { headersFromRows, sameJson } from './configLogic.js';

export const MASK = '***';

/**
 * @typedef {{name: string, value: string, stored: boolean}} HeaderRow stored: the API holds a value (masked)
 * @typedef {{name: string, url: string, enabled: boolean, default: boolean, require_success_json: boolean,
 *   timeout: string, headers: HeaderRow[]}} TargetForm
 */

/**
 * The edit form's starting values from a target as the API shows it.
 * @param {any} target
 * @returns {TargetForm}
 */
export function formFromTarget(target) {
  const options = target?.options || {};
  return {
    name: target?.name || '',
    url: target?.url || '',
    enabled: target ? Boolean(target.enabled) : true,
    default: options.default ?? true,
    require_success_json: Boolean(options.require_success_json),
    timeout: options.timeout_sec === null || options.timeout_sec === undefined ? '' : String(options.timeout_sec),
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
 * Problems of the form before sending: {field: code}; header rows as `header.<i>`.
 * @param {TargetForm} form
 * @returns {Record<string, string>}
 */
export function formErrors(form) {
  /** @type {Record<string, string>} */
  const errors = {};
  if (!form.name.trim()) errors.name = 'required';
  if (!form.url.trim()) errors.url = 'required';
  if (form.timeout.trim() !== '') {
    const n = Number(form.timeout);
    if (!Number.isFinite(n) || n <= 0 || n > 300) errors.timeout = 'range';
  }
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
 * The PATCH body: only the fields that differ from the target (the URL left out when the
 * environment owns it).
 * @param {any} target
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
