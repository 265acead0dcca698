// The rule editor's small parts: a condition's field and operator in words (also used by the
// list and the dry run), and the labelled controls the editor is built from.

import { h, uid } from '../../dom.js';
import { t } from '../../i18n.js';
import { HEADER_PREFIX } from './ruleModel.js';
import './messages.js';

/**
 * @typedef {import('./ruleModel.js').Rule} Rule
 * @typedef {import('./ruleModel.js').Condition} Condition
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
export function checkField(label, control) {
  if (!control.id) control.id = uid('f');
  return h('div', { class: 'field inline' }, control, h('label', { for: control.id, text: label }));
}

/**
 * @param {string} label
 * @param {HTMLElement} control
 * @param {...(Node|null)} more
 */
export function labelled(label, control, ...more) {
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control, ...more);
}

/**
 * @param {string} value
 * @param {Array<[string, string]>} options value, label
 * @param {Record<string, any>} [attrs]
 */
export function select(value, options, attrs = {}) {
  return /** @type {HTMLSelectElement} */ (h('select', attrs, options.map(([v, label]) => h('option', { value: v, selected: v === value, text: label }))));
}

/**
 * A checkbox bound to a boolean of the rule.
 * @param {Editor} ed
 * @param {string} id
 * @param {boolean} checked
 * @param {(on: boolean) => void} set
 */
export function box(ed, id, checked, set) {
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
