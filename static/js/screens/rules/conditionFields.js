// The rule editor's conditions: each row (field, operator, value, its inline error), adding
// and removing one, and the fieldset that holds them.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { box, checkField, labelled, operatorLabel, select } from './ruleControls.js';
import { BOOLEAN_FIELDS, FIELDS, HEADER_PREFIX, MAX_CONDITIONS, OPERATORS, blankCondition, coerceCondition, isBooleanField, parseList, splitOperator } from './ruleModel.js';
import { conditionProblem } from './ruleChecks.js';
import './messages.js';

/**
 * @typedef {import('./ruleControls.js').Condition} Condition
 * @typedef {import('./ruleControls.js').Editor} Editor
 */

/** @param {Editor} ed @param {number} index */
function conditionMessage(ed, index) {
  const problem = conditionProblem(ed.rule.conditions[index]);
  if (problem && (ed.showAll || ed.touched.has(index))) return t(`rules.err.${problem}`);
  return ed.server.conditions[index] || '';
}

/** @param {Editor} ed @param {number} index */
export function refreshCondition(ed, index) {
  const node = ed.errorNodes[index];
  if (!node) return;
  const message = conditionMessage(ed, index);
  node.textContent = message;
  node.hidden = !message;
  ed.valueNodes[index]?.setAttribute('aria-invalid', String(Boolean(message)));
}

/**
 * @param {Editor} ed
 * @param {number} index
 * @param {Partial<Condition>} change
 * @param {boolean} structural the row is rebuilt (another field or operator)
 */
function updateCondition(ed, index, change, structural) {
  ed.rule.conditions[index] = coerceCondition({ ...ed.rule.conditions[index], ...change });
  delete ed.server.conditions[index];
  ed.touched.add(index);
  ed.changed();
  if (structural) ed.rerender();
  else refreshCondition(ed, index);
}

/**
 * The value's control: yes/no, a list (one per line), or text.
 * @param {Editor} ed @param {Condition} condition @param {number} index
 * @returns {[HTMLElement, string]} the control and its label
 */
function valueInput(ed, condition, index) {
  const set = (/** @type {Partial<Condition>} */ change) => updateCondition(ed, index, change, false);
  if (isBooleanField(condition.field)) {
    const control = select(String(condition.value), [['true', t('rules.bool.true')], ['false', t('rules.bool.false')]]);
    control.addEventListener('change', () => set({ value: control.value === 'true' }));
    return [control, t('rules.form.value')];
  }
  if (splitOperator(condition.operator)[0] === 'in') {
    const control = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 3, value: Array.isArray(condition.value) ? condition.value.join('\n') : '' }));
    control.addEventListener('input', () => set({ value: parseList(control.value) }));
    return [control, t('rules.form.values')];
  }
  const regex = splitOperator(condition.operator)[0] === 'regex';
  const control = /** @type {HTMLInputElement} */ (h('input', { type: 'text', class: regex ? 'mono' : null, value: String(condition.value ?? ''), spellcheck: 'false', autocomplete: 'off' }));
  control.addEventListener('input', () => set({ value: control.value }));
  return [control, t('rules.form.value')];
}

/** @param {Editor} ed @param {Condition} condition @param {number} index */
function valueField(ed, condition, index) {
  const [control, label] = valueInput(ed, condition, index);
  control.id = `${ed.prefix}-c${index}-value`;
  control.setAttribute('aria-describedby', `${ed.prefix}-c${index}-error`);
  ed.valueNodes[index] = control;
  return h('div', { class: 'field rules-value' }, h('label', { for: control.id, text: label }), control);
}

/** @param {Editor} ed @param {Condition} condition @param {number} index */
function fieldAndOperator(ed, condition, index) {
  const isHeader = condition.field.startsWith(HEADER_PREFIX);
  const fieldSelect = select(isHeader ? 'header' : condition.field, FIELDS.map((f) => [f, t(`rules.field.${f}`)]), { id: `${ed.prefix}-c${index}-field` });
  fieldSelect.addEventListener('change', () => updateCondition(ed, index, { field: fieldSelect.value === 'header' ? HEADER_PREFIX : fieldSelect.value }, true));
  const ops = BOOLEAN_FIELDS.includes(condition.field) ? ['equals', 'not_equals'] : OPERATORS;
  const opSelect = select(condition.operator, ops.map((op) => [op, operatorLabel(op)]), { id: `${ed.prefix}-c${index}-op` });
  opSelect.addEventListener('change', () => updateCondition(ed, index, { operator: opSelect.value }, true));
  const header = isHeader
    ? h('input', {
        type: 'text',
        id: `${ed.prefix}-c${index}-header`,
        value: condition.field.slice(HEADER_PREFIX.length),
        placeholder: 'List-Id',
        oninput: (/** @type {Event} */ e) => updateCondition(ed, index, { field: HEADER_PREFIX + /** @type {HTMLInputElement} */ (e.target).value.trim() }, false),
      })
    : null;
  return [
    labelled(t('rules.form.field'), fieldSelect),
    header ? labelled(t('rules.form.header_name'), header) : null,
    labelled(t('rules.form.operator'), opSelect),
  ];
}

/** @param {Editor} ed @param {number} index */
function removeConditionButton(ed, index) {
  const label = t('rules.form.remove_condition', { n: index + 1 });
  return h('button', {
    type: 'button',
    class: 'small',
    id: `${ed.prefix}-c${index}-remove`,
    text: '✕',
    'aria-label': label,
    title: label,
    disabled: ed.rule.conditions.length <= 1,
    onclick: () => {
      ed.rule.conditions.splice(index, 1);
      ed.server = { ...ed.server, conditions: {} };
      ed.touched.clear();
      ed.changed();
      ed.rerender(`${ed.prefix}-c${Math.min(index, ed.rule.conditions.length - 1)}-field`);
    },
  });
}

/** @param {Editor} ed @param {Condition} condition @param {number} index */
function conditionRow(ed, condition, index) {
  const caseBox = isBooleanField(condition.field)
    ? null
    : checkField(t('rules.form.case_sensitive'), box(ed, `c${index}-case`, Boolean(condition.case_sensitive), (on) => updateCondition(ed, index, { case_sensitive: on }, false)));
  const error = h('p', { class: 'field-error', id: `${ed.prefix}-c${index}-error`, hidden: true });
  ed.errorNodes[index] = error;
  return h(
    'fieldset',
    { class: 'rules-condition' },
    h('legend', { text: t('rules.form.condition_n', { n: index + 1 }) }),
    h('div', { class: 'rules-condition-grid' }, fieldAndOperator(ed, condition, index), valueField(ed, condition, index), caseBox, h('div', { class: 'rules-remove' }, removeConditionButton(ed, index))),
    error,
  );
}

/** @param {Editor} ed */
export function conditionsFieldset(ed) {
  const add = h('button', {
    type: 'button',
    id: `${ed.prefix}-add`,
    disabled: ed.rule.conditions.length >= MAX_CONDITIONS,
    text: t('rules.form.add_condition'),
    onclick: () => {
      ed.rule.conditions.push(blankCondition());
      ed.changed();
      ed.rerender(`${ed.prefix}-c${ed.rule.conditions.length - 1}-field`);
    },
  });
  return h('fieldset', { class: 'rules-conditions' }, h('legend', { text: t('rules.form.conditions') }), ed.rule.conditions.map((c, i) => conditionRow(ed, c, i)), add);
}
