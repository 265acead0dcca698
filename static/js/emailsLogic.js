// Emails screen: the rule trace in words (either language), the links with their copies. Pure.

/**
 * @typedef {{rule_id: string, name: string, matched: boolean, skipped: string|null, failed_condition: number|null, reason: string}} TraceEntry
 * @typedef {{key: string, params?: Record<string, string|number>}} Phrase
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

/**
 * Why a rule matched or not, as a message key with parameters; the server's words otherwise.
 * Conditions are numbered from 1 for people (the server counts from 0).
 * @param {TraceEntry} entry
 * @returns {Phrase}
 */
export function traceReason(entry) {
  const reason = String(entry.reason || '');
  for (const [pattern, key] of PATTERNS) {
    const m = pattern.exec(reason);
    if (!m) continue;
    if (key.startsWith('emails.why.cond_')) return { key, params: { n: Number(m[1]) + 1, field: m[2], operator: m[3] } };
    if (m[1] !== undefined) return { key, params: { count: Number(m[1]) } };
    return { key };
  }
  return { key: 'emails.why.raw', params: { reason } };
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

/**
 * Detector annotations worth listing (everything but the name), as [key, text] pairs.
 * @param {Record<string, unknown>|null|undefined} detector
 * @returns {Array<[string, string]>}
 */
export function detectorFacts(detector) {
  if (!detector) return [];
  return Object.entries(detector)
    .filter(([key]) => key !== 'detector')
    .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]);
}
