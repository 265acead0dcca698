// The rule editor: name (the id is made from it, editable under "Advanced"), every field and
// operator, conditions added and removed (conditionFields.js), actions with targets, and inline
// validation (a bad regex is shown before anything is saved). Its "Save rule" saves.

import { h, replace, uid } from '../../dom.js';
import { t } from '../../i18n.js';
import { conditionsFieldset, refreshCondition } from './conditionFields.js';
import { box, checkField, labelled, select } from './ruleControls.js';
import { PRIORITIES, WINDOW_POLICIES, ruleIdFromName } from './ruleModel.js';
import { validateRule } from './ruleChecks.js';
import './messages.js';

/**
 * @typedef {import('./ruleControls.js').Rule} Rule
 * @typedef {import('./ruleControls.js').Condition} Condition
 * @typedef {import('./ruleControls.js').TargetChoice} TargetChoice
 * @typedef {import('./ruleControls.js').ServerSlot} ServerSlot
 * @typedef {import('./ruleControls.js').EditorOptions} EditorOptions
 * @typedef {import('./ruleControls.js').Editor} Editor
 */

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
