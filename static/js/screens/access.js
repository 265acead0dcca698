// Access: magic links (create one-shot or named, list, revoke), log out everywhere, the audit log.

import { api } from '../api.js';
import { changeRows, formatValue, isTimestamp, linkKind, linkRequest, pageOf, splitResource } from '../accessLogic.js';
import { copyBox } from '../accessWidgets.js';
import { field, h, replace, uid } from '../dom.js';
import { formatDateTime, formatRelative } from '../formatLogic.js';
import { addMessages, getLang, t } from '../i18n.js';
import { confirmDialog, loadInto, pager, runAction } from '../ui.js';

addMessages({
  en: {
    'access.links.title': 'Magic links',
    'access.links.intro': 'A magic link signs someone in without the password. It opens a confirmation page; nothing happens until that page is confirmed.',
    'access.links.kind': 'Kind of link',
    'access.links.kind.one_shot': 'One-shot (works once, within 15 minutes)',
    'access.links.kind.named': 'Named (reusable until it expires or is revoked)',
    'access.links.name': 'Name',
    'access.links.name_help': 'Who or what the link is for, e.g. "Claire’s phone". Required for a named link.',
    'access.links.days': 'Valid for (days)',
    'access.links.days_help': 'From 1 to 365 days.',
    'access.links.create': 'Create link',
    'access.links.created': 'Link created.',
    'access.links.error.name_required': 'Give the link a name.',
    'access.links.error.days_range': 'Enter a whole number of days from 1 to 365.',
    'access.links.url': 'Sign-in link',
    'access.links.url_once': 'Copy this link now: it is shown only once and cannot be displayed again.',
    'access.links.live': 'Links that still work',
    'access.links.none': 'No magic link works at the moment.',
    'access.links.col.name': 'Name',
    'access.links.col.kind': 'Kind',
    'access.links.col.created': 'Created',
    'access.links.col.expires': 'Expires',
    'access.links.col.uses': 'Uses',
    'access.links.col.actions': 'Actions',
    'access.links.one_shot': 'one-shot',
    'access.links.named': 'reusable',
    'access.links.unnamed': '(no name)',
    'access.links.by': 'by {user}',
    'access.links.revoke': 'Revoke',
    'access.links.revoke_label': 'Revoke link {name}',
    'access.links.revoke_confirm': 'Revoke the link “{name}”? It stops working at once; sessions already opened with it stay open.',
    'access.links.revoked': 'Link revoked.',
    'access.sessions.title': 'Sessions',
    'access.sessions.intro': 'Signs out every session of this account, in every browser and on every device — this browser too: you will have to sign in again.',
    'access.sessions.logout_all': 'Log out everywhere',
    'access.sessions.confirm': 'Log out everywhere? Every session ends now, including this one, and every magic link stops working, named ones too: you will be sent to the sign-in page.',
    'access.audit.title': 'Audit log',
    'access.audit.intro': 'Every change made by an administrator, newest first. Secrets are masked by the server.',
    'access.audit.col.when': 'When',
    'access.audit.col.who': 'Who',
    'access.audit.col.action': 'Action',
    'access.audit.col.object': 'Object',
    'access.audit.col.changes': 'Changes',
    'access.audit.none': 'No change recorded yet.',
    'access.audit.refresh': 'Refresh',
    'access.audit.no_changes': 'no field changed',
    'access.audit.more': '{count} more changes',
    'access.audit.added': 'set',
    'access.audit.removed': 'removed',
    'access.action.login': 'signed in',
    'access.action.logout_everywhere': 'logged out everywhere',
    'access.action.create': 'created',
    'access.action.revoke': 'revoked',
    'access.action.update': 'changed',
    'access.action.export': 'exported',
    'access.action.replay': 'replayed',
    'access.action.replay_many': 'replayed a set',
    'access.action.test_send': 'test send',
    'access.object.magic_link': 'magic link {id}',
    'access.object.session': 'session',
    'access.object.config': 'configuration',
    'access.object.delivery': 'delivery {id}',
    'access.object.deliveries': 'deliveries',
    'access.object.target': 'target {id}',
  },
  fr: {
    'access.links.title': 'Liens magiques',
    'access.links.intro': "Un lien magique permet de se connecter sans le mot de passe. Il ouvre une page de confirmation ; rien ne se passe tant qu'elle n'est pas validée.",
    'access.links.kind': 'Type de lien',
    'access.links.kind.one_shot': 'À usage unique (une seule fois, dans les 15 minutes)',
    'access.links.kind.named': "Nommé (réutilisable jusqu'à expiration ou révocation)",
    'access.links.name': 'Nom',
    'access.links.name_help': 'Pour qui ou pour quoi est le lien, par ex. « Téléphone de Claire ». Obligatoire pour un lien nommé.',
    'access.links.days': 'Valable (jours)',
    'access.links.days_help': 'De 1 à 365 jours.',
    'access.links.create': 'Créer le lien',
    'access.links.created': 'Lien créé.',
    'access.links.error.name_required': 'Donnez un nom au lien.',
    'access.links.error.days_range': 'Indiquez un nombre entier de jours entre 1 et 365.',
    'access.links.url': 'Lien de connexion',
    'access.links.url_once': "Copiez ce lien maintenant : il n'est affiché qu'une fois et ne pourra plus être montré.",
    'access.links.live': 'Liens encore valables',
    'access.links.none': "Aucun lien magique n'est valable en ce moment.",
    'access.links.col.name': 'Nom',
    'access.links.col.kind': 'Type',
    'access.links.col.created': 'Créé',
    'access.links.col.expires': 'Expire',
    'access.links.col.uses': 'Utilisations',
    'access.links.col.actions': 'Actions',
    'access.links.one_shot': 'usage unique',
    'access.links.named': 'réutilisable',
    'access.links.unnamed': '(sans nom)',
    'access.links.by': 'par {user}',
    'access.links.revoke': 'Révoquer',
    'access.links.revoke_label': 'Révoquer le lien {name}',
    'access.links.revoke_confirm': 'Révoquer le lien « {name} » ? Il cesse de fonctionner immédiatement ; les sessions déjà ouvertes avec lui restent ouvertes.',
    'access.links.revoked': 'Lien révoqué.',
    'access.sessions.title': 'Sessions',
    'access.sessions.intro': 'Ferme toutes les sessions de ce compte, dans tous les navigateurs et sur tous les appareils — y compris ce navigateur : il faudra vous reconnecter.',
    'access.sessions.logout_all': 'Se déconnecter partout',
    'access.sessions.confirm': 'Se déconnecter partout ? Toutes les sessions se ferment maintenant, celle-ci comprise, et plus aucun lien magique ne fonctionne, même nommé : vous serez renvoyé à la page de connexion.',
    'access.audit.title': "Journal d'audit",
    'access.audit.intro': 'Chaque modification faite par un administrateur, la plus récente en premier. Les secrets sont masqués par le serveur.',
    'access.audit.col.when': 'Quand',
    'access.audit.col.who': 'Qui',
    'access.audit.col.action': 'Action',
    'access.audit.col.object': 'Objet',
    'access.audit.col.changes': 'Modifications',
    'access.audit.none': 'Aucune modification enregistrée pour le moment.',
    'access.audit.refresh': 'Actualiser',
    'access.audit.no_changes': 'aucun champ modifié',
    'access.audit.more': '{count} autres modifications',
    'access.audit.added': 'défini',
    'access.audit.removed': 'supprimé',
    'access.action.login': 'connexion',
    'access.action.logout_everywhere': 'déconnexion partout',
    'access.action.create': 'création',
    'access.action.revoke': 'révocation',
    'access.action.update': 'modification',
    'access.action.export': 'export',
    'access.action.replay': 'relance',
    'access.action.replay_many': "relance d'un lot",
    'access.action.test_send': "envoi d'essai",
    'access.object.magic_link': 'lien magique {id}',
    'access.object.session': 'session',
    'access.object.config': 'configuration',
    'access.object.delivery': 'livraison {id}',
    'access.object.deliveries': 'livraisons',
    'access.object.target': 'cible {id}',
  },
});

const AUDIT_LIMIT = 20;
const CHANGES_SHOWN = 6;

/**
 * A translated word for a known key, else the raw value.
 * @param {string} key
 * @param {string} raw
 * @param {Record<string, string>} [params]
 */
function known(key, raw, params) {
  const text = t(key, params);
  return text === key ? raw : text;
}

/** @param {string} resource */
function objectText(resource) {
  const { type, id } = splitResource(resource);
  return known(`access.object.${type}`, resource, { id });
}

/**
 * @param {import('../accessLogic.js').Change[]} changes
 * @param {string} lang
 */
function changesCell(changes, lang) {
  const rows = changeRows(changes, (value, path) => (isTimestamp(path, value) ? formatDateTime(value, lang) : formatValue(value)));
  if (!rows.length) return h('span', { class: 'help', text: t('access.audit.no_changes') });
  const shown = rows.slice(0, CHANGES_SHOWN);
  const list = h(
    'ul',
    { class: 'audit-changes' },
    shown.map((r) =>
      h(
        'li',
        {},
        h('code', { class: 'audit-path', text: r.path || '·' }),
        ' ',
        r.kind === 'changed'
          ? [h('del', { text: r.old }), ' → ', h('ins', { text: r.new })]
          : r.kind === 'added'
            ? [h('span', { class: 'help', text: `${t('access.audit.added')}: ` }), h('ins', { text: r.new })]
            : [h('span', { class: 'help', text: `${t('access.audit.removed')}: ` }), h('del', { text: r.old })],
      ),
    ),
  );
  if (rows.length <= CHANGES_SHOWN) return list;
  const rest = rows.slice(CHANGES_SHOWN);
  return h(
    'div',
    {},
    list,
    h(
      'details',
      {},
      h('summary', { text: t('access.audit.more', { count: rest.length }) }),
      h('ul', { class: 'audit-changes' }, rest.map((r) => h('li', {}, h('code', { class: 'audit-path', text: r.path }), ` ${r.old} → ${r.new}`))),
    ),
  );
}

/**
 * @param {HTMLElement} el
 * @param {{session: {user: string, csrf_token: string}, navigate: Function}} _ctx
 */
export function AccessTab(el, _ctx) {
  const lang = getLang();
  let auditOffset = 0;

  // -- magic links: the form ------------------------------------------------------------
  const kindName = uid('kind');
  const kindRadios = ['one_shot', 'named'].map((kind) => {
    const input = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: kindName, value: kind, id: uid('kind'), checked: kind === 'one_shot' }));
    input.addEventListener('change', syncKind);
    return { kind, input, label: h('label', { class: 'choice', for: input.id }, input, ' ', t(`access.links.kind.${kind}`)) };
  });
  const nameInput = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '100', autocomplete: 'off' }));
  const daysInput = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: '1', max: '365', step: '1', value: '30', inputmode: 'numeric' }));
  const nameField = field(t('access.links.name'), nameInput, t('access.links.name_help'));
  const daysField = field(t('access.links.days'), daysInput, t('access.links.days_help'));
  const nameError = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  const daysError = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  nameField.appendChild(nameError);
  daysField.appendChild(daysError);
  const createButton = h('button', { type: 'submit', class: 'primary', text: t('access.links.create') });
  const created = h('div', { class: 'created-link', role: 'status' });
  const linksBody = h('div', { class: 'table-wrap' });

  function currentKind() {
    return /** @type {'one_shot'|'named'} */ (kindRadios.find((r) => r.input.checked)?.kind || 'one_shot');
  }

  function syncKind() {
    daysField.hidden = currentKind() !== 'named';
    showErrors({});
  }

  /** @param {Record<string, string>} errors */
  function showErrors(errors) {
    for (const [input, node, key] of /** @type {const} */ ([[nameInput, nameError, 'name'], [daysInput, daysError, 'days']])) {
      const code = errors[key];
      node.hidden = !code;
      node.textContent = code ? t(`access.links.error.${code}`) : '';
      if (code) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-errormessage', node.id);
      } else {
        input.removeAttribute('aria-invalid');
        input.removeAttribute('aria-errormessage');
      }
    }
  }

  /** @param {SubmitEvent} event */
  async function onCreate(event) {
    event.preventDefault();
    const { body, errors } = linkRequest({ kind: currentKind(), name: nameInput.value, days: daysInput.value });
    showErrors(errors);
    if (!body) {
      (errors.name ? nameInput : daysInput).focus();
      return;
    }
    const result = await runAction(createButton, () => api.post('/api/magic_links', body), { success: t('access.links.created') });
    if (!result) return;
    nameInput.value = '';
    replace(
      created,
      h(
        'div',
        { class: 'banner amber' },
        h('strong', { text: result.link.name || t(`access.links.kind.${linkKind(result.link)}`) }),
        h('p', { text: t('access.links.url_once') }),
        copyBox(t('access.links.url'), result.url),
      ),
    );
    loadLinks();
  }

  const form = h(
    'form',
    { class: 'link-form', novalidate: true, onsubmit: onCreate },
    h('fieldset', { class: 'choices' }, h('legend', { text: t('access.links.kind') }), kindRadios.map((r) => r.label)),
    h('div', { class: 'row link-fields' }, nameField, daysField),
    h('div', { class: 'actions start' }, createButton),
  );
  syncKind();

  // -- magic links: the list ---------------------------------------------------------------
  /** @param {import('../accessLogic.js').MagicLink} link */
  function linkRow(link) {
    const now = Date.now() / 1000;
    const name = link.name || t('access.links.unnamed');
    const revoke = h('button', {
      type: 'button',
      class: 'small danger',
      text: t('access.links.revoke'),
      'aria-label': t('access.links.revoke_label', { name }),
      onclick: async () => {
        if (!(await confirmDialog(t('access.links.revoke_confirm', { name }), { danger: true, confirmLabel: t('access.links.revoke') }))) return;
        const done = await runAction(revoke, () => api.del(`/api/magic_links/${encodeURIComponent(link.id)}`), { success: t('access.links.revoked') });
        if (done) loadLinks();
      },
    });
    return h(
      'tr',
      { dataset: { linkId: link.id } },
      h('th', { scope: 'row' }, h('div', {}, h('span', { text: name }), h('div', { class: 'help', text: t('access.links.by', { user: link.created_by }) }))),
      h('td', { dataset: { label: t('access.links.col.kind') } }, h('span', { class: `badge ${link.one_shot ? 'warn' : 'ok'}`, text: t(`access.links.${linkKind(link)}`) })),
      h('td', { dataset: { label: t('access.links.col.created') } }, h('time', { text: formatDateTime(link.created_at, lang) })),
      h(
        'td',
        { dataset: { label: t('access.links.col.expires') } },
        h('time', { title: formatDateTime(link.expires_at, lang), text: formatRelative(link.expires_at, now, lang) }),
      ),
      h('td', { class: 'num', dataset: { label: t('access.links.col.uses') }, text: String(link.uses) }),
      h('td', { dataset: { label: t('access.links.col.actions') } }, h('div', {}, revoke)),
    );
  }

  function loadLinks() {
    return loadInto(linksBody, async () => {
      const { items } = await api.get('/api/magic_links');
      if (!items.length) return h('p', { class: 'help', text: t('access.links.none') });
      const cols = ['name', 'kind', 'created', 'expires', 'uses', 'actions'];
      return h(
        'table',
        { class: 'links-table stacked' },
        h('caption', { class: 'visually-hidden', text: t('access.links.live') }),
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', class: c === 'uses' ? 'num' : undefined, text: t(`access.links.col.${c}`) })))),
        h('tbody', {}, items.slice().reverse().map(linkRow)),
      );
    });
  }

  // -- log out everywhere ---------------------------------------------------------------------
  const logoutAll = h('button', {
    type: 'button',
    class: 'danger',
    text: t('access.sessions.logout_all'),
    onclick: async () => {
      if (!(await confirmDialog(t('access.sessions.confirm'), { danger: true, confirmLabel: t('access.sessions.logout_all') }))) return;
      const done = await runAction(logoutAll, () => api.post('/api/auth/logout_all'), { silent: true });
      if (done) location.assign('/login');
    },
  });

  // -- the audit log ------------------------------------------------------------------------------
  const auditBody = h('div', { class: 'audit-body' });

  /** @param {import('../accessLogic.js').AuditEntry} entry */
  function auditRow(entry) {
    const action = known(`access.action.${entry.action}`, entry.action);
    return h(
      'tr',
      {},
      h('td', { dataset: { label: t('access.audit.col.when') } }, h('time', { text: formatDateTime(entry.at, lang) })),
      h('td', { dataset: { label: t('access.audit.col.who') }, text: entry.actor }),
      h(
        'td',
        { dataset: { label: t('access.audit.col.action') } },
        h('div', {}, h('span', { class: 'badge', text: action }), entry.detail ? h('div', { class: 'help', text: entry.detail }) : null),
      ),
      h('td', { class: 'audit-object', dataset: { label: t('access.audit.col.object') }, text: objectText(entry.resource) }),
      h('td', { dataset: { label: t('access.audit.col.changes') } }, changesCell(entry.changes, lang)),
    );
  }

  /** @param {number} offset */
  function loadAudit(offset) {
    auditOffset = offset;
    return loadInto(auditBody, async () => {
      const raw = await api.get('/api/audit', { offset, limit: AUDIT_LIMIT + 1 });
      const page = pageOf(raw.items, offset, AUDIT_LIMIT);
      if (!page.items.length && offset === 0) return h('p', { class: 'help', text: t('access.audit.none') });
      const cols = ['when', 'who', 'action', 'object', 'changes'];
      return [
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'audit-table stacked' },
            h('caption', { class: 'visually-hidden', text: t('access.audit.title') }),
            h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', text: t(`access.audit.col.${c}`) })))),
            h('tbody', {}, page.items.map(auditRow)),
          ),
        ),
        pager(page, AUDIT_LIMIT, (next) => loadAudit(next)),
      ];
    });
  }

  const linksTitle = uid('h');
  const sessionsTitle = uid('h');
  const auditTitle = uid('h');
  replace(
    el,
    h(
      'section',
      { class: 'card', 'aria-labelledby': linksTitle },
      h('h2', { id: linksTitle, text: t('access.links.title') }),
      h('p', { class: 'help', text: t('access.links.intro') }),
      form,
      created,
      h('h3', { text: t('access.links.live') }),
      linksBody,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': sessionsTitle },
      h('h2', { id: sessionsTitle, text: t('access.sessions.title') }),
      h('p', { text: t('access.sessions.intro') }),
      logoutAll,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': auditTitle },
      h(
        'div',
        { class: 'row' },
        h('h2', { id: auditTitle, text: t('access.audit.title') }),
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', class: 'small', text: t('access.audit.refresh'), onclick: () => loadAudit(0) }),
      ),
      h('p', { class: 'help', text: t('access.audit.intro') }),
      auditBody,
    ),
  );

  return {
    update() {
      return Promise.all([loadLinks(), loadAudit(auditOffset)]);
    },
    /** @param {Record<string, string>} _params */
    show(_params) {
      return Promise.all([loadLinks(), loadAudit(auditOffset)]);
    },
    hide() {
      // A sign-in URL is not left on screen once the operator moves on.
      replace(created);
    },
  };
}
