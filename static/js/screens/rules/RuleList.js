// The ordered rules (enable switch, move by drag-and-drop, by Alt+arrows or by the ↑ ↓
// buttons, edit, delete) and the default route: what happens when no rule matches.

import { h } from '../../dom.js';
import { getLang, t } from '../../i18n.js';
import { fieldLabel, operatorLabel } from './ruleControls.js';
import { conditionText, dropIndex, keyboardMove } from './ruleModel.js';
import './messages.js';

/**
 * @typedef {import('./ruleModel.js').Rule} Rule
 * @typedef {import('./ruleModel.js').DefaultRoute} DefaultRoute
 * @typedef {import('./RuleEditor.js').TargetChoice} TargetChoice
 * @typedef {{rules: Record<number, {messages: string[], conditions: Record<number, string>}>, other: string[]}} ServerErrors
 * @typedef {{move: (from: number, to: number, focus: 'handle'|'up'|'down'|null) => void,
 *   toggle: (index: number, box: HTMLInputElement) => void, edit: (index: number) => void,
 *   remove: (index: number, button: HTMLButtonElement) => void}} ListHandlers
 * @typedef {{rules: Rule[], errors: ServerErrors, targets: TargetChoice[], handlers: ListHandlers,
 *   drag: {from: number|null}, list: HTMLElement}} ListView
 */

/** @param {Rule} rule */
export function ruleName(rule) {
  return rule.name || rule.id;
}

/** @type {import('./ruleModel.js').ConditionWords} */
const WORDS = { field: fieldLabel, op: operatorLabel, bool: (v) => t(`rules.bool.${v}`) };

/**
 * "Subject contains "invoice" → Accounting (then continue)", in the page's language.
 * @param {Rule} rule
 * @param {TargetChoice[]} targets
 */
export function ruleSummary(rule, targets) {
  const joiner = rule.match === 'any' ? t('rules.or') : t('rules.and');
  const conditions = rule.conditions.map((c) => conditionText(c, WORDS)).join(joiner);
  const names = rule.actions.targets.map((id) => targets.find((x) => x.id === id)?.name || id);
  const list = new Intl.ListFormat(getLang(), { type: 'conjunction' }).format(names);
  const more = rule.actions.stop === false ? ` (${t('rules.continue')})` : '';
  return `${conditions} ${t('rules.arrow_targets', { targets: list })}${more}`;
}

/**
 * @param {ListView} view @param {Rule} rule @param {number} index
 */
function handleButton(view, rule, index) {
  const label = t('rules.handle', { name: ruleName(rule) });
  return h('button', {
    type: 'button',
    class: 'handle',
    id: `rules-handle-${index}`,
    'aria-label': label,
    'aria-describedby': 'rules-intro',
    title: label,
    text: '⠿',
    onkeydown: (/** @type {KeyboardEvent} */ e) => {
      if (!e.altKey) return;
      const to = keyboardMove(e.key, index, view.rules.length);
      if (to === null) return;
      e.preventDefault();
      view.handlers.move(index, to, 'handle');
    },
  });
}

/**
 * @param {ListView} view @param {Rule} rule @param {number} index
 */
function controls(view, rule, index) {
  const name = ruleName(rule);
  const { handlers } = view;
  const toggle = /** @type {HTMLInputElement} */ (
    h('input', { type: 'checkbox', id: `rules-enabled-${index}`, checked: rule.enabled !== false, 'aria-label': t('rules.enable_label', { name }) })
  );
  toggle.addEventListener('change', () => handlers.toggle(index, toggle));
  /** @param {'up'|'down'} dir @param {number} to @param {boolean} disabled */
  const arrow = (dir, to, disabled) =>
    h('button', { type: 'button', class: 'small', id: `rules-${dir}-${index}`, text: dir === 'up' ? '↑' : '↓', title: t(`rules.move_${dir}`, { name }), 'aria-label': t(`rules.move_${dir}`, { name }), disabled, onclick: () => handlers.move(index, to, dir) });
  return h(
    'div',
    { class: 'rule-controls' },
    h('label', { class: 'rule-switch', for: toggle.id }, toggle, h('span', { 'aria-hidden': 'true', text: t('rules.enabled') })),
    arrow('up', index - 1, index === 0),
    arrow('down', index + 1, index === view.rules.length - 1),
    h('button', { type: 'button', class: 'small', text: t('rules.edit'), 'aria-label': t('rules.edit_label', { name }), onclick: () => handlers.edit(index) }),
    h('button', {
      type: 'button',
      class: 'small danger',
      text: t('rules.delete'),
      'aria-label': t('rules.delete_label', { name }),
      onclick: (/** @type {Event} */ e) => handlers.remove(index, /** @type {HTMLButtonElement} */ (e.currentTarget)),
    }),
  );
}

/**
 * @param {ListView} view @param {Rule} rule @param {number} index
 */
function ruleMain(view, rule, index) {
  const slot = view.errors.rules[index];
  const messages = slot ? [...slot.messages, ...Object.values(slot.conditions)] : [];
  return h(
    'div',
    { class: 'rule-main' },
    h(
      'div',
      { class: 'rule-head' },
      h('strong', { class: 'rule-name', text: ruleName(rule) }),
      rule.enabled === false ? h('span', { class: 'badge warn', text: t('rules.disabled_badge') }) : null,
      rule.actions.priority === 'high' ? h('span', { class: 'badge', text: t('rules.priority.high') }) : null,
    ),
    h('p', { class: 'rule-summary', text: ruleSummary(rule, view.targets) }),
    messages.map((m) => h('p', { class: 'field-error', text: m })),
  );
}

/**
 * Drag-and-drop on one item: drop before or after it, by the pointer's half.
 * @param {ListView} view @param {HTMLElement} li @param {number} index
 */
function wireDrag(view, li, index) {
  li.addEventListener('dragstart', (e) => {
    view.drag.from = index;
    li.classList.add('dragging');
    e.dataTransfer?.setData('text/plain', view.rules[index].id);
    if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
  });
  li.addEventListener('dragover', (e) => {
    if (view.drag.from === null) return;
    e.preventDefault();
    const box = li.getBoundingClientRect();
    const after = e.clientY > box.top + box.height / 2;
    li.classList.toggle('drop-after', after);
    li.classList.toggle('drop-before', !after);
  });
  li.addEventListener('dragleave', () => li.classList.remove('drop-before', 'drop-after'));
  li.addEventListener('drop', (e) => {
    e.preventDefault();
    const after = li.classList.contains('drop-after');
    li.classList.remove('drop-before', 'drop-after');
    const from = view.drag.from;
    view.drag.from = null;
    if (from === null) return;
    const to = dropIndex(from, index, after);
    if (to !== from) view.handlers.move(from, to, null);
  });
  li.addEventListener('dragend', () => {
    view.drag.from = null;
    li.classList.remove('dragging');
    for (const item of view.list.querySelectorAll('.drop-before, .drop-after')) item.classList.remove('drop-before', 'drop-after');
  });
}

/**
 * The list's items (or the empty line).
 * @param {ListView} view
 */
export function ruleItems(view) {
  if (!view.rules.length) return [h('li', { class: 'rules-empty', text: t('rules.empty') })];
  return view.rules.map((rule, index) => {
    const li = h(
      'li',
      { draggable: 'true', dataset: { index: String(index) }, class: rule.enabled === false ? 'rule-off' : '' },
      handleButton(view, rule, index),
      h('span', { class: 'rule-pos', 'aria-hidden': 'true', text: `${index + 1}.` }),
      ruleMain(view, rule, index),
      controls(view, rule, index),
    );
    wireDrag(view, li, index);
    return li;
  });
}

/**
 * The targets the default route falls back to, in words, for the help under its checkboxes.
 * @param {Array<TargetChoice & {inRoute?: boolean}>} targets
 */
function fallbackHelp(targets) {
  const names = targets.filter((x) => x.inRoute).map((x) => t('rules.quoted', { name: x.name }));
  if (!names.length) return t('rules.default.targets_help_none');
  return t('rules.default.targets_help', { names: new Intl.ListFormat(getLang(), { type: 'conjunction' }).format(names) });
}

/**
 * What happens when no rule matches; each change is saved at once by `onChange`.
 * @param {DefaultRoute} route
 * @param {Array<TargetChoice & {inRoute?: boolean}>} targets inRoute: marked "In the default route"
 * @param {(route: DefaultRoute, control: HTMLElement) => void} onChange
 */
export function defaultRouteSection(route, targets, onChange) {
  const action = /** @type {HTMLSelectElement} */ (
    h('select', { id: 'rules-default-action' }, ['default_targets', 'drop'].map((a) => h('option', { value: a, selected: route.action === a, text: t(`rules.default.${a}`) })))
  );
  action.addEventListener('change', () => onChange({ ...route, action: /** @type {'default_targets'|'drop'} */ (action.value) }, action));
  const boxes = targets.map((tg) => {
    const input = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: `rules-default-${tg.id}`, checked: route.targets.includes(tg.id) }));
    input.addEventListener('change', () => {
      const others = route.targets.filter((id) => id !== tg.id);
      onChange({ ...route, targets: input.checked ? [...others, tg.id] : others }, input);
    });
    const badge = tg.env ? h('span', { class: 'badge env-badge', text: t('rules.env_badge') }) : null;
    return h('div', { class: 'field inline' }, input, h('label', { for: input.id }, tg.name, badge ? ' ' : null, badge));
  });
  return [
    h('h3', { text: t('rules.default.title') }),
    h('div', { class: 'field' }, h('label', { for: action.id, text: t('rules.default.action') }), action),
    route.action === 'default_targets'
      ? h('fieldset', { class: 'rules-default-targets' }, h('legend', { text: t('rules.default.targets') }), h('p', { class: 'help', text: fallbackHelp(targets) }), boxes)
      : null,
  ];
}
