// Shared widgets: the notice area, busy buttons, confirmation dialogs, the unsaved-changes guard.

import { ApiError } from './api.js';
import { h, replace } from './dom.js';
import { addMessages, t } from './i18n.js';

addMessages({
  en: {
    'ui.working': 'Working…',
    'ui.done': 'Done.',
    'ui.cancel': 'Cancel',
    'ui.confirm': 'Confirm',
    'ui.close': 'Close',
    'ui.dismiss': 'Dismiss notice',
    'ui.unsaved': 'You have unsaved changes. Leave without saving?',
    'ui.retry_after': 'Retry in {seconds} s.',
    'ui.error.network_error': 'The server could not be reached.',
    'ui.previous': 'Previous',
    'ui.next': 'Next',
    'ui.page_of': 'Page {page}',
    'ui.empty': 'Nothing to show.',
    'ui.loading': 'Loading…',
  },
  fr: {
    'ui.working': 'En cours…',
    'ui.done': 'Terminé.',
    'ui.cancel': 'Annuler',
    'ui.confirm': 'Confirmer',
    'ui.close': 'Fermer',
    'ui.dismiss': 'Masquer le message',
    'ui.unsaved': 'Des modifications ne sont pas enregistrées. Quitter sans enregistrer ?',
    'ui.retry_after': 'Réessayez dans {seconds} s.',
    'ui.error.network_error': 'Le serveur est injoignable.',
    'ui.previous': 'Précédent',
    'ui.next': 'Suivant',
    'ui.page_of': 'Page {page}',
    'ui.empty': 'Rien à afficher.',
    'ui.loading': 'Chargement…',
  },
});

/**
 * The words to show for a failure: the server's message, and where a field was wrong.
 * @param {unknown} err
 * @returns {string}
 */
export function errorText(err) {
  if (err instanceof ApiError) {
    const parts = [err.code === 'network_error' ? t('ui.error.network_error') : err.message];
    for (const d of /** @type {any[]} */ (err.body.details || []).slice(0, 5)) {
      parts.push(`${(d.loc || []).join('.')}: ${d.msg}`);
    }
    if (err.body.retry_after) parts.push(t('ui.retry_after', { seconds: String(err.body.retry_after) }));
    return parts.join(' — ');
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Show a notice in the page's live region (`#notices`). Errors stay until dismissed.
 * @param {string} message
 * @param {'success'|'error'|'info'} [kind]
 */
export function notify(message, kind = 'info') {
  const area = document.getElementById('notices');
  if (!area) return;
  const item = h(
    'div',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', { text: message }),
    h('button', {
      type: 'button',
      class: 'notice-close',
      'aria-label': t('ui.dismiss'),
      text: '×',
      onclick: () => item.remove(),
    }),
  );
  area.appendChild(item);
  if (kind !== 'error') setTimeout(() => item.remove(), 5000);
}

/**
 * Run a state-changing action from a button: disabled and marked busy while it runs,
 * the result or the server's error announced afterwards.
 * @template T
 * @param {HTMLButtonElement|HTMLElement|null} button
 * @param {() => Promise<T>} action
 * @param {{success?: string|((result: T) => string), silent?: boolean}} [options]
 * @returns {Promise<T|undefined>}
 */
export async function runAction(button, action, options = {}) {
  const btn = /** @type {HTMLButtonElement|null} */ (button);
  const label = btn ? btn.textContent : '';
  if (btn) {
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    btn.textContent = t('ui.working');
  }
  try {
    const result = await action();
    const text = typeof options.success === 'function' ? options.success(result) : options.success;
    if (!options.silent) notify(text || t('ui.done'), 'success');
    return result;
  } catch (err) {
    notify(errorText(err), 'error');
    return undefined;
  } finally {
    if (btn) {
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
      btn.textContent = label;
    }
  }
}

/**
 * A modal confirmation (native <dialog>, keyboard and focus handled by the browser).
 * @param {string} message
 * @param {{confirmLabel?: string, danger?: boolean, content?: Node}} [options] `content`: shown
 *   under the message (what the action touches, or a preview of what confirming does)
 * @returns {Promise<boolean>}
 */
export function confirmDialog(message, options = {}) {
  return new Promise((resolve) => {
    const ok = h('button', {
      type: 'submit',
      value: 'ok',
      class: options.danger ? 'danger' : 'primary',
      text: options.confirmLabel || t('ui.confirm'),
    });
    const dialog = /** @type {HTMLDialogElement} */ (
      h(
        'dialog',
        { class: 'confirm', 'aria-label': message },
        h(
          'form',
          { method: 'dialog' },
          h('p', { text: message }),
          options.content || null,
          h(
            'div',
            { class: 'actions' },
            h('button', { type: 'submit', value: 'cancel', text: t('ui.cancel') }),
            ok,
          ),
        ),
      )
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    ok.focus();
  });
}

/**
 * Open a modal showing some content (a secret shown once, a preview...).
 * @param {string} title
 * @param {Node} content
 * @returns {Promise<void>}
 */
export function showDialog(title, content) {
  return new Promise((resolve) => {
    const dialog = /** @type {HTMLDialogElement} */ (
      h(
        'dialog',
        { class: 'panel-dialog', 'aria-label': title },
        h(
          'form',
          { method: 'dialog' },
          h('h2', { text: title }),
          content,
          h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('ui.close') })),
        ),
      )
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

/** @type {Set<string>} */
const dirtyScreens = new Set();

/**
 * Mark a screen as holding unsaved changes (shown in its tab, guarded on navigation).
 * @param {string} screen
 * @param {boolean} dirty
 */
export function setDirty(screen, dirty) {
  if (dirty) dirtyScreens.add(screen);
  else dirtyScreens.delete(screen);
  const tab = document.getElementById(`tab-${screen}`);
  if (tab) tab.classList.toggle('dirty', dirty);
}

/** @param {string} [screen] one screen, else any */
export function isDirty(screen) {
  return screen ? dirtyScreens.has(screen) : dirtyScreens.size > 0;
}

/**
 * @param {string} [screen] one screen, else any
 * @returns {Promise<boolean>} true when it is fine to leave `screen`
 */
export async function canLeave(screen) {
  if (!isDirty(screen)) return true;
  const leave = await confirmDialog(t('ui.unsaved'), { confirmLabel: t('ui.confirm'), danger: true });
  if (leave && screen) setDirty(screen, false);
  return leave;
}

/**
 * Previous/next controls for the API's pages (`offset`, `next_offset`: null on the last page).
 * @param {{offset: number, next_offset: number|null}} page
 * @param {number} limit
 * @param {(offset: number) => void} go
 */
export function pager(page, limit, go) {
  const label = t('ui.page_of', { page: Math.floor(page.offset / limit) + 1 });
  return h(
    'nav',
    { class: 'pager', 'aria-label': label },
    h('button', {
      type: 'button',
      text: t('ui.previous'),
      disabled: page.offset <= 0,
      onclick: () => go(Math.max(0, page.offset - limit)),
    }),
    h('span', { text: label }),
    h('button', {
      type: 'button',
      text: t('ui.next'),
      disabled: page.next_offset === null || page.next_offset === undefined,
      onclick: () => go(/** @type {number} */ (page.next_offset)),
    }),
  );
}

/**
 * Fill `el` with a loading line, then with what `render` builds, or the error.
 * @param {HTMLElement} el
 * @param {() => Promise<Node|Node[]>} render
 */
export async function loadInto(el, render) {
  el.setAttribute('aria-busy', 'true');
  try {
    replace(el, await render());
  } catch (err) {
    replace(el, h('p', { class: 'error', role: 'alert', text: errorText(err) }));
  } finally {
    el.removeAttribute('aria-busy');
  }
}
