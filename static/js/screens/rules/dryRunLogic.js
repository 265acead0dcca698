// Pure logic of the dry run: the sample email from the pasted fields, the trace as steps
// counted from 1, and the before/after table of a replay (as codes: the screen words them).

import { sameJson } from './ruleModel.js';

/**
 * @typedef {import('./ruleModel.js').Rule} Rule
 * @typedef {import('./ruleModel.js').Outcome} Outcome
 */

/**
 * What differs between two outcomes: the parts an operator should look at.
 * @param {Outcome} before
 * @param {Outcome} after
 * @returns {string[]} among 'status', 'targets', 'rules'
 */
export function outcomeDiff(before, after) {
  /** @type {string[]} */
  const parts = [];
  if (before.status !== after.status || before.reason !== after.reason) parts.push('status');
  if (!sameJson(before.targets, after.targets)) parts.push('targets');
  if (!sameJson(before.rules, after.rules)) parts.push('rules');
  return parts;
}

/**
 * Rows for the before/after table from the replay answer.
 * Changed rows first (the API's order kept within each group).
 * @param {{changes: Array<{email_id: string, subject: string, before: Outcome, after: Outcome}>}} replay
 * @returns {Array<{emailId: string, subject: string, before: Outcome, after: Outcome, changed: string[]}>}
 */
export function replayRows(replay) {
  const rows = (replay.changes || []).map((change) => ({
    emailId: change.email_id,
    subject: change.subject,
    before: change.before,
    after: change.after,
    changed: outcomeDiff(change.before, change.after),
  }));
  return [...rows.filter((r) => r.changed.length), ...rows.filter((r) => !r.changed.length)];
}

/**
 * @typedef {{rule_id: string, name?: string, matched: boolean, skipped?: string|null,
 *   failed_condition?: number|null, reason?: string, why?: {code: string, count?: number, condition?: number}}} TraceEntry
 * @typedef {{code: string, count?: number, n?: number, field?: string, operator?: string}} Why
 * @typedef {{step: number, ruleId: string, name: string, outcome: 'matched'|'not_matched'|'disabled'|'after_stop', why: Why}} TraceStep
 */

/** @param {TraceEntry} entry */
function traceOutcome(entry) {
  if (entry.skipped === 'disabled' || entry.skipped === 'after_stop') return entry.skipped;
  return entry.matched ? 'matched' : 'not_matched';
}

/**
 * Why, from the entry's code (an entry stored before codes existed: from its outcome alone).
 * Conditions are numbered from 1 for people; their field and operator are the rule's.
 * @param {TraceEntry} entry
 * @param {Rule|undefined} rule the rule as it was tried
 * @returns {Why}
 */
function traceWhy(entry, rule) {
  const outcome = traceOutcome(entry);
  const code = entry.why?.code || outcome;
  /** @type {Why} */
  const why = { code };
  if (entry.why?.count !== undefined) why.count = entry.why.count;
  const index = entry.why?.condition;
  if (index === undefined) return why;
  const condition = rule?.conditions[index];
  return { ...why, n: index + 1, field: condition?.field, operator: condition?.operator };
}

/**
 * The trace as the dry run shows it: steps counted from 1, each rule's outcome, why.
 * @param {TraceEntry[]} trace
 * @param {Rule[]} rules the rules the dry run tried
 * @returns {TraceStep[]}
 */
export function traceSteps(trace, rules) {
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  return trace.map((entry, i) => ({
    step: i + 1,
    ruleId: entry.rule_id,
    name: entry.name || entry.rule_id,
    outcome: traceOutcome(entry),
    why: traceWhy(entry, byId.get(entry.rule_id)),
  }));
}

/**
 * Headers typed one per line as `Name: value` into an object (bad lines skipped).
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseHeaders(text) {
  /** @type {Record<string, string>} */
  const headers = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const name = line.slice(0, at).trim();
    if (name) headers[name] = line.slice(at + 1).trim();
  }
  return headers;
}

/**
 * The sample email for the dry run from the pasted fields (only what was filled).
 * @param {{sender: string, subject?: string, body?: string, to?: string, cc?: string, labels?: string, headers?: string, attachment?: boolean}} form
 * @param {string} date an RFC 2822 or ISO date (gives the email an identity)
 */
export function sampleEmail(form, date) {
  /** @type {Record<string, unknown>} */
  const email = { sender: form.sender.trim(), subject: form.subject || '', body: form.body || '', date };
  if (form.to) email.to = form.to;
  if (form.cc) email.cc = form.cc;
  const labels = (form.labels || '')
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  if (labels.length) email.labels = labels;
  const headers = parseHeaders(form.headers || '');
  if (Object.keys(headers).length) email.headers = headers;
  if (form.attachment) email.attachments = [{ name: 'attachment', size: 1 }];
  return email;
}
