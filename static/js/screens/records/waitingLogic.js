// Mail that waits, and what releases it, in words: a delivery's waiting reason, whether
// "Send now" can help, why the server refused it, an email's decision, a re-route's plan.
// Pure: phrases (message keys with parameters) that outcomeWords.js turns into text.

/**
 * @typedef {import('../../statusLogic.js').Phrase} Phrase
 * @typedef {import('../../statusLogic.js').ActionPhrase} ActionPhrase
 * @typedef {{state: string, waiting_reason?: string|null, deliver_at?: number|null, email_id?: string|null}} Delivery
 * @typedef {{target: string, state: string, hold_reason?: string|null, deliver_at?: number|null, id?: string}} Planned
 * @typedef {{email_id: string, status_before: string, status: string, reason: string|null, applied: boolean,
 *   new: Planned[], kept: Planned[], cancelled: Planned[]}} Reroute
 */

/** States in which a delivery waits (the server releases only these). */
export const WAITING_STATES = ['scheduled', 'held', 'retrying'];
const REASONS = ['window', 'absence_day', 'paused', 'rate_limited', 'circuit_open', 'target_disabled', 'target_missing'];
/** Reasons that say when the delivery leaves by itself. */
const TIMED = ['window', 'absence_day', 'rate_limited', 'circuit_open'];
/** Reasons "Send now" cannot lift: the claim holds the delivery again, or refuses it. */
const STUCK = ['paused', 'rate_limited', 'circuit_open', 'target_disabled', 'target_missing'];

/**
 * Why a delivery waits, in words ("Waiting for the delivery window (opens at 14:00)"); null
 * when it does not wait.
 * @param {string|null|undefined} reason the server's `waiting_reason` (or a `hold_reason`)
 * @param {number|null|undefined} [deliverAt] when it is due
 * @returns {Phrase|null}
 */
export function waitingPhrase(reason, deliverAt) {
  if (!reason) return null;
  if (!REASONS.includes(reason)) return { key: 'outcome.wait.other', params: { reason } };
  if (TIMED.includes(reason) && deliverAt) return { key: `outcome.wait.${reason}_at`, params: { at: { time: deliverAt } } };
  return { key: `outcome.wait.${reason}` };
}

/**
 * What releases a delivery "Send now" cannot help, and where to do it; null otherwise.
 * @param {Delivery} rec
 * @returns {ActionPhrase|null}
 */
export function waitingRemedy(rec) {
  switch (rec.waiting_reason) {
    case 'paused':
      return { key: 'outcome.remedy.paused', link: { screen: 'flags', key: 'status.link.flags' } };
    case 'rate_limited':
    case 'circuit_open':
      return { key: `outcome.remedy.${rec.waiting_reason}` };
    case 'target_disabled':
      return { key: 'outcome.remedy.target_disabled', link: { screen: 'targets', key: 'status.link.targets' } };
    case 'target_missing':
      return {
        key: 'outcome.remedy.target_missing',
        link: rec.email_id ? { screen: 'emails', params: { id: rec.email_id }, key: 'outcome.remedy.open_email' } : undefined,
      };
    default:
      return null;
  }
}

/**
 * Whether "Send now" makes a waiting delivery leave at once: held for the window or an
 * absence day, or scheduled (or retrying) for later, and nothing else holding it.
 * @param {Delivery} rec
 * @param {number} now seconds
 */
export function releasable(rec, now) {
  if (!WAITING_STATES.includes(rec.state)) return false;
  if (rec.waiting_reason && STUCK.includes(rec.waiting_reason)) return false;
  return rec.state === 'held' || (rec.deliver_at ?? 0) > now;
}

const REFUSALS = ['not_waiting', 'target_missing', 'target_disabled', 'changed', 'missing'];

/**
 * Why the server refused to release a delivery (its 409's `error`), as a message key.
 * @param {string|null|undefined} code
 */
export function refusalKey(code) {
  return code && REFUSALS.includes(code) ? `outcome.refused.${code}` : 'outcome.refused.other';
}

/**
 * What a filtered release skipped, by reason, largest first.
 * @param {Record<string, number>|null|undefined} skipped
 * @returns {Phrase[]}
 */
export function skippedPhrases(skipped) {
  return Object.entries(skipped || {})
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => ({ key: 'outcome.skipped', params: { count, why: { key: skipKey(code) } } }));
}

/** @param {string} code */
function skipKey(code) {
  return REFUSALS.includes(code) ? `outcome.skip.${code}` : 'outcome.skip.other';
}

/**
 * Why a delivery was cancelled, in words (the server's code when it is not a known one).
 * @param {string|null|undefined} reason
 * @returns {Phrase|null}
 */
export function cancelPhrase(reason) {
  if (!reason) return null;
  return reason === 'rerouted' ? { key: 'outcome.cancel.rerouted' } : { key: 'outcome.cancel.other', params: { reason } };
}

const EMAIL_REASONS = ['no_target', 'no_links', 'too_large', 'default_route_drop', 'outside_window'];

/**
 * Why an email was ignored or parked, in words; null for an email accepted as usual.
 * @param {string|null|undefined} reason the stored reason (`no_links`, `excluded_keyword: x`...)
 * @param {boolean} [short] a few words for a list rather than the whole sentence
 * @returns {Phrase|null}
 */
export function emailReasonPhrase(reason, short = false) {
  if (!reason) return null;
  const prefix = short ? 'outcome.email_short' : 'outcome.email';
  const keyword = /^excluded_keyword:\s*(.*)$/.exec(reason);
  if (keyword) return { key: `${prefix}.excluded_keyword`, params: { keyword: keyword[1] } };
  if (EMAIL_REASONS.includes(reason)) return { key: `${prefix}.${reason}` };
  return { key: 'outcome.email.other', params: { reason } };
}

/**
 * Where a planned or existing delivery stands: waiting (why), sent at once, or due later.
 * @param {Planned} row
 * @param {number} now seconds
 * @returns {Phrase}
 */
export function plannedPhrase(row, now) {
  const waiting = row.state === 'held' ? waitingPhrase(row.hold_reason, row.deliver_at) : null;
  if (waiting) return waiting;
  if (row.state === 'scheduled' && (row.deliver_at ?? 0) > now + 60) {
    return { key: 'outcome.plan.later', params: { at: { time: /** @type {number} */ (row.deliver_at) } } };
  }
  if (row.state === 'scheduled') return { key: 'outcome.plan.now' };
  return { key: `outcome.plan.${row.state === 'delivered' ? 'delivered' : 'kept'}` };
}

/**
 * One line of a re-route: a cancelled delivery is no longer sent; the others say where they stand.
 * @param {Planned & {change: 'new'|'kept'|'cancelled'}} row
 * @param {number} now seconds
 * @returns {Phrase}
 */
export function rerouteLinePhrase(row, now) {
  return row.change === 'cancelled' ? { key: 'outcome.plan.cancelled' } : plannedPhrase(row, now);
}

/**
 * A re-route's lines, in the order a person checks them: new deliveries, kept, cancelled.
 * @param {Reroute} result
 * @returns {Array<Planned & {change: 'new'|'kept'|'cancelled'}>}
 */
export function rerouteRows(result) {
  return [
    ...(result.new || []).map((d) => ({ ...d, change: /** @type {const} */ ('new') })),
    ...(result.kept || []).map((d) => ({ ...d, change: /** @type {const} */ ('kept') })),
    ...(result.cancelled || []).map((d) => ({ ...d, change: /** @type {const} */ ('cancelled') })),
  ];
}

/**
 * What a re-route changes for one email, in one sentence.
 * @param {Reroute} result
 * @returns {Phrase}
 */
export function rerouteHeadline(result) {
  const reason = emailReasonPhrase(result.reason);
  if (result.status === 'parked') return { key: 'outcome.reroute.parked' };
  if (result.status === 'ignored') {
    const key = result.status_before === 'ignored' ? 'outcome.reroute.still_ignored' : 'outcome.reroute.ignored';
    return { key, params: { why: reason || { key: 'outcome.email.unknown' } } };
  }
  const added = (result.new || []).length;
  const cancelled = (result.cancelled || []).length;
  if (!added && !cancelled) return { key: 'outcome.reroute.same' };
  return { key: cancelled ? 'outcome.reroute.moved' : 'outcome.reroute.new', params: { count: added, cancelled } };
}

/**
 * A filtered re-route in figures: emails matched, those it changes, and the new deliveries
 * and cancellations, with the new ones counted per target.
 * @param {Reroute[]} results
 */
export function rerouteTotals(results) {
  /** @type {Record<string, number>} */
  const perTarget = {};
  let changed = 0;
  let added = 0;
  let cancelled = 0;
  for (const r of results) {
    const n = (r.new || []).length;
    const c = (r.cancelled || []).length;
    if (n || c || r.status !== r.status_before) changed += 1;
    added += n;
    cancelled += c;
    for (const d of r.new || []) perTarget[d.target] = (perTarget[d.target] || 0) + 1;
  }
  return { emails: results.length, changed, added, cancelled, perTarget };
}
