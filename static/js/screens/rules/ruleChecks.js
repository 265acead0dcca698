// Checking a rule before it is sent (the same limits as the server, RE2's refusals caught
// where JavaScript can see them) and placing the server's 422 details on rules and conditions.
// The problems are message keys: the screen words them.

import { FIELDS, HEADER_PREFIX, MAX_CONDITIONS, MAX_VALUE_CHARS, OPERATORS, isBooleanField, splitOperator } from './ruleModel.js';

/**
 * @typedef {import('./ruleModel.js').Condition} Condition
 * @typedef {import('./ruleModel.js').Rule} Rule
 * @typedef {{rule?: string[], id?: string, targets?: string, conditions: Record<number, string>}} RuleErrors
 */

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

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
