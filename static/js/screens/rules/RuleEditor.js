// The rule editor: name (the id is made from it, editable under "Advanced"), every field and
// operator, conditions added and removed, actions with targets, and inline validation (a bad
// regex is shown before anything is saved). Its "Save rule" saves.

import { h, replace, uid } from '../../dom.js';
import { t } from '../../i18n.js';
import {
  BOOLEAN_FIELDS,
  FIELDS,
  HEADER_PREFIX,
  MAX_CONDITIONS,
  OPERATORS,
  PRIORITIES,
  WINDOW_POLICIES,
  blankCondition,
  coerceCondition,
  conditionProblem,
  isBooleanField,
  parseList,
  ruleIdFromName,
  splitOperator,
  validateRule,
} from './rulesLogic.js';
import './messages.js';

/**
 * @typedef {import('./rulesLogic.js').Rule} Rule
 * @typedef {import('./rulesLogic.js').Condition} Condition
 * @typedef {{id: string, name: string, env?: boolean}} TargetChoice
 * @typedef {{messages: string[], conditions: Record<number, string>}} ServerSlot
 * @typedef {{
 *   rule: Rule, isNew: boolean, targets: TargetChoice[], otherIds: string[],
 *   onChange: (rule: Rule) => void, onSave: (rule: Rule, button: HTMLButtonElement) => void, onCancel: () => void,
 * }} EditorOptions
 * @typedef {{rule: Rule, options: EditorOptions, host: HTMLElement, prefix: string, server: ServerSlot,
 *   showAll: boolean, autoId: boolean, advancedOpen: boolean, touched: Set<number>,
 *   errorNodes: Record<number, HTMLElement>, valueNodes: Record<number, HTMLElement>,
 *   summary: HTMLElement, serverBox: HTMLElement, changed: () => void, rerender: (focusId?: string) => void}} Editor
 */

/** @param {string} op */
export function operatorLabel(op) {
  return t(`rules.op.${op}`);
}

/**
 * A condition's field in words (`header:List-Id` -> "header List-Id").
 * @param {string} field
 */
export function fieldLabel(field) {
  if (field.startsWith(HEADER_PREFIX)) return t('rules.header_named', { name: field.slice(HEADER_PREFIX.length) });
  return t(`rules.field.${field}`);
}

/**
 * @param {string} label
 * @param {HTMLElement} control
 */
function checkField(label, control) {
  if (!control.id) control.id = uid('f');
  return h('div', { class: 'field inline' }, control, h('label', { for: control.id, text: label }));
}

/**
 * @param {string} label
 * @param {HTMLElement} control
 * @param {...(Node|null)} more
 */
function labelled(label, control, ...more) {
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control, ...more);
}

/**
 * @param {string} value
 * @param {Array<[string, string]>} options value, label
 * @param {Record<string, any>} [attrs]
 */
function select(value, options, attrs = {}) {
  return /** @type {HTMLSelectElement} */ (h('select', attrs, options.map(([v, label]) => h('option', { value: v, selected: v === value, text: label }))));
}

/**
 * A checkbox bound to a boolean of the rule.
 * @param {Editor} ed
 * @param {string} id
 * @param {boolean} checked
 * @param {(on: boolean) => void} set
 */
function box(ed, id, checked, set) {
  return h('input', {
    type: 'checkbox',
    id: `${ed.prefix}-${id}`,
    checked,
    onchange: (/** @type {Event} */ e) => {
      set(/** @type {HTMLInputElement} */ (e.target).checked);
      ed.changed();
    },
  });
}

/** @param {Editor} ed @param {number} index */
function conditionMessage(ed, index) {
  const problem = conditionProblem(ed.rule.conditions[index]);
  if (problem && (ed.showAll || ed.touched.has(index))) return t(`rules.err.${problem}`);
  return ed.server.conditions[index] || '';
}

/** @param {Editor} ed @param {number} index */
function refreshCondition(ed, index) {
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
function conditionsFieldset(ed) {
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

/**
 * A target's checkbox: its name, and whether it comes from the environment.
 * @param {Editor} ed @param {TargetChoice} target
 */
function targetBox(ed, target) {
  const actions = ed.rule.actions;
  const input = box(ed, `target-${target.id}`, actions.targets.includes(target.id), (on) => {
    const others = actions.targets.filter((id) => id !== target.id);
    actions.targets = on ? [...others, target.id] : others;
  });
  const badge = target.env ? h('span', { class: 'badge env-badge', text: t('rules.env_badge') }) : null;
  return h('div', { class: 'field inline' }, input, h('label', { for: input.id }, target.name, badge ? ' ' : null, badge));
}

/** @param {Editor} ed */
function targetsFieldset(ed) {
  const { targets } = ed.options;
  const errors = ed.showAll ? validateRule(ed.rule, ed.options.otherIds) : null;
  // Targets named by the rule that no longer exist stay visible (the server will refuse them).
  const unknown = ed.rule.actions.targets.filter((id) => !targets.some((tg) => tg.id === id));
  return h(
    'fieldset',
    { class: 'rules-targets' },
    h('legend', { text: t('rules.form.targets') }),
    targets.length ? targets.map((target) => targetBox(ed, target)) : h('p', { class: 'help', text: t('rules.form.no_targets_defined') }),
    unknown.map((id) => h('p', { class: 'field-error', text: t('rules.form.unknown_target', { id }) })),
    errors?.targets ? h('p', { class: 'field-error', text: t(`rules.err.${errors.targets}`) }) : null,
  );
}

/** @param {Editor} ed */
function actionsFieldset(ed) {
  const actions = ed.rule.actions;
  const priority = select(actions.priority || 'normal', PRIORITIES.map((p) => [p, t(`rules.priority.${p}`)]), { id: `${ed.prefix}-priority` });
  priority.addEventListener('change', () => {
    actions.priority = /** @type {'normal'|'high'} */ (priority.value);
    ed.changed();
  });
  const policies = /** @type {Array<[string, string]>} */ (WINDOW_POLICIES.map((p) => [p, t(`rules.policy.${p}`)]));
  const policy = select(actions.window_policy || '', [['', t('rules.form.window_policy.none')], ...policies], { id: `${ed.prefix}-policy` });
  policy.addEventListener('change', () => {
    actions.window_policy = /** @type {any} */ (policy.value || null);
    ed.changed();
  });
  return h(
    'fieldset',
    { class: 'rules-actions' },
    h('legend', { text: t('rules.form.actions') }),
    targetsFieldset(ed),
    checkField(t('rules.form.stop'), box(ed, 'stop', actions.stop !== false, (on) => (actions.stop = on))),
    h('div', { class: 'rules-form-grid' }, labelled(t('rules.form.priority'), priority), labelled(t('rules.form.window_policy'), policy)),
  );
}

/**
 * The rule id, made from the name, under "Advanced" (opened when it is wrong).
 * @param {Editor} ed @param {string|undefined} error
 */
function idField(ed, error) {
  const input = /** @type {HTMLInputElement} */ (
    h('input', { type: 'text', id: `${ed.prefix}-id`, value: ed.rule.id, required: true, autocomplete: 'off', class: 'mono', 'aria-invalid': String(Boolean(error)) })
  );
  input.addEventListener('input', () => {
    ed.rule.id = input.value;
    ed.autoId = false; // typed by the person: the name no longer changes it
    ed.changed();
  });
  const details = h(
    'details',
    { class: 'rules-advanced', open: ed.advancedOpen || Boolean(error) },
    h('summary', { text: t('rules.form.advanced') }),
    labelled(t('rules.form.id'), input, h('p', { class: 'help', text: t('rules.form.id_help') }), error ? h('p', { class: 'field-error', text: t(`rules.err.${error}`) }) : null),
  );
  details.addEventListener('toggle', () => (ed.advancedOpen = /** @type {HTMLDetailsElement} */ (details).open));
  return { details, input };
}

/** @param {Editor} ed */
function identityFields(ed) {
  const errors = ed.showAll ? validateRule(ed.rule, ed.options.otherIds) : null;
  const id = idField(ed, errors?.id);
  const name = /** @type {HTMLInputElement} */ (h('input', { type: 'text', id: `${ed.prefix}-name`, value: ed.rule.name || '', maxlength: 200 }));
  name.addEventListener('input', () => {
    ed.rule.name = name.value;
    if (ed.autoId) id.input.value = ed.rule.id = ruleIdFromName(name.value, ed.options.otherIds);
    ed.changed();
  });
  const match = select(ed.rule.match || 'all', [['all', t('rules.form.match.all')], ['any', t('rules.form.match.any')]], { id: `${ed.prefix}-match` });
  match.addEventListener('change', () => {
    ed.rule.match = /** @type {'all'|'any'} */ (match.value);
    ed.changed();
  });
  return h(
    'div',
    { class: 'rules-form-grid' },
    labelled(t('rules.form.name'), name, h('p', { class: 'help', text: t('rules.form.name_help') })),
    labelled(t('rules.form.match'), match),
    checkField(t('rules.form.enabled'), box(ed, 'enabled', ed.rule.enabled !== false, (on) => (ed.rule.enabled = on))),
    id.details,
  );
}

/** @param {Editor} ed */
function render(ed) {
  ed.errorNodes = {};
  ed.valueNodes = {};
  const saveButton = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'primary', text: t('rules.form.save') }));
  const title = ed.options.isNew ? t('rules.form.new_title') : t('rules.form.edit_title', { name: ed.options.rule.name || ed.options.rule.id });
  const onsubmit = (/** @type {Event} */ e) => {
    e.preventDefault();
    ed.options.onSave(structuredClone(ed.rule), saveButton);
  };
  const cancel = h('button', { type: 'button', text: t('rules.form.cancel'), onclick: () => ed.options.onCancel() });
  replace(
    ed.host,
    h(
      'form',
      { class: 'rules-form', novalidate: true, 'aria-labelledby': `${ed.prefix}-title`, onsubmit },
      h('h3', { id: `${ed.prefix}-title`, text: title }),
      ed.summary,
      ed.serverBox,
      identityFields(ed),
      conditionsFieldset(ed),
      actionsFieldset(ed),
      h('div', { class: 'actions' }, cancel, saveButton),
    ),
  );
  ed.rule.conditions.forEach((_, index) => refreshCondition(ed, index));
  const local = ed.showAll ? validateRule(ed.rule, ed.options.otherIds)?.rule || [] : [];
  replace(ed.serverBox, [...local.map((k) => t(`rules.err.${k}`)), ...ed.server.messages].map((m) => h('p', { class: 'field-error', text: m })));
}

/** @param {Editor} ed */
function focusFirstInvalid(ed) {
  const first = ed.host.querySelector('[aria-invalid="true"]');
  if (first instanceof HTMLElement) first.focus();
}

/**
 * Mount the editor in `host`.
 * @param {HTMLElement} host
 * @param {EditorOptions} options
 * @returns {{getRule: () => Rule, validate: () => boolean, setServerErrors: (slot: ServerSlot|undefined) => void, focus: () => void}}
 */
export function RuleEditor(host, options) {
  /** @type {Editor} */
  const ed = {
    rule: structuredClone(options.rule),
    options,
    host,
    prefix: uid('rule-form'),
    server: { messages: [], conditions: {} },
    showAll: false, // after a save attempt, every problem is shown, not only touched ones
    autoId: options.isNew,
    advancedOpen: false,
    touched: new Set(),
    errorNodes: {},
    valueNodes: {},
    summary: h('p', { class: 'field-error', role: 'alert', hidden: true, text: t('rules.form.has_errors') }),
    serverBox: h('div', { class: 'rules-server-errors' }),
    changed: () => options.onChange(structuredClone(ed.rule)),
    rerender(focusId) {
      const active = focusId || document.activeElement?.id;
      render(ed);
      if (active) document.getElementById(active)?.focus();
    },
  };
  render(ed);
  return {
    getRule: () => structuredClone(ed.rule),
    validate() {
      ed.showAll = true;
      const errors = validateRule(ed.rule, options.otherIds);
      ed.rerender();
      ed.summary.hidden = !errors;
      if (errors) focusFirstInvalid(ed);
      return !errors;
    },
    setServerErrors(slot) {
      ed.server = slot ? { messages: slot.messages.slice(), conditions: { ...slot.conditions } } : { messages: [], conditions: {} };
      ed.rerender();
      ed.summary.hidden = !slot;
      if (slot) focusFirstInvalid(ed);
    },
    focus() {
      document.getElementById(`${ed.prefix}-name`)?.focus();
    },
  };
}
