// Widgets of the config screens: labelled switches, checked number inputs, and the editor of
// a versioned document (load, unsaved-changes marking, save with its version, 409 -> reload).

import { ApiError, api } from './api.js';
import { field, h, replace, uid } from './dom.js';
import { addMessages, t } from './i18n.js';
import { checkNumber, clone, sameJson } from './configLogic.js';
import { loadInto, runAction, setDirty } from './ui.js';

addMessages({
  en: {
    'config.save': 'Save',
    'config.discard': 'Discard changes',
    'config.saved': 'Saved (version {version}).',
    'config.unsaved': 'Unsaved changes',
    'config.invalid': 'Some fields are not valid; fix them before saving.',
    'config.conflict': 'Someone else saved this page meanwhile (now version {version}). Reload to see their version, then apply your change again.',
    'config.reload': 'Reload (discard my changes)',
    'config.version': 'Version {version}',
    'config.version_none': 'Defaults, never saved',
    'config.err.required': 'Required.',
    'config.err.number': 'Enter a number.',
    'config.err.integer': 'Enter a whole number.',
    'config.err.range': 'Out of range ({min} – {max}).',
    'config.err.count': 'Wrong number of values.',
    'config.on': 'On',
    'config.off': 'Off',
  },
  fr: {
    'config.save': 'Enregistrer',
    'config.discard': 'Annuler les modifications',
    'config.saved': 'Enregistré (version {version}).',
    'config.unsaved': 'Modifications non enregistrées',
    'config.invalid': 'Certains champs ne sont pas valides ; corrigez-les avant d’enregistrer.',
    'config.conflict': 'Quelqu’un d’autre a enregistré cette page entre-temps (version {version}). Rechargez pour voir sa version, puis refaites votre modification.',
    'config.reload': 'Recharger (abandonner mes modifications)',
    'config.version': 'Version {version}',
    'config.version_none': 'Réglages par défaut, jamais enregistrés',
    'config.err.required': 'Obligatoire.',
    'config.err.number': 'Saisissez un nombre.',
    'config.err.integer': 'Saisissez un nombre entier.',
    'config.err.range': 'Hors limites ({min} – {max}).',
    'config.err.count': 'Nombre de valeurs incorrect.',
    'config.on': 'Activé',
    'config.off': 'Désactivé',
  },
});

/**
 * A switch (checkbox with role=switch), its label and help.
 * @param {string} label
 * @param {string} help
 * @param {boolean} checked
 * @param {(value: boolean) => void} onChange
 * @param {{name?: string}} [options]
 */
export function switchField(label, help, checked, onChange, options = {}) {
  const helpId = uid('help');
  const input = /** @type {HTMLInputElement} */ (
    h('input', {
      type: 'checkbox',
      role: 'switch',
      id: uid('sw'),
      checked,
      name: options.name,
      'aria-describedby': helpId,
      onchange: () => onChange(input.checked),
    })
  );
  return h(
    'div',
    { class: 'field switch-field' },
    h('div', { class: 'row' }, input, h('label', { for: input.id, text: label })),
    h('p', { class: 'help', id: helpId, text: help }),
  );
}

/**
 * An error line under a control, linked by aria-describedby, shown by `set(text)`.
 * @param {HTMLElement} control
 */
export function errorSlot(control) {
  const node = h('p', { class: 'field-error', id: uid('err'), role: 'status', hidden: true });
  const described = control.getAttribute('aria-describedby');
  control.setAttribute('aria-describedby', described ? `${described} ${node.id}` : node.id);
  return {
    node,
    /** @param {string} [text] */
    set(text) {
      node.hidden = !text;
      node.textContent = text || '';
      if (text) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

/**
 * The words for a checkNumber/parseIntList error.
 * @param {string} code
 * @param {{min?: number, max?: number}} [limits]
 */
export function errorWords(code, limits = {}) {
  return t(`config.err.${code}`, { min: String(limits.min ?? '—'), max: String(limits.max ?? '—') });
}

/**
 * A number input with inline validation; `onValue` gets the number (or null) when valid.
 * @param {string} label
 * @param {string} help
 * @param {number|null} value
 * @param {{min?: number, max?: number, exclusiveMin?: boolean, integer?: boolean, optional?: boolean, step?: string}} rule
 * @param {(value: number|null) => void} onValue
 * @param {(bad: boolean) => void} onValidity
 */
export function numberField(label, help, value, rule, onValue, onValidity) {
  const input = /** @type {HTMLInputElement} */ (
    h('input', {
      type: 'number',
      inputmode: rule.integer ? 'numeric' : 'decimal',
      min: rule.min,
      max: rule.max,
      step: rule.step || (rule.integer ? '1' : 'any'),
      value: value === null || value === undefined ? '' : String(value),
      placeholder: rule.optional ? '—' : undefined,
    })
  );
  const wrap = field(label, input, help);
  const slot = errorSlot(input);
  wrap.appendChild(slot.node);
  input.addEventListener('input', () => {
    const checked = checkNumber(input.value, rule);
    slot.set(checked.error ? errorWords(checked.error, rule) : '');
    onValidity(Boolean(checked.error));
    if (!checked.error) onValue(checked.value);
  });
  return wrap;
}

/**
 * @typedef {{draft: any, saved: any, version: number, extra: Record<string, any>,
 *   changed: () => void, invalid: (key: string, bad: boolean) => void}} DocState
 */

/**
 * The editor of one versioned document: `build(state)` returns the form's body; the editor adds
 * the save/discard bar, marks unsaved changes, and turns a 409 into a reload offer.
 * @param {HTMLElement} el
 * @param {{screen: string, path: string, title: string, intro: string,
 *   build: (state: DocState) => Node|Node[],
 *   onChange?: (state: DocState) => void,
 *   beforeSave?: (state: DocState) => Promise<boolean>,
 *   afterSave?: (state: DocState) => void}} spec
 */
export function documentEditor(el, spec) {
  /** @type {DocState} */
  const state = {
    draft: null,
    saved: null,
    version: 0,
    extra: {},
    changed,
    invalid(key, bad) {
      if (bad) invalidKeys.add(key);
      else invalidKeys.delete(key);
    },
  };
  /** @type {Set<string>} */
  const invalidKeys = new Set();
  const body = h('div', { class: 'doc-body' });
  const invalidId = uid('invalid');
  const invalidNote = h('p', { class: 'field-error', id: invalidId, role: 'alert', hidden: true, text: t('config.invalid') });
  const conflict = h('div', { class: 'banner amber', role: 'alert', hidden: true });
  const dirtyMark = h('span', { class: 'badge amber', text: t('config.unsaved'), hidden: true });
  const versionText = h('span', { class: 'help' });
  const saveButton = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', class: 'primary', text: t('config.save'), onclick: save })
  );
  const discardButton = h('button', { type: 'button', text: t('config.discard'), onclick: discard, disabled: true });
  const saveBar = h('div', { class: 'save-bar', hidden: true }, dirtyMark, versionText, h('span', { class: 'spacer' }), discardButton, saveButton);
  replace(
    el,
    h('div', { class: 'card config-head' }, h('h2', { text: spec.title }), h('p', { class: 'help', text: spec.intro })),
    conflict,
    body,
    invalidNote,
    saveBar,
  );

  function changed() {
    const dirty = !sameJson(state.draft, state.saved);
    dirtyMark.hidden = !dirty;
    /** @type {HTMLButtonElement} */ (discardButton).disabled = !dirty;
    setDirty(spec.screen, dirty);
    if (!invalidKeys.size) invalidNote.hidden = true;
    spec.onChange?.(state);
  }

  function render() {
    invalidKeys.clear();
    versionText.textContent = state.version ? t('config.version', { version: state.version }) : t('config.version_none');
    replace(body, spec.build(state));
    saveBar.hidden = false;
    changed();
  }

  async function load() {
    await loadInto(body, async () => {
      const data = await api.get(spec.path);
      const { version, document, ...extra } = data;
      Object.assign(state, { version, saved: document, draft: clone(document), extra });
      conflict.hidden = true;
      return [];
    });
    if (state.saved) render();
  }

  function discard() {
    state.draft = clone(state.saved);
    render();
  }

  /** @param {ApiError} err */
  function showConflict(err) {
    const match = /now (\d+)/.exec(err.message);
    replace(
      conflict,
      h('p', { text: t('config.conflict', { version: match ? match[1] : '?' }) }),
      h('button', {
        type: 'button',
        text: t('config.reload'),
        onclick: () => {
          setDirty(spec.screen, false);
          load();
        },
      }),
    );
    conflict.hidden = false;
  }

  async function save() {
    if (!state.saved) return;
    if (invalidKeys.size) {
      notifyInvalid();
      return;
    }
    if (spec.beforeSave && !(await spec.beforeSave(state))) return;
    await runAction(
      saveButton,
      async () => {
        try {
          const saved = await api.put(spec.path, { version: state.version, document: state.draft });
          const fresh = await api.get(spec.path).catch(() => null);
          Object.assign(state, { version: saved.version, saved: saved.document, draft: clone(saved.document) });
          if (fresh) state.extra = { ...state.extra, ...Object.fromEntries(Object.entries(fresh).filter(([k]) => k !== 'document' && k !== 'version')) };
          conflict.hidden = true;
          render();
          spec.afterSave?.(state);
          return saved;
        } catch (err) {
          if (err instanceof ApiError && err.status === 409) showConflict(err);
          throw err;
        }
      },
      { success: (saved) => t('config.saved', { version: saved.version }) },
    );
  }

  function notifyInvalid() {
    const first = /** @type {HTMLElement|null} */ (body.querySelector('[aria-invalid="true"]'));
    saveButton.setAttribute('aria-describedby', invalidId);
    invalidNote.hidden = false;
    first?.focus();
  }

  return {
    state,
    load,
    render,
    /** Whether the form holds unsaved changes (then a re-show keeps them). */
    dirty() {
      return Boolean(state.saved) && !sameJson(state.draft, state.saved);
    },
  };
}
