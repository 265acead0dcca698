// Emails screen: the rule trace and the schedule in words (either language), the links with
// their copies, the detector's notes. Pure: phrases (message keys with parameters).

/**
 * @typedef {{rule_id: string, name: string, matched: boolean, skipped: string|null, failed_condition: number|null, reason: string}} TraceEntry
 * @typedef {import('../../statusLogic.js').Phrase} Phrase
 */

/**
 * The outcome of one rule: `matched`, `not_matched`, `disabled` or `after_stop`.
 * @param {TraceEntry} entry
 */
export function traceOutcome(entry) {
  if (entry.skipped === 'disabled') return 'disabled';
  if (entry.skipped === 'after_stop') return 'after_stop';
  return entry.matched ? 'matched' : 'not_matched';
}

const PATTERNS = /** @type {Array<[RegExp, string]>} */ ([
  [/^all (\d+) conditions matched$/, 'emails.why.all_matched'],
  [/^none of (\d+) conditions matched$/, 'emails.why.none_matched'],
  [/^condition (\d+) \((\S+) (\S+)\) matched$/, 'emails.why.cond_matched'],
  [/^condition (\d+) \((\S+) (\S+)\) did not match$/, 'emails.why.cond_failed'],
  [/^rule disabled$/, 'emails.why.disabled'],
  [/^an earlier rule stopped evaluation$/, 'emails.why.after_stop'],
]);

const FIELDS = ['sender', 'sender_header', 'sender_domain', 'subject', 'body', 'to', 'cc', 'detector', 'label', 'link_provider', 'has_links', 'has_attachments'];
const OPERATORS = ['equals', 'contains', 'starts_with', 'ends_with', 'regex', 'in'];

/**
 * A condition's field in words (`header:X` names its header).
 * @param {string} field
 * @returns {Phrase}
 */
export function fieldPhrase(field) {
  if (field.startsWith('header:')) return { key: 'emails.field.header', params: { name: field.slice(7) } };
  return FIELDS.includes(field) ? { key: `emails.field.${field}` } : { key: 'emails.why.raw', params: { reason: field } };
}

/**
 * A condition's operator in words (`not_contains`: "does not contain").
 * @param {string} operator
 * @returns {Phrase}
 */
export function operatorPhrase(operator) {
  const base = operator.replace(/^not_/, '');
  return OPERATORS.includes(base) ? { key: `emails.op.${operator}` } : { key: 'emails.why.raw', params: { reason: operator } };
}

/**
 * Why a rule matched or not, as a phrase; the server's words when they are not known ones.
 * Conditions are numbered from 1 for people (the server counts from 0); their field and
 * operator are worded too.
 * @param {TraceEntry} entry
 * @returns {Phrase}
 */
export function traceReason(entry) {
  const reason = String(entry.reason || '');
  for (const [pattern, key] of PATTERNS) {
    const m = pattern.exec(reason);
    if (!m) continue;
    if (key.startsWith('emails.why.cond_')) return { key, params: { n: Number(m[1]) + 1, field: fieldPhrase(m[2]), operator: operatorPhrase(m[3]) } };
    if (m[1] !== undefined) return { key, params: { count: Number(m[1]) } };
    return { key };
  }
  return { key: 'emails.why.raw', params: { reason } };
}

/** The server's weekdays (email_processing/schedule.py), Monday first. */
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/**
 * An English weekday of the server in the language ("Monday" -> "lundi").
 * @param {string} day
 * @param {string} lang
 */
export function weekdayName(day, lang) {
  const index = WEEKDAYS.indexOf(day);
  if (index < 0) return day;
  return new Intl.DateTimeFormat(lang, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + index)));
}

/**
 * Which policy decided outside the window: the default one, or a detector's (urgent or not).
 * @param {string} source the policy key (`default`, `recadrage`, `recadrage.urgent`)
 * @param {(name: string) => string} label a detector's name for people
 * @returns {Phrase}
 */
export function sourcePhrase(source, label) {
  if (source === 'default') return { key: 'emails.source.default' };
  const urgent = /^(.+)\.urgent$/.exec(source);
  if (urgent) return { key: 'emails.source.urgent', params: { detector: label(urgent[1]) } };
  return { key: 'emails.source.detector', params: { detector: label(source) } };
}

/**
 * Why the schedule planned a target as it did, in words; the server's words otherwise.
 * @param {string|null|undefined} reason e.g. `outside the window: held until it opens (default)`
 * @param {string} lang
 * @param {(name: string) => string} [label] a detector's name for people
 * @returns {Phrase|null}
 */
export function scheduleReason(reason, lang, label = (name) => name) {
  if (!reason) return null;
  const text = reason.replace(/; every weekday is an absence day$/, '');
  if (text === 'inside the window') return { key: 'emails.reason.inside' };
  if (text === 'outside the window: held until it opens (accepted before the change)') return { key: 'emails.reason.outside_before' };
  const outside = /^outside the window: (held until it opens|sent anyway|dropped) \((.+)\)$/.exec(text);
  if (outside) return { key: `emails.reason.outside_${OUTSIDE[outside[1]]}`, params: { source: sourcePhrase(outside[2], label) } };
  const absence = /^absence day \((\w+)\): held to the next allowed day$/.exec(text);
  if (absence) return { key: 'emails.reason.absence_day', params: { day: weekdayName(absence[1], lang) } };
  return { key: 'emails.reason.raw', params: { reason } };
}

/** @type {Record<string, string>} */
const OUTSIDE = { 'held until it opens': 'hold', 'sent anyway': 'send', dropped: 'drop' };

/**
 * What the schedule did for one target: sent at once, held until a moment, dropped.
 * @param {{action?: string, deliver_at?: string|null}} plan
 * @returns {Phrase}
 */
export function planPhrase(plan) {
  const at = plan.deliver_at ? Date.parse(plan.deliver_at) : NaN;
  if (plan.action === 'send') return { key: 'emails.plan.send' };
  if (plan.action === 'drop') return { key: 'emails.plan.drop' };
  if (plan.action === 'hold') return Number.isNaN(at) ? { key: 'emails.plan.hold_never' } : { key: 'emails.plan.hold', params: { at: { time: at / 1000, bare: true } } };
  return { key: 'emails.plan.other', params: { action: String(plan.action || '') } };
}

/**
 * @typedef {{provider?: string, raw_url?: string, direct_url?: string, r2_url?: string, original_filename?: string, r2_error?: string}} Link
 */

/**
 * The URLs to show for a link, labelled: raw, direct, R2 copy (only those present, http(s) only).
 * @param {Link} link
 * @returns {Array<{kind: 'raw'|'direct'|'r2', url: string}>}
 */
export function linkUrls(link) {
  /** @type {Array<{kind: 'raw'|'direct'|'r2', url: string}>} */
  const out = [];
  for (const [kind, url] of /** @type {Array<['raw'|'direct'|'r2', string|undefined]>} */ ([
    ['raw', link.raw_url],
    ['direct', link.direct_url],
    ['r2', link.r2_url],
  ])) {
    if (url && /^https?:\/\//i.test(url)) out.push({ kind, url });
  }
  return out;
}

const DETECTOR_NOTES = ['urgent', 'delivery_time'];

/**
 * Detector annotations worth listing (everything but the name): the message key of the known
 * ones (`emails.detector.urgent`), null for others; true and false as yes and no.
 * @param {Record<string, unknown>|null|undefined} detector
 * @returns {Array<{name: string, key: string|null, value: string, yes?: boolean}>}
 */
export function detectorFacts(detector) {
  if (!detector) return [];
  return Object.entries(detector)
    .filter(([name]) => name !== 'detector')
    .map(([name, value]) => ({
      name,
      key: DETECTOR_NOTES.includes(name) ? `emails.detector.${name}` : null,
      value: typeof value === 'string' ? value : JSON.stringify(value),
      ...(typeof value === 'boolean' ? { yes: value } : {}),
    }));
}
