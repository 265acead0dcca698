// The server's status in words: each banner reason, a target's health, a failed attempt's
// error, a Gmail mailbox's health, error and lag, as phrases (message keys with parameters,
// and where to act). Pure: outcomeWords.js turns a phrase into text in the current language.

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
const MAILBOXES = { screen: 'mailboxes', key: 'status.link.mailboxes' };
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
  mailbox_needs_reconnect: (p) => ({ key: 'status.mailbox_needs_reconnect', params: { mailbox: p.mailbox }, link: MAILBOXES }),
  mailbox_watch_expired: (p) => ({ key: 'status.mailbox_watch_expired', params: { mailbox: p.mailbox }, link: MAILBOXES }),
  mailbox_sync_failing: (p) => ({ key: 'status.mailbox_sync_failing', params: { mailbox: p.mailbox }, link: MAILBOXES }),
  mailbox_no_notification: (p) => ({ key: 'status.mailbox_no_notification', params: { mailbox: p.mailbox }, link: MAILBOXES }),
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

/**
 * @typedef {{address: string, state: string, health: string, source?: string,
 *   last_sync_ok_at?: number|null, last_error?: string|null, watch_error?: string|null,
 *   lag_seconds?: number|null}} MailboxHealth a connected Gmail mailbox, as the server lists it
 */

/** The badge colour of each mailbox health (`pending`: connected, not read to the end yet). */
export const MAILBOX_TONES = /** @type {const} */ ({
  ok: 'green',
  pending: 'info',
  needs_reconnect: 'red',
  watch_expired: 'amber',
  sync_failing: 'amber',
  no_notification: 'amber',
});

/**
 * A mailbox's health as a badge: its colour and its words (an unknown health says its code).
 * @param {MailboxHealth} mailbox
 * @returns {{tone: string, phrase: Phrase}}
 */
export function mailboxBadge(mailbox) {
  const health = mailbox.health === 'ok' && !mailbox.last_sync_ok_at ? 'pending' : mailbox.health;
  if (!(health in MAILBOX_TONES)) return { tone: 'info', phrase: { key: 'outcome.mailbox.other', params: { code: String(health) } } };
  return { tone: MAILBOX_TONES[/** @type {keyof typeof MAILBOX_TONES} */ (health)], phrase: { key: `outcome.mailbox.${health}` } };
}

/** The server's error texts for a mailbox (services/gmail), each with its own words. */
const MAILBOX_ERRORS = /** @type {Array<[RegExp, (m: RegExpExecArray) => Phrase]>} */ ([
  [/^Google refused the grant \((.*)\)$/, (m) => ({ key: 'outcome.mailbox.error.grant', params: { reason: m[1] } })],
  [/^Google answered (\d{3}) \((.*)\)$/, (m) => ({ key: 'outcome.mailbox.error.google', params: { status: Number(m[1]), reason: m[2] } })],
  [/^RELAIS_ENCRYPTION_KEY is not set$/, () => ({ key: 'outcome.mailbox.error.key_missing' })],
  [/^the stored token does not match RELAIS_ENCRYPTION_KEY$/, () => ({ key: 'outcome.mailbox.error.key_changed' })],
]);

/**
 * A mailbox's last error (or watch error) in words; a text the dashboard does not know is
 * shown as the server wrote it. Null when there is none.
 * @param {string|null|undefined} text
 * @returns {Phrase|null}
 */
export function mailboxErrorPhrase(text) {
  if (!text) return null;
  for (const [pattern, build] of MAILBOX_ERRORS) {
    const match = pattern.exec(text);
    if (match) return build(match);
  }
  return { key: 'outcome.mailbox.error.raw', params: { text } };
}

/**
 * How far behind the mailbox's reading is: "up to date" under a second, "2 s behind",
 * "never read to the end" before its first complete sync.
 * @param {number|null|undefined} seconds the server's `lag_seconds`
 * @param {(seconds: number) => string} duration words for a duration ("2 s", "1 min 5 s")
 * @returns {Phrase}
 */
export function lagPhrase(seconds, duration) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return { key: 'outcome.mailbox.lag_never' };
  if (seconds < 1) return { key: 'outcome.mailbox.lag_none' };
  return { key: 'outcome.mailbox.lag', params: { duration: duration(Math.round(seconds)) } };
}
