import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  blankRule,
  coerceCondition,
  conditionText,
  dropIndex,
  keyboardMove,
  moveItem,
  normalizeRule,
  OPERATORS,
  parseList,
  ruleIdFromName,
} from '../../static/js/screens/rules/ruleModel.js';
import {
  conditionProblem,
  placeServerErrors,
  regexProblem,
  ruleIndexInMessage,
  toJsPattern,
  validateRule,
} from '../../static/js/screens/rules/ruleChecks.js';
import {
  outcomeDiff,
  parseHeaders,
  replayRows,
  sampleEmail,
  traceSteps,
} from '../../static/js/screens/rules/dryRunLogic.js';

test('every operator has its not_ negation', () => {
  assert.equal(OPERATORS.length, 12);
  assert.ok(OPERATORS.includes('not_regex') && OPERATORS.includes('in'));
});

test('moving rules keeps everything and clamps', () => {
  assert.deepEqual(moveItem(['a', 'b', 'c'], 2, 0), ['c', 'a', 'b']);
  assert.deepEqual(moveItem(['a', 'b', 'c'], 0, 9), ['b', 'c', 'a']);
  assert.deepEqual(moveItem(['a', 'b'], 5, 0), ['a', 'b']);
});

test('a drop before or after an item gives the right index', () => {
  assert.equal(dropIndex(2, 0, false), 0);
  assert.equal(dropIndex(0, 2, true), 2);
  assert.equal(dropIndex(0, 2, false), 1);
  assert.deepEqual(moveItem(['a', 'b', 'c'], 0, dropIndex(0, 2, false)), ['b', 'a', 'c']);
});

test('Alt+arrows move one step, not past the ends', () => {
  assert.equal(keyboardMove('ArrowUp', 1, 3), 0);
  assert.equal(keyboardMove('ArrowUp', 0, 3), null);
  assert.equal(keyboardMove('ArrowDown', 2, 3), null);
  assert.equal(keyboardMove('End', 0, 3), 2);
  assert.equal(keyboardMove('x', 0, 3), null);
});

test('regexes JavaScript or RE2 would refuse are caught before saving', () => {
  assert.equal(regexProblem('facture(unclosed'), 'syntax');
  assert.equal(regexProblem('(?=a)b'), 'lookaround');
  assert.equal(regexProblem('(a)\\1'), 'backreference');
  assert.equal(regexProblem('(?i)^re:'), null);
  assert.equal(regexProblem('(?P<n>\\d+)'), null);
  assert.equal(regexProblem(''), 'empty');
  assert.equal(toJsPattern('(?i:ab)(?P<x>c)'), '(?:ab)(?<x>c)');
});

test('conditions: booleans, lists, headers', () => {
  assert.equal(conditionProblem({ field: 'has_links', operator: 'equals', value: true }), null);
  assert.equal(conditionProblem({ field: 'has_links', operator: 'contains', value: 'x' }), 'boolean');
  assert.equal(conditionProblem({ field: 'label', operator: 'in', value: [] }), 'list_empty');
  assert.equal(conditionProblem({ field: 'header:X-Mailer', operator: 'contains', value: 'a' }), null);
  assert.equal(conditionProblem({ field: 'header:bad name', operator: 'contains', value: 'a' }), 'header_name');
  assert.equal(conditionProblem({ field: 'subject', operator: 'regex', value: '(' }), 'regex_syntax');
  assert.equal(conditionProblem({ field: 'subject', operator: 'contains', value: '' }), 'value_empty');
});

test('changing field or operator coerces the value', () => {
  assert.deepEqual(coerceCondition({ field: 'has_links', operator: 'not_contains', value: 'x' }), {
    field: 'has_links',
    operator: 'not_equals',
    value: true,
  });
  assert.deepEqual(coerceCondition({ field: 'label', operator: 'in', value: 'a' }).value, ['a']);
  assert.equal(coerceCondition({ field: 'label', operator: 'equals', value: ['a', 'b'] }).value, 'a, b');
  assert.deepEqual(parseList('a\n\n b \n'), ['a', 'b']);
});

test('a rule is checked as a whole', () => {
  const rule = blankRule(['rule-1'], ['make']);
  assert.equal(rule.id, 'rule-2');
  assert.deepEqual(rule.actions.targets, ['make']);
  rule.conditions[0].value = 'x';
  assert.equal(validateRule(rule, ['rule-1']), null);
  const errors = validateRule({ ...rule, id: 'rule-1', actions: { targets: [] } }, ['rule-1']);
  assert.equal(errors?.id, 'id_taken');
  assert.equal(errors?.targets, 'no_targets');
  assert.equal(validateRule({ ...rule, enabled: false, actions: { targets: [] } }, ['rule-1']), null);
  rule.conditions.push({ field: 'body', operator: 'regex', value: 'a(' });
  assert.deepEqual(validateRule(rule, [])?.conditions, { 1: 'regex_syntax' });
});

test("the server's 422 details land on the right rule and condition", () => {
  const placed = placeServerErrors([
    { loc: ['document', 'rules', 0], msg: "rule 'bad' ('B'), condition 1: invalid regular expression" },
    { loc: ['document', 'rules', 2, 'conditions', 0, 'field'], msg: 'unknown field' },
    { loc: ['document', 'rules', 3], msg: 'rule id is used twice' },
    { loc: ['document'], msg: 'whatever' },
  ]);
  assert.equal(placed.rules[0].conditions[1], "rule 'bad' ('B'), condition 1: invalid regular expression");
  assert.equal(placed.rules[2].conditions[0], 'unknown field');
  assert.deepEqual(placed.rules[3].messages, ['rule id is used twice']);
  assert.deepEqual(placed.other, ['whatever']);
  assert.equal(ruleIndexInMessage("rule 2 ('x'): unknown target 'ghost'"), 2);
  assert.equal(ruleIndexInMessage('default route: unknown target'), null);
});

test('normalised rules compare equal to what the server stores', () => {
  const rule = normalizeRule({ id: ' a ', conditions: [{ field: 'subject', operator: 'contains', value: 'x' }], actions: { targets: ['t'] } });
  assert.deepEqual(rule, {
    id: 'a',
    name: '',
    enabled: true,
    match: 'all',
    conditions: [{ field: 'subject', operator: 'contains', value: 'x', case_sensitive: false }],
    actions: { targets: ['t'], stop: true, priority: 'normal', window_policy: null },
  });
});

test('the before/after table says what changed, changed rows first', () => {
  const before = { status: 'accepted', reason: null, targets: ['make'], rules: [] };
  const after = { status: 'accepted', reason: null, targets: ['crm'], rules: ['r1'] };
  assert.deepEqual(outcomeDiff(before, after), ['targets', 'rules']);
  const rows = replayRows({ changes: [{ email_id: 'e1', subject: 'Hi', before, after }] });
  assert.deepEqual(rows[0].before, before, 'outcomes stay codes: the screen words them');
  assert.deepEqual(rows[0].changed, ['targets', 'rules']);
  const mixed = replayRows({
    changes: [
      { email_id: 'same', subject: '', before, after: before },
      { email_id: 'diff', subject: '', before, after },
    ],
  });
  assert.deepEqual(mixed.map((r) => [r.emailId, r.changed.length > 0]), [['diff', true], ['same', false]]);
});

test('a new rule gets its id from its name; nobody has to invent one', () => {
  assert.equal(ruleIdFromName('Factures clients', []), 'factures-clients');
  assert.equal(ruleIdFromName('  Été / Désabonnement !', []), 'ete-desabonnement');
  assert.equal(ruleIdFromName('Invoices', ['invoices', 'invoices-2']), 'invoices-3');
  assert.equal(ruleIdFromName('', ['rule-1']), 'rule-2');
  assert.equal(ruleIdFromName('!!!', []), 'rule-1');
  assert.ok(ruleIdFromName('x'.repeat(300), []).length <= 60);
});

test('a condition is written with the words given', () => {
  const words = { field: (/** @type {string} */ f) => `<${f}>`, op: (/** @type {string} */ o) => `[${o}]`, bool: (/** @type {boolean} */ v) => (v ? 'oui' : 'non') };
  assert.equal(conditionText({ field: 'subject', operator: 'contains', value: 'x', case_sensitive: true }, words), '<subject> [contains] "x" (Aa)');
  assert.equal(conditionText({ field: 'has_links', operator: 'equals', value: true }, words), '<has_links> [equals] oui');
  assert.equal(conditionText({ field: 'label', operator: 'in', value: ['a', 'b'] }), 'label in ["a", "b"]'.replace('["a", "b"]', '[a, b]'));
});

test('trace steps count from 1 and say why from the codes, with the condition counted from 1', () => {
  const rules = [
    { id: 'a', name: 'A', conditions: [{ field: 'subject', operator: 'contains', value: 'x' }, { field: 'body', operator: 'regex', value: 'y' }], actions: { targets: ['t'] } },
  ];
  const trace = [
    { rule_id: 'a', name: 'A', matched: false, skipped: null, failed_condition: 1, reason: 'condition 1 (body regex) did not match', why: { code: 'condition_failed', condition: 1 } },
    { rule_id: 'b', name: '', matched: true, skipped: null, failed_condition: null, reason: 'all 2 conditions matched', why: { code: 'all_matched', count: 2 } },
    { rule_id: 'c', name: 'C', matched: false, skipped: 'after_stop', failed_condition: null, reason: 'an earlier rule stopped evaluation' },
  ];
  assert.deepEqual(traceSteps(trace, rules), [
    { step: 1, ruleId: 'a', name: 'A', outcome: 'not_matched', why: { code: 'condition_failed', n: 2, field: 'body', operator: 'regex' } },
    { step: 2, ruleId: 'b', name: 'b', outcome: 'matched', why: { code: 'all_matched', count: 2 } },
    { step: 3, ruleId: 'c', name: 'C', outcome: 'after_stop', why: { code: 'after_stop' } },
  ]);
});

test('a pasted email keeps only what was filled', () => {
  assert.deepEqual(parseHeaders('X-A: 1\nbad line\nList-Id: <x>'), { 'X-A': '1', 'List-Id': '<x>' });
  const email = sampleEmail({ sender: ' a@b.c ', subject: 'S', labels: 'inbox, work', attachment: true }, 'D');
  assert.deepEqual(email, {
    sender: 'a@b.c',
    subject: 'S',
    body: '',
    date: 'D',
    labels: ['inbox', 'work'],
    attachments: [{ name: 'attachment', size: 1 }],
  });
});
