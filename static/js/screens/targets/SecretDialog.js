// A target's signing secret, shown once in a dialog with a copy button.

import { h } from '../../dom.js';
import { getLang, t } from '../../i18n.js';
import { formatDateTime } from '../../formatLogic.js';
import { showDialog } from '../../ui.js';
import './messages.js';

/** @param {number|null} ts */
export const when = (ts) => formatDateTime(ts, getLang());

/**
 * Copy a secret; when the clipboard is refused, select the text so the user can copy it.
 * @param {string} secret
 * @param {HTMLElement} code
 * @param {HTMLElement} status
 */
async function copySecret(secret, code, status) {
  try {
    await navigator.clipboard.writeText(secret);
    status.textContent = t('targets.copied');
  } catch {
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    status.textContent = t('targets.copy_select');
  }
}

/**
 * The secret, shown once in a modal with a copy button.
 * @param {import('./targetsLogic.js').Target} target
 * @param {string} secret
 */
export function showSecret(target, secret) {
  const code = h('code', { class: 'secret', 'data-secret': '', text: secret });
  const status = h('p', { class: 'help', role: 'status' });
  const content = h(
    'div',
    { class: 'secret-dialog' },
    h('p', { class: 'banner amber', text: t('targets.secret_once') }),
    h(
      'div',
      { class: 'secret-box' },
      code,
      h('button', { type: 'button', text: t('targets.copy'), onclick: () => copySecret(secret, code, status) }),
    ),
    status,
    target.rotation_until ? h('p', { text: t('targets.secret_grace', { until: when(target.rotation_until) }) }) : null,
  );
  return showDialog(t('targets.secret_title', { name: target.name }), content);
}
