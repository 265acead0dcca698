// Widgets shared by the Access and Tools screens: a value shown once with a copy button.

import { h } from './dom.js';
import { addMessages, t } from './i18n.js';
import { notify } from './ui.js';

addMessages({
  en: {
    'access.copy': 'Copy',
    'access.copied': 'Copied to the clipboard.',
    'access.copy_failed': 'Copy failed: select the text and copy it yourself.',
  },
  fr: {
    'access.copy': 'Copier',
    'access.copied': 'Copié dans le presse-papiers.',
    'access.copy_failed': 'La copie a échoué : sélectionnez le texte et copiez-le vous-même.',
  },
});

/**
 * A read-only, labelled text box holding `value`, with a copy button (the clipboard API,
 * else the old selection copy).
 * @param {string} label
 * @param {string} value
 * @returns {HTMLElement}
 */
export function copyBox(label, value) {
  const input = /** @type {HTMLInputElement} */ (
    h('input', { type: 'text', readonly: true, value, 'aria-label': label, class: 'copy-value mono', spellcheck: 'false' })
  );
  input.addEventListener('focus', () => input.select());
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      notify(t('access.copied'), 'success');
    } catch {
      input.select();
      const done = document.execCommand && document.execCommand('copy');
      notify(t(done ? 'access.copied' : 'access.copy_failed'), done ? 'success' : 'error');
    }
  };
  return h(
    'div',
    { class: 'secret-box copy-box' },
    input,
    h('button', { type: 'button', class: 'small', text: t('access.copy'), 'aria-label': `${t('access.copy')}: ${label}`, onclick: copy }),
  );
}
