// The server's status in words: each banner reason, a target's health and a failed attempt's
// error, as phrases (message keys with parameters, and where to act). Pure: outcomeWords.js
// turns a phrase into text in the current language.

/**
 * @typedef {{time: number, bare?: boolean}} TimeParam a moment (Unix seconds), worded by the caller:
 *   "at 14:00", "tomorrow at 14:00"... or, `bare`, "14:00", "tomorrow 14:00" (after "until")
 * @typedef {string|number|TimeParam|Phrase} Param
 * @typedef {{key: string, params?: Record<string, Param>}} Phrase
 * @typedef {{screen: string, params?: Record<string, string>, key: string}} Link where to act
 * @typedef {Phrase & {link?: Link}} ActionPhrase
 * @typedef {{code: string, level: 'green'|'amber'|'red', params: Record<string, any>}} Reason
 * @typedef {{state: string, last_error?: string|null, last_status_code?: number|null,
 *   until?: number|null, reason?: string|null, last_attempt_at?: number|null, last_ok_at?: number|null}} Health
 */

/** Errors an attempt records (besides `http_<code>`), each with its own words. */
const ERRORS = [
  'gone',
  'timeout',
  'dns_error',
  'connection_error',
  'success_not_true',
  'invalid_url',
  'blocked_address',
  'email_expired',
  'lease_expired',
];

/**
 * A failed attempt's error in words: "HTTP 503", "timed out", "DNS lookup failed"...
 * @param {string|null|undefined} code the recorded error (`http_503`, `timeout`...)
 * @param {number|null|undefined} [statusCode] the receiver's answer, when there was one
 * @returns {Phrase}
 */
export function errorPhrase(code, statusCode) {
  const http = /^http_(\d{3})$/.exec(code || '');
  if (http) return { key: 'outcome.error.http', params: { code: Number(http[1]) } };
  if (code && ERRORS.includes(code)) return { key: `outcome.error.${code}` };
  if (code) return { key: 'outcome.error.other', params: { code } };
  if (statusCode) return { key: 'outcome.error.http', params: { code: statusCode } };
  return { key: 'outcome.error.unknown' };
}

/** What the worker records when a receiver's 410 switches its target off. */
const GONE_REASON = 'receiver answered 410 Gone';

/**
 * Why a target was switched off, in words (the server's own text when it is not a known one);
 * null when nobody said why (switched off by hand).
 * @param {string|null|undefined} why
 * @returns {Phrase|null}
 */
export function whyPhrase(why) {
  if (!why) return null;
  return why === GONE_REASON ? { key: 'outcome.why.gone' } : { key: 'outcome.why.raw', params: { why } };
}

/** The badge colour of each health state. */
export const HEALTH_TONES = /** @type {const} */ ({
  untested: 'info',
  healthy: 'green',
  failing: 'amber',
  circuit_open: 'red',
  disabled: 'red',
});

/** @type {Record<string, (health: Health) => Phrase>} */
const HEALTH = {
  untested: () => ({ key: 'outcome.health.untested' }),
  healthy: () => ({ key: 'outcome.health.healthy' }),
  failing: (hl) => ({ key: 'outcome.health.failing', params: { error: errorPhrase(hl.last_error, hl.last_status_code) } }),
  circuit_open: (hl) => ({ key: 'outcome.health.circuit_open', params: { until: { time: Number(hl.until), bare: true } } }),
  disabled: (hl) => {
    const why = whyPhrase(hl.reason);
    return why ? { key: 'outcome.health.disabled_why', params: { why } } : { key: 'outcome.health.disabled' };
  },
};

/**
 * A target's health as a badge: its colour and its words (an unknown state reads as untested).
 * @param {Health|null|undefined} health
 * @returns {{tone: string, phrase: Phrase}}
 */
export function healthBadge(health) {
  const state = health && health.state in HEALTH ? health.state : 'untested';
  const tone = HEALTH_TONES[/** @type {keyof typeof HEALTH_TONES} */ (state)];
  return { tone, phrase: HEALTH[state](health || { state }) };
}

/**
 * The line under the badge: the last success, else the last try; null before any attempt.
 * @param {Health|null|undefined} health
 * @returns {Phrase|null}
 */
export function healthHistory(health) {
  if (!health || health.state === 'untested') return null;
  if (health.last_ok_at) return { key: 'outcome.health.last_ok', params: { at: { time: health.last_ok_at } } };
  if (health.last_attempt_at) return { key: 'outcome.health.never_ok', params: { at: { time: health.last_attempt_at } } };
  return null;
}

const TARGETS = { screen: 'targets', key: 'status.link.targets' };
const HELD = { screen: 'deliveries', params: { status: 'held' }, key: 'status.link.held' };

/** @type {Record<string, (p: Record<string, any>) => ActionPhrase>} */
const BANNER = {
  all_good: () => ({ key: 'status.all_good' }),
  store_degraded: () => ({ key: 'status.store_degraded' }),
  parked: (p) => ({
    key: 'status.parked',
    params: { count: p.count },
    link: { screen: 'emails', params: { status: 'parked' }, key: 'status.link.parked' },
  }),
  held_target_missing: (p) => ({
    key: 'status.held_target_missing',
    params: { count: p.count, target: p.target },
    link: { screen: 'deliveries', params: { status: 'held', target: p.target }, key: 'status.link.waiting' },
  }),
  held_target_disabled: disabledTarget,
  dead_letters: (p) => ({
    key: 'status.dead_letters',
    params: { count: p.count },
    link: { screen: 'deliveries', params: { status: 'dead' }, key: 'status.link.dead' },
  }),
  circuit_open: (p) => ({
    key: p.count ? 'status.circuit_open' : 'status.circuit_open_idle',
    params: { name: p.name, count: p.count, until: { time: Number(p.until), bare: true } },
    link: TARGETS,
  }),
  target_failing: (p) => ({
    key: 'status.target_failing',
    params: { name: p.name, error: errorPhrase(p.error, p.status_code) },
    link: TARGETS,
  }),
  waiting_paused: (p) => ({
    key: 'status.waiting_paused',
    params: { count: p.count },
    link: { screen: 'flags', key: 'status.link.flags' },
  }),
  waiting_window: (p) => ({ key: 'status.waiting_window', params: { count: p.count }, link: HELD }),
  waiting_absence_day: (p) => ({ key: 'status.waiting_absence_day', params: { count: p.count }, link: HELD }),
  waiting_rate_limited: (p) => ({ key: 'status.waiting_rate_limited', params: { count: p.count }, link: HELD }),
  retrying: (p) => ({
    key: 'status.retrying',
    params: { count: p.count },
    link: { screen: 'deliveries', params: { status: 'retrying' }, key: 'status.link.retrying' },
  }),
  backlog: (p) => ({ key: 'status.backlog', params: { minutes: p.minutes } }),
  quiet: (p) => ({ key: 'status.quiet', params: { hours: p.hours } }),
  no_ingress: () => ({ key: 'status.no_ingress' }),
  no_persistence: (p) => ({ key: 'status.no_persistence', params: { durability: p.durability } }),
};

/**
 * A target switched off: the mail waiting for it, why it was switched off, and what to do.
 * @param {Record<string, any>} p
 * @returns {ActionPhrase}
 */
function disabledTarget(p) {
  const why = whyPhrase(p.why);
  const params = { count: p.count, name: p.name || p.target, ...(why ? { why } : {}) };
  const key = p.count ? 'status.held_target' : 'status.target_idle';
  return { key: `${key}_${why ? 'disabled' : 'off'}`, params, link: TARGETS };
}

/**
 * One reason of the server's status banner in words, with where to act on it.
 * @param {Reason} reason
 * @returns {ActionPhrase}
 */
export function reasonPhrase(reason) {
  const build = BANNER[reason.code];
  return build ? build(reason.params || {}) : { key: 'status.unknown', params: { code: reason.code } };
}
