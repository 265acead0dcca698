// Magic sign-in links: the form to make one (one-shot or named), the link just made (shown
// once), the links that still work, each revocable.

import { linkKind, linkRequest } from '../../accessLogic.js';
import { copyBox } from '../../accessWidgets.js';
import { api } from '../../api.js';
import { field, h, replace, timeAgo, uid } from '../../dom.js';
import { URLS, urlFor } from '../../endpoints.js';
import { getLang, t, tc } from '../../i18n.js';
import { confirmDialog, loadInto, runAction } from '../../ui.js';
import './messages.js';

/**
 * The magic-link form: kind, name, days; `onCreated` gets the server's answer (its URL shown once).
 * @param {(result: {url: string, link: import('../../accessLogic.js').MagicLink}, kindWords: string) => void} onCreated
 */
function linkForm(onCreated) {
  const kindName = uid('kind');
  const kindRadios = ['one_shot', 'named'].map((kind) => {
    const input = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: kindName, value: kind, id: uid('kind'), checked: kind === 'one_shot' }));
    input.addEventListener('change', syncKind);
    const words = h('span', { class: 'choice-words', text: t(`access.links.kind.${kind}`) });
    return { kind, input, words, label: h('label', { class: 'choice', for: input.id }, input, ' ', words) };
  });
  const nameInput = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '100', autocomplete: 'off' }));
  const daysInput = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: '1', max: '365', step: '1', value: '30', inputmode: 'numeric' }));
  const nameField = field(t('access.links.name'), nameInput, t('access.links.name_help'));
  const daysField = field(t('access.links.days'), daysInput, t('access.links.days_help'));
  const errors = { name: fieldError(nameField, nameInput), days: fieldError(daysField, daysInput) };
  const createButton = h('button', { type: 'submit', class: 'primary', text: t('access.links.create') });

  function currentKind() {
    return /** @type {'one_shot'|'named'} */ (kindRadios.find((r) => r.input.checked)?.kind || 'one_shot');
  }

  function syncKind() {
    daysField.hidden = currentKind() !== 'named';
    for (const slot of Object.values(errors)) slot('');
  }

  /** @param {SubmitEvent} event */
  async function onCreate(event) {
    event.preventDefault();
    const request = linkRequest({ kind: currentKind(), name: nameInput.value, days: daysInput.value });
    errors.name(request.errors.name ? t(`access.links.error.${request.errors.name}`) : '');
    errors.days(request.errors.days ? t(`access.links.error.${request.errors.days}`) : '');
    if (!request.body) return (request.errors.name ? nameInput : daysInput).focus();
    const body = request.body;
    const result = await runAction(createButton, () => api.post(URLS.magicLinks, body), { success: t('access.links.created') });
    if (!result) return undefined;
    nameInput.value = '';
    return onCreated(result, kindRadios.find((r) => r.kind === linkKind(result.link))?.words.textContent || '');
  }

  const node = h(
    'form',
    { class: 'link-form', novalidate: true, onsubmit: onCreate },
    h('fieldset', { class: 'choices' }, h('legend', { text: t('access.links.kind') }), kindRadios.map((r) => r.label)),
    h('div', { class: 'row link-fields' }, nameField, daysField),
    h('div', { class: 'actions start' }, createButton),
  );
  syncKind();
  return {
    node,
    /**
     * Say how long a one-shot link lasts, as the server reports it (MAGIC_LINK_TTL_MINUTES).
     * @param {number|undefined} minutes
     */
    sayLifetime(minutes) {
      const oneShot = kindRadios.find((r) => r.kind === 'one_shot');
      if (oneShot && Number.isFinite(minutes)) oneShot.words.textContent = tc('access.links.kind.one_shot_minutes', { count: Number(minutes) });
    },
  };
}

/**
 * An error line under a field: the returned function shows a message ('' clears it).
 * @param {HTMLElement} wrap
 * @param {HTMLInputElement} input
 * @returns {(message: string) => void}
 */
function fieldError(wrap, input) {
  const node = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  wrap.appendChild(node);
  return (message) => {
    node.hidden = !message;
    node.textContent = message;
    if (message) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-errormessage', node.id);
    } else {
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-errormessage');
    }
  };
}

/**
 * One live magic link as a table row, with its revoke button.
 * @param {import('../../accessLogic.js').MagicLink} link
 * @param {() => unknown} reload
 */
function linkRow(link, reload) {
  const lang = getLang();
  const now = Date.now() / 1000;
  const name = link.name || t('access.links.unnamed');
  const revoke = h('button', {
    type: 'button',
    class: 'small danger',
    text: t('access.links.revoke'),
    'aria-label': t('access.links.revoke_label', { name }),
    onclick: async () => {
      if (!(await confirmDialog(t('access.links.revoke_confirm', { name }), { danger: true, confirmLabel: t('access.links.revoke') }))) return;
      const done = await runAction(revoke, () => api.del(urlFor.magicLink(link.id)), { success: t('access.links.revoked') });
      if (done) reload();
    },
  });
  const cell = (/** @type {string} */ col, /** @type {any} */ content, attrs = {}) => h('td', { ...attrs, dataset: { label: t(`access.links.col.${col}`) } }, content);
  return h(
    'tr',
    { dataset: { linkId: link.id } },
    h('th', { scope: 'row' }, h('div', {}, h('span', { text: name }), h('div', { class: 'help', text: t('access.links.by', { user: link.created_by }) }))),
    cell('kind', h('span', { class: `badge ${link.one_shot ? 'warn' : 'ok'}`, text: t(`access.links.${linkKind(link)}`) })),
    cell('created', timeAgo(link.created_at, now, lang)),
    cell('expires', timeAgo(link.expires_at, now, lang)),
    cell('uses', String(link.uses), { class: 'num' }),
    cell('actions', h('div', {}, revoke)),
  );
}

/** The magic links: the form, the link just made (shown once), the links that still work. */
export function linksSection() {
  const created = h('div', { class: 'created-link', role: 'status' });
  const linksBody = h('div', { class: 'table-wrap' });
  const form = linkForm((result, kindWords) => {
    replace(
      created,
      h('div', { class: 'banner amber' }, h('strong', { text: result.link.name || kindWords }), h('p', { text: t('access.links.url_once') }), copyBox(t('access.links.url'), result.url)),
    );
    load();
  });

  function load() {
    return loadInto(linksBody, async () => {
      const { items, one_shot_minutes: minutes } = await api.get(URLS.magicLinks);
      form.sayLifetime(minutes);
      if (!items.length) return h('p', { class: 'help', text: t('access.links.none') });
      const cols = ['name', 'kind', 'created', 'expires', 'uses', 'actions'];
      return h(
        'table',
        { class: 'links-table stacked' },
        h('caption', { class: 'visually-hidden', text: t('access.links.live') }),
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', class: c === 'uses' ? 'num' : undefined, text: t(`access.links.col.${c}`) })))),
        h('tbody', {}, items.slice().reverse().map((/** @type {any} */ link) => linkRow(link, load))),
      );
    });
  }

  const title = uid('h');
  const node = h(
    'section',
    { class: 'card', 'aria-labelledby': title },
    h('h2', { id: title, text: t('access.links.title') }),
    h('p', { class: 'help', text: t('access.links.intro') }),
    form.node,
    created,
    h('h3', { text: t('access.links.live') }),
    linksBody,
  );
  // A sign-in URL is not left on screen once the operator moves on.
  return { node, load, hide: () => replace(created) };
}
