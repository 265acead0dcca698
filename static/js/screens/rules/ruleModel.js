// The rule model of the Rules screen: its vocabulary (fields, operators, priorities), moving
// rules in the list, a rule's id made from its name, blank rules and conditions, a condition
// adjusted after its field or operator changed, and the short text of a condition.

/**
 * @typedef {{field: string, operator: string, value: string|boolean|string[], case_sensitive?: boolean}} Condition
 * @typedef {{targets: string[], stop?: boolean, priority?: 'normal'|'high', window_policy?: 'hold'|'drop'|'send'|null}} Actions
 * @typedef {{id: string, name?: string, enabled?: boolean, match?: 'all'|'any', conditions: Condition[], actions: Actions}} Rule
 * @typedef {{action: 'default_targets'|'drop', targets: string[]}} DefaultRoute
 * @typedef {{rules: Rule[], default_route: DefaultRoute}} RuleSet
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
