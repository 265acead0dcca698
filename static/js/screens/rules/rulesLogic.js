// Pure logic of the Rules screen: the rule model's vocabulary, moving rules, a rule's id made
// from its name, checking a rule before it is sent, placing the server's 422 details, and the
// dry run's trace and before/after table (as codes: the screen words them).

/**
 * @typedef {{field: string, operator: string, value: string|boolean|string[], case_sensitive?: boolean}} Condition
 * @typedef {{targets: string[], stop?: boolean, priority?: 'normal'|'high', window_policy?: 'hold'|'drop'|'send'|null}} Actions
 * @typedef {{id: string, name?: string, enabled?: boolean, match?: 'all'|'any', conditions: Condition[], actions: Actions}} Rule
 * @typedef {{action: 'default_targets'|'drop', targets: string[]}} DefaultRoute
 * @typedef {{rules: Rule[], default_route: DefaultRoute}} RuleSet
 * @typedef {{rule?: string[], id?: string, targets?: string, conditions: Record<number, string>}} RuleErrors
 * @typedef {{status: string, reason: string|null, targets: string[], rules: string[]}} Outcome
 */

export const TEXT_FIELDS = ['sender', 'sender_header', 'sender_domain', 'subject', 'body', 'to', 'cc', 'detector'];
export const MULTI_FIELDS = ['label', 'link_provider'];
export const BOOLEAN_FIELDS = ['has_links', 'has_attachments'];
/** Every field a condition can test; `header` stands for `header:<Name>`. */
export const FIELDS = [...TEXT_FIELDS, ...MULTI_FIELDS, ...BOOLEAN_FIELDS, 'header'];
export const HEADER_PREFIX = 'header:';
export const BASE_OPERATORS = ['equals', 'contains', 'starts_with', 'ends_with', 'regex', 'in'];
/** Every operator, each positive one followed by its `not_` negation. */
export const OPERATORS = BASE_OPERATORS.flatMap((op) => [op, `not_${op}`]);
export const PRIORITIES = ['normal', 'high'];
export const WINDOW_POLICIES = ['hold', 'drop', 'send'];
export const MAX_CONDITIONS = 20;
export const MAX_VALUE_CHARS = 1000;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

/**
 * A copy of `list` with the item at `from` moved to index `to` (clamped).
 * @template T
 * @param {T[]} list
 * @param {number} from
 * @param {number} to
 * @returns {T[]}
 */
export function moveItem(list, from, to) {
  const copy = list.slice();
  if (from < 0 || from >= copy.length) return copy;
  const target = Math.max(0, Math.min(copy.length - 1, to));
  const [item] = copy.splice(from, 1);
  copy.splice(target, 0, item);
  return copy;
}

/**
 * Where a dragged item lands when dropped before/after the item at `over`.
 * @param {number} from index being dragged
 * @param {number} over index of the item under the pointer
 * @param {boolean} after dropped on the lower half of that item
 * @returns {number} the new index for moveItem
 */
export function dropIndex(from, over, after) {
  let to = after ? over + 1 : over;
  if (from < to) to -= 1;
  return to;
}

/**
 * The new index for Alt+ArrowUp/Down (or Home/End with Alt), or null for other keys.
 * @param {string} key
 * @param {number} index
 * @param {number} count
 * @returns {number|null}
 */
export function keyboardMove(key, index, count) {
  if (key === 'ArrowUp') return index > 0 ? index - 1 : null;
  if (key === 'ArrowDown') return index < count - 1 ? index + 1 : null;
  if (key === 'Home') return index > 0 ? 0 : null;
  if (key === 'End') return index < count - 1 ? count - 1 : null;
  return null;
}

/** @param {string} field */
export function isBooleanField(field) {
  return BOOLEAN_FIELDS.includes(field);
}

/** @param {string} operator @returns {[string, boolean]} base operator and negation */
export function splitOperator(operator) {
  return operator.startsWith('not_') ? [operator.slice(4), true] : [operator, false];
}

/**
 * A rule id not used yet: `rule-1`, `rule-2`...
 * @param {string[]} taken
 */
export function freshRuleId(taken) {
  let n = taken.length + 1;
  while (taken.includes(`rule-${n}`)) n += 1;
  return `rule-${n}`;
}

/**
 * A name as an id: lower case, accents dropped, anything else a dash ("Factures clients" ->
 * "factures-clients"); empty when the name has no letter or digit.
 * @param {string} name
 */
export function slugify(name) {
  return String(name || '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60)
    .replace(/^-+|-+$/g, '');
}

/**
 * The id a new rule gets from its name, unique among `taken` ("invoices", "invoices-2"...);
 * `rule-N` while the name gives none. The person never has to invent one.
 * @param {string} name
 * @param {string[]} taken ids of the other rules
 */
export function ruleIdFromName(name, taken) {
  const base = slugify(name);
  if (!base) return freshRuleId(taken);
  let id = base;
  for (let n = 2; taken.includes(id); n += 1) id = `${base}-${n}`;
  return id;
}

/** @returns {Condition} */
export function blankCondition() {
  return { field: 'subject', operator: 'contains', value: '', case_sensitive: false };
}

/**
 * @param {string[]} taken ids already used
 * @param {string[]} targets known target ids (the first is preselected)
 * @returns {Rule}
 */
export function blankRule(taken, targets) {
  return {
    id: freshRuleId(taken),
    name: '',
    enabled: true,
    match: 'all',
    conditions: [blankCondition()],
    actions: { targets: targets.slice(0, 1), stop: true, priority: 'normal', window_policy: null },
  };
}

/**
 * The condition adjusted after its field or operator changed: booleans take
 * equals/not_equals with true/false; `in` takes a list; the others a string.
 * @param {Condition} condition
 * @returns {Condition}
 */
export function coerceCondition(condition) {
  const next = { ...condition };
  if (isBooleanField(next.field)) {
    const [, negated] = splitOperator(next.operator);
    next.operator = negated ? 'not_equals' : 'equals';
    next.value = typeof next.value === 'boolean' ? next.value : true;
    return next;
  }
  const [base] = splitOperator(next.operator);
  if (base === 'in') {
    if (!Array.isArray(next.value)) next.value = typeof next.value === 'string' && next.value ? [next.value] : [];
  } else if (Array.isArray(next.value)) next.value = next.value.join(', ');
  else if (typeof next.value === 'boolean') next.value = '';
  return next;
}

/**
 * One value per line (blank lines dropped) for `in`/`not_in`.
 * @param {string} text
 * @returns {string[]}
 */
export function parseList(text) {
  return text
    .split('\n')
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Make an RE2 pattern acceptable to JavaScript's RegExp so its syntax can be checked:
 * `(?P<name>` becomes `(?<name>`, inline flags `(?i)` / `(?i:` are dropped.
 * @param {string} pattern
 */
export function toJsPattern(pattern) {
  return pattern
    .replace(/\(\?P</g, '(?<')
    .replace(/\(\?[imsU-]+\)/g, '')
    .replace(/\(\?[imsU-]+:/g, '(?:');
}

/**
 * Why a regular expression would be refused, or null. JavaScript's RegExp is the first
 * check; the constructs RE2 refuses (look-arounds, back-references) are caught too.
 * The server (RE2) has the last word.
 * @param {string} pattern
 * @returns {null|'syntax'|'lookaround'|'backreference'|'empty'}
 */
export function regexProblem(pattern) {
  if (pattern === '') return 'empty';
  try {
    new RegExp(toJsPattern(pattern));
  } catch {
    return 'syntax';
  }
  if (/\(\?<?[=!]/.test(pattern)) return 'lookaround';
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreference';
  return null;
}

/** @param {string} field @returns {boolean} a known field, or `header:<valid name>` */
function knownField(field) {
  if (field.startsWith(HEADER_PREFIX)) return HEADER_NAME.test(field.slice(HEADER_PREFIX.length));
  return FIELDS.includes(field) && field !== 'header';
}

/** @param {unknown} value @returns {string|null} */
function listProblem(value) {
  if (!Array.isArray(value) || value.length === 0) return 'list_empty';
  return value.some((v) => v.length > MAX_VALUE_CHARS) ? 'too_long' : null;
}

/** @param {unknown} value @param {string} base @returns {string|null} */
function textProblem(value, base) {
  if (typeof value !== 'string') return 'value';
  if (value.length > MAX_VALUE_CHARS) return 'too_long';
  if (base === 'regex') {
    const problem = regexProblem(value);
    return problem ? `regex_${problem}` : null;
  }
  return value === '' && base !== 'equals' ? 'value_empty' : null;
}

/**
 * What is wrong with one condition (a message key), or null.
 * @param {Condition} condition
 * @returns {string|null}
 */
export function conditionProblem(condition) {
  const { field, operator, value } = condition;
  if (!knownField(field)) return 'header_name';
  if (!OPERATORS.includes(operator)) return 'operator';
  const [base] = splitOperator(operator);
  if (isBooleanField(field)) return base === 'equals' && typeof value === 'boolean' ? null : 'boolean';
  return base === 'in' ? listProblem(value) : textProblem(value, base);
}

/** @param {string|undefined} raw @param {string[]} otherIds @returns {string|undefined} */
function idProblem(raw, otherIds) {
  const id = (raw || '').trim();
  if (!id) return 'id_required';
  if (id.length > 100) return 'id_too_long';
  return otherIds.includes(id) ? 'id_taken' : undefined;
}

/** @param {Rule} rule @returns {string[]|undefined} */
function shapeProblem(rule) {
  if (!rule.conditions.length) return ['no_conditions'];
  return rule.conditions.length > MAX_CONDITIONS ? ['too_many_conditions'] : undefined;
}

/**
 * Check a rule before it is sent. Keys of the result are message keys (see the screen).
 * @param {Rule} rule
 * @param {string[]} otherIds ids of the other rules
 * @returns {RuleErrors|null} null when the rule looks fine
 */
export function validateRule(rule, otherIds) {
  /** @type {RuleErrors} */
  const errors = { conditions: {} };
  const id = idProblem(rule.id, otherIds);
  if (id) errors.id = id;
  const shape = shapeProblem(rule);
  if (shape) errors.rule = shape;
  // A switched-off rule may keep no target (what deleting its last target leaves).
  if (rule.enabled !== false && !rule.actions.targets.length) errors.targets = 'no_targets';
  rule.conditions.forEach((condition, index) => {
    const problem = conditionProblem(condition);
    if (problem) errors.conditions[index] = problem;
  });
  const bad = Object.keys(errors.conditions).length > 0 || Boolean(errors.id || errors.rule || errors.targets);
  return bad ? errors : null;
}

/**
 * The number after `key` in a 422 location, if any.
 * @param {Array<string|number>} loc @param {string} key
 * @returns {number|undefined}
 */
function indexAfter(loc, key) {
  const at = loc.indexOf(key);
  const value = at >= 0 ? loc[at + 1] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/**
 * The condition a 422 detail is about: from its location, else "condition N" in its message.
 * @param {{loc?: Array<string|number>, msg: string}} detail
 * @returns {number|null}
 */
function conditionOf(detail) {
  const fromLoc = indexAfter(detail.loc || [], 'conditions');
  if (fromLoc !== undefined) return fromLoc;
  const fromMsg = /condition (\d+)/.exec(detail.msg);
  return fromMsg ? Number(fromMsg[1]) : null;
}

/**
 * Place the server's 422 details on rules and conditions. RE2 speaks last: a pattern
 * JavaScript accepted may still be refused, and the message names "condition N".
 * @param {Array<{loc?: Array<string|number>, msg: string}>} details
 * @returns {{rules: Record<number, {messages: string[], conditions: Record<number, string>}>, other: string[]}}
 */
export function placeServerErrors(details) {
  /** @type {Record<number, {messages: string[], conditions: Record<number, string>}>} */
  const rules = {};
  /** @type {string[]} */
  const other = [];
  for (const detail of details || []) {
    const ruleIndex = indexAfter(detail.loc || [], 'rules');
    if (ruleIndex === undefined) {
      other.push(detail.msg);
      continue;
    }
    const slot = (rules[ruleIndex] ||= { messages: [], conditions: {} });
    const condIndex = conditionOf(detail);
    if (condIndex === null) slot.messages.push(detail.msg);
    else slot.conditions[condIndex] = detail.msg;
  }
  return { rules, other };
}

/**
 * The index of the rule named by a 422 message like "rule 2 ('id'): unknown target".
 * @param {string} message
 * @returns {number|null}
 */
export function ruleIndexInMessage(message) {
  const found = /^rule (\d+) /.exec(message || '');
  return found ? Number(found[1]) : null;
}

/**
 * @typedef {{field: (field: string) => string, op: (op: string) => string, bool: (value: boolean) => string}} ConditionWords
 */

/** @type {ConditionWords} */
const RAW_WORDS = { field: (f) => f, op: (op) => op.replace(/_/g, ' '), bool: (v) => String(v) };

/**
 * @param {Condition['value']} value
 * @param {ConditionWords} words
 */
function valueText(value, words) {
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if (typeof value === 'boolean') return words.bool(value);
  return JSON.stringify(value);
}

/**
 * A short text for a condition: `subject contains "invoice"` (the screen passes its words:
 * `Objet contient "invoice"`).
 * @param {Condition} condition
 * @param {ConditionWords} [words]
 */
export function conditionText(condition, words = RAW_WORDS) {
  const cs = condition.case_sensitive ? ' (Aa)' : '';
  return `${words.field(condition.field)} ${words.op(condition.operator)} ${valueText(condition.value, words)}${cs}`;
}

/**
 * @param {unknown} a
 * @param {unknown} b
 */
export function sameJson(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A rule in the shape the server stores (defaults filled), for comparing drafts.
 * @param {Rule} rule
 * @returns {Rule}
 */
export function normalizeRule(rule) {
  return {
    id: rule.id.trim(),
    name: rule.name || '',
    enabled: rule.enabled !== false,
    match: rule.match || 'all',
    conditions: rule.conditions.map((c) => ({
      field: c.field,
      operator: c.operator,
      value: c.value,
      case_sensitive: Boolean(c.case_sensitive),
    })),
    actions: {
      targets: rule.actions.targets.slice(),
      stop: rule.actions.stop !== false,
      priority: rule.actions.priority || 'normal',
      window_policy: rule.actions.window_policy || null,
    },
  };
}

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
