// The form that creates or edits a target: name, URL, switches (enabled, in the default
// route, require "success": true), timeout and custom headers, checked before it is sent.

import { field, h, replace, uid } from '../../dom.js';
import { getLang, t } from '../../i18n.js';
import { say } from '../../outcomeWords.js';
import { switchField } from '../../configWidgets.js';
import { setDirty } from '../../ui.js';
import { defaultRoutePhrase, formErrors, formFromTarget } from './targetsLogic.js';
import './messages.js';

const SCREEN = 'targets';

/**
 * @typedef {import('./targetsLogic.js').Target} Target
 * @typedef {import('./targetsLogic.js').TargetForm} TargetFormValues
 * @typedef {import('./targetsLogic.js').RouteSource} RouteSource
 * @typedef {{form: TargetFormValues, errorNodes: Record<string, HTMLElement>, dirty: () => void}} FormState
 * @typedef {{submit: (form: TargetFormValues, button: HTMLElement) => Promise<boolean>, cancel: () => void}} FormHandlers
 * @typedef {{targets: Target[], source: RouteSource}} FormContext every target and what decides the default route
 */

/**
 * An error line under `control`, registered under `key` and linked by aria-describedby.
 * @param {FormState} state
 * @param {string} key
 * @param {HTMLElement} control
 */
function withError(state, key, control) {
  const node = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby') || ''} ${node.id}`.trim());
  state.errorNodes[key] = node;
  return node;
}

/**
 * @param {FormState} state
 * @param {'name'|'url'|'timeout'} key
 * @param {string} help
 * @param {Record<string, any>} [attrs]
 */
function textField(state, key, help, attrs = {}) {
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'text', value: state.form[key], ...attrs }));
  input.addEventListener('input', () => {
    state.form[key] = input.value;
    state.dirty();
  });
  const wrap = field(t(`targets.${key}`), input, help);
  wrap.appendChild(withError(state, key, input));
  return wrap;
}

/**
 * One header row: name, value (a stored one is never shown), remove.
 * @param {FormState} state
 * @param {number} i
 * @param {() => void} rerender
 */
function headerRow(state, i, rerender) {
  const row = state.form.headers[i];
  const name = /** @type {HTMLInputElement} */ (h('input', { type: 'text', value: row.name, 'aria-label': t('targets.header.name'), placeholder: 'X-Api-Key' }));
  const value = /** @type {HTMLInputElement} */ (
    h('input', { type: 'password', value: row.value, autocomplete: 'off', 'aria-label': t('targets.header.value'), placeholder: row.stored ? t('targets.header.kept') : '' })
  );
  name.addEventListener('input', () => {
    Object.assign(row, { name: name.value, stored: false }); // a renamed header has no stored value
    value.placeholder = '';
    state.dirty();
  });
  value.addEventListener('input', () => {
    row.value = value.value;
    state.dirty();
  });
  const remove = h('button', {
    type: 'button',
    class: 'small',
    text: '×',
    'aria-label': t('targets.header.remove', { name: row.name || String(i + 1) }),
    onclick: () => {
      state.form.headers.splice(i, 1);
      state.dirty();
      rerender();
    },
  });
  return h('div', { class: 'header-row' }, h('div', { class: 'row' }, name, value, remove), withError(state, `header.${i}`, name));
}

/** @param {FormState} state */
function headersFieldset(state) {
  const list = h('div', { class: 'header-rows' });
  const render = () => {
    for (const key of Object.keys(state.errorNodes)) if (key.startsWith('header.')) delete state.errorNodes[key];
    replace(list, state.form.headers.map((_, i) => headerRow(state, i, render)));
  };
  render();
  const add = h('button', {
    type: 'button',
    class: 'small',
    text: t('targets.header.add'),
    onclick: () => {
      state.form.headers.push({ name: '', value: '', stored: false });
      state.dirty();
      render();
    },
  });
  return h('fieldset', { class: 'headers' }, h('legend', { text: t('targets.headers') }), h('p', { class: 'help', text: t('targets.headers.help') }), list, add);
}

/**
 * The default-route switch with what it means here: off for a new target, and who else
 * already receives the mail no rule claims.
 * @param {FormState} state
 * @param {Target|null} target
 * @param {FormContext} context
 */
function defaultRouteSwitch(state, target, context) {
  const words = { lang: getLang(), quote: (/** @type {string} */ name) => t('targets.quoted', { name }) };
  const meaning = say(defaultRoutePhrase(target, context.targets, context.source, words));
  const help = target ? meaning : `${t('targets.default.new')} ${meaning}`;
  const node = switchField(t('targets.default'), help, state.form.default, (v) => {
    state.form.default = v;
    state.dirty();
  });
  node.classList.add('default-route-field');
  return node;
}

/**
 * @param {FormState} state
 * @param {'enabled'|'require_success_json'} key
 * @param {string} label
 * @param {string} help
 */
function optionSwitch(state, key, label, help) {
  return switchField(label, help, state.form[key], (v) => {
    state.form[key] = v;
    state.dirty();
  });
}

/**
 * Show the form's problems next to their fields; true when there are none.
 * @param {FormState} state
 * @param {HTMLElement} node the form
 * @param {HTMLElement} fixNote
 */
function checkForm(state, node, fixNote) {
  const errors = formErrors(state.form);
  for (const [key, el] of Object.entries(state.errorNodes)) {
    el.hidden = !errors[key];
    el.textContent = errors[key] ? t(`targets.err.${errors[key]}`) : '';
    const control = node.querySelector(`[aria-describedby~="${el.id}"]`);
    if (errors[key]) control?.setAttribute('aria-invalid', 'true');
    else control?.removeAttribute('aria-invalid');
  }
  const bad = Object.keys(errors).length > 0;
  fixNote.hidden = !bad;
  if (bad) /** @type {HTMLElement|null} */ (node.querySelector('[aria-invalid="true"]'))?.focus();
  return !bad;
}

/**
 * @param {Target|null} target
 */
function heading(target) {
  if (!target) return h('h3', { text: t('targets.form.create') });
  return [
    h('h3', { text: t('targets.form.edit', { name: target.name }) }),
    target.managed_by_env
      ? h('p', { class: 'banner amber', text: t('targets.env.help') })
      : h('p', { class: 'help target-id', text: t('targets.form.id', { id: target.id }) }),
  ];
}

/**
 * @param {HTMLElement} submit
 * @param {FormHandlers} handlers
 */
function actionsRow(submit, handlers) {
  const cancel = () => {
    setDirty(SCREEN, false);
    handlers.cancel();
  };
  return h('div', { class: 'actions' }, h('button', { type: 'button', text: t('targets.cancel'), onclick: cancel }), submit);
}

/**
 * The edit/create form. `handlers.submit(form)` resolves true once saved.
 * @param {Target|null} target null: create
 * @param {FormContext} context
 * @param {FormHandlers} handlers
 */
export function targetForm(target, context, handlers) {
  /** @type {FormState} */
  const state = { form: formFromTarget(target), errorNodes: {}, dirty: () => setDirty(SCREEN, true) };
  const env = Boolean(target?.managed_by_env);
  const submit = h('button', { type: 'submit', class: 'primary', text: target ? t('targets.save') : t('targets.create') });
  const fixNote = h('p', { class: 'field-error', role: 'alert', hidden: true, text: t('targets.err.fix') });
  /** @param {Event} event */
  const onsubmit = async (event) => {
    event.preventDefault();
    if (!checkForm(state, node, fixNote)) return;
    if (await handlers.submit(state.form, submit)) setDirty(SCREEN, false);
  };
  const node = h(
    'form',
    { class: 'target-form', novalidate: true, onsubmit },
    heading(target),
    textField(state, 'name', t('targets.name.help'), { maxlength: 200 }),
    textField(state, 'url', env ? t('targets.url.env') : t('targets.url.help'), { maxlength: 2000, disabled: env, inputmode: 'url', autocomplete: 'off' }),
    optionSwitch(state, 'enabled', t('targets.enabled_field'), t('targets.enabled_field.help')),
    defaultRouteSwitch(state, target, context),
    optionSwitch(state, 'require_success_json', t('targets.require_success_json'), t('targets.require_success_json.help')),
    textField(state, 'timeout', t('targets.timeout.help'), { inputmode: 'decimal' }),
    headersFieldset(state),
    fixNote,
    actionsRow(submit, handlers),
  );
  return node;
}
