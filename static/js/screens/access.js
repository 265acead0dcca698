// Access: magic links (create one-shot or named, list, revoke), log out everywhere, the audit log.

import { api } from '../api.js';
import { changeRows, detailWords, formatValue, linkKind, linkRequest, objectWords, pageOf, pathParts, valueKind } from '../accessLogic.js';
import { copyBox } from '../accessWidgets.js';
import { URLS, urlFor } from '../endpoints.js';
import { field, h, replace, timeAgo, uid } from '../dom.js';
import { formatDateTime, formatDuration, formatDurationList } from '../formatLogic.js';
import { addMessages, getLang, t, tc } from '../i18n.js';
import { confirmDialog, loadInto, pager, runAction } from '../ui.js';

addMessages({
  en: {
    'access.links.title': 'Magic links',
    'access.links.intro': 'A magic link signs someone in without the password. It opens a confirmation page; nothing happens until that page is confirmed.',
    'access.links.kind': 'Kind of link',
    'access.links.kind.one_shot': 'One-shot (works once, within a few minutes)',
    'access.links.kind.one_shot_minutes': 'One-shot (works once, within {count} minutes)',
    'access.links.kind.one_shot_minutes_one': 'One-shot (works once, within {count} minute)',
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
    'access.audit.more': '{count} more changes',
    'access.audit.more_one': '{count} more change',
    'access.audit.colon': ': ',
    'access.audit.added': 'added',
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
    'access.action.release': 'released',
    'access.action.release_many': 'released a set',
    'access.action.reroute': 're-routed',
    'access.action.gmail_connect': 'mailbox connected',
    'access.action.gmail_disconnect': 'mailbox disconnected',
    'access.action.gmail_sync': 'mailbox synced',
    'access.action.disable_target': 'target switched off',
    'access.object.document': '{doc}, version {version}',
    'access.object.email': 'email {id}',
    'access.object.mailbox': 'mailbox {id}',
    'access.object.raw': '{raw}',
    'access.doc.routing_rules': 'Routing rules',
    'access.doc.webhook_targets': 'Targets',
    'access.doc.targets': 'Targets',
    'access.doc.time_windows': 'Schedule',
    'access.doc.processing_prefs': 'Preferences',
    'access.doc.preferences': 'Preferences',
    'access.doc.runtime_flags': 'Runtime flags',
    'access.detail.password': 'with the password',
    'access.detail.magic_link': 'with magic link {id}',
    'access.detail.with_secrets': 'secrets included',
    'access.detail.requeued': '{count} deliveries queued again',
    'access.detail.requeued_one': '{count} delivery queued again',
    'access.detail.released': '{count} deliveries released',
    'access.detail.released_one': '{count} delivery released',
    'access.detail.reroute': '{before} → {after}, {count} new deliveries',
    'access.detail.reroute_one': '{before} → {after}, {count} new delivery',
    'access.detail.reroute_cancelled': '{before} → {after}; new deliveries: {count}; cancelled: {cancelled}',
    'access.detail.gone': 'the receiver answered 410 Gone',
    'access.detail.raw': '{text}',
    'access.value.on': 'on',
    'access.value.off': 'off',
    'access.value.empty': '(empty)',
    'access.field.item': '#{number}',
    'access.field.numbered': '{name} {number}',
    'access.field.named': '{name} “{item}”',
    'access.field.retry_schedule': 'Retry schedule',
    'access.field.webhook_timeout_sec': 'Webhook timeout',
    'access.field.exclude_keywords': 'Excluded keywords',
    'access.field.exclude_keywords_per_detector': 'Excluded keywords per detector',
    'access.field.require_links': 'Require a file link',
    'access.field.max_email_size_kb': 'Maximum email size (KB)',
    'access.field.detectors': 'Detectors',
    'access.field.rate_limit': 'Rate limit',
    'access.field.rate_limits_per_target': 'Per-target limits',
    'access.field.per_minute': 'per minute',
    'access.field.per_hour': 'per hour',
    'access.field.timezone': 'Time zone',
    'access.field.window': 'Sending window',
    'access.field.start': 'opens at',
    'access.field.end': 'closes at',
    'access.field.absence_days': 'Absence days',
    'access.field.per_target': 'Per-target windows',
    'access.field.policies': 'Outside the window',
    'access.field.gmail_ingress_enabled': 'Accept emails from Gmail',
    'access.field.webhook_sending_enabled': 'Send webhooks',
    'access.field.disable_email_id_dedup': 'No deduplication',
    'access.field.rules': 'Rule',
    'access.field.name': 'name',
    'access.field.url': 'address',
    'access.field.enabled': 'on',
    'access.field.options': 'options',
    'access.field.default': 'in the default route',
    'access.field.conditions': 'condition',
    'access.field.actions': 'actions',
    'access.field.targets': 'target',
    'access.field.field': 'field',
    'access.field.operator': 'operator',
    'access.field.value': 'value',
    'access.field.headers': 'headers',
    'access.field.secret': 'signing secret',
    'access.field.default_route': 'Default route',
    'access.field.timeout_sec': 'timeout',
    'access.field.one_shot': 'one-shot',
    'access.field.expires_at': 'expires',
    'access.field.created_at': 'created',
    'access.field.created_by': 'created by',
    'access.field.uses': 'uses',
    'access.field.id': 'identifier',
    'access.field.priority': 'priority',
    'access.field.stop': 'stop at this rule',
  },
  fr: {
    'access.links.title': 'Liens magiques',
    'access.links.intro': "Un lien magique permet de se connecter sans le mot de passe. Il ouvre une page de confirmation ; rien ne se passe tant qu'elle n'est pas validée.",
    'access.links.kind': 'Type de lien',
    'access.links.kind.one_shot': 'À usage unique (une seule fois, dans les minutes qui suivent)',
    'access.links.kind.one_shot_minutes': 'À usage unique (une seule fois, dans les {count} minutes)',
    'access.links.kind.one_shot_minutes_one': 'À usage unique (une seule fois, dans la minute)',
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
    'access.audit.more': '{count} autres modifications',
    'access.audit.more_one': '{count} autre modification',
    'access.audit.colon': ' : ',
    'access.audit.added': 'ajouté',
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
    'access.action.release': 'libération',
    'access.action.release_many': "libération d'un lot",
    'access.action.reroute': 'réaiguillage',
    'access.action.gmail_connect': 'boîte mail reliée',
    'access.action.gmail_disconnect': 'boîte mail déliée',
    'access.action.gmail_sync': 'boîte mail synchronisée',
    'access.action.disable_target': 'cible désactivée',
    'access.object.document': '{doc}, version {version}',
    'access.object.email': 'e-mail {id}',
    'access.object.mailbox': 'boîte mail {id}',
    'access.object.raw': '{raw}',
    'access.doc.routing_rules': 'Règles de routage',
    'access.doc.webhook_targets': 'Cibles',
    'access.doc.targets': 'Cibles',
    'access.doc.time_windows': 'Horaires',
    'access.doc.processing_prefs': 'Préférences',
    'access.doc.preferences': 'Préférences',
    'access.doc.runtime_flags': 'Interrupteurs',
    'access.detail.password': 'avec le mot de passe',
    'access.detail.magic_link': 'avec le lien magique {id}',
    'access.detail.with_secrets': 'secrets inclus',
    'access.detail.requeued': '{count} livraisons remises en file',
    'access.detail.requeued_one': '{count} livraison remise en file',
    'access.detail.released': '{count} livraisons libérées',
    'access.detail.released_one': '{count} livraison libérée',
    'access.detail.reroute': '{before} → {after}, {count} nouvelles livraisons',
    'access.detail.reroute_one': '{before} → {after}, {count} nouvelle livraison',
    'access.detail.reroute_cancelled': '{before} → {after} ; nouvelles livraisons : {count} ; annulées : {cancelled}',
    'access.detail.gone': 'le destinataire a répondu 410 Gone',
    'access.detail.raw': '{text}',
    'access.value.on': 'activé',
    'access.value.off': 'désactivé',
    'access.value.empty': '(vide)',
    'access.field.item': 'n° {number}',
    'access.field.numbered': '{name} {number}',
    'access.field.named': '{name} « {item} »',
    'access.field.retry_schedule': 'Calendrier des tentatives',
    'access.field.webhook_timeout_sec': 'Délai d’attente du webhook',
    'access.field.exclude_keywords': 'Mots-clés exclus',
    'access.field.exclude_keywords_per_detector': 'Mots-clés exclus par détecteur',
    'access.field.require_links': 'Exiger un lien de fichier',
    'access.field.max_email_size_kb': 'Taille maximale d’un e-mail (Ko)',
    'access.field.detectors': 'Détecteurs',
    'access.field.rate_limit': 'Limite de débit',
    'access.field.rate_limits_per_target': 'Limites par cible',
    'access.field.per_minute': 'par minute',
    'access.field.per_hour': 'par heure',
    'access.field.timezone': 'Fuseau horaire',
    'access.field.window': 'Plage d’envoi',
    'access.field.start': 'ouvre à',
    'access.field.end': 'ferme à',
    'access.field.absence_days': 'Jours d’absence',
    'access.field.per_target': 'Plages par cible',
    'access.field.policies': 'Hors de la plage',
    'access.field.gmail_ingress_enabled': 'Accepter les e-mails de Gmail',
    'access.field.webhook_sending_enabled': 'Envoyer les webhooks',
    'access.field.disable_email_id_dedup': 'Sans dédoublonnage',
    'access.field.rules': 'Règle',
    'access.field.name': 'nom',
    'access.field.url': 'adresse',
    'access.field.enabled': 'activée',
    'access.field.options': 'options',
    'access.field.default': 'dans la route par défaut',
    'access.field.conditions': 'condition',
    'access.field.actions': 'actions',
    'access.field.targets': 'cible',
    'access.field.field': 'champ',
    'access.field.operator': 'opérateur',
    'access.field.value': 'valeur',
    'access.field.headers': 'en-têtes',
    'access.field.secret': 'secret de signature',
    'access.field.default_route': 'Route par défaut',
    'access.field.timeout_sec': 'délai',
    'access.field.one_shot': 'usage unique',
    'access.field.expires_at': 'expire',
    'access.field.created_at': 'créé',
    'access.field.created_by': 'créé par',
    'access.field.uses': 'utilisations',
    'access.field.id': 'identifiant',
    'access.field.priority': 'priorité',
    'access.field.stop': 's’arrêter à cette règle',
  },
});

const AUDIT_LIMIT = 20;
const CHANGES_SHOWN = 6;

/**
 * A translated word for a known key, else the raw value.
 * @param {string} key
 * @param {string} raw
 * @param {Record<string, string|number>} [params]
 */
function known(key, raw, params) {
  const text = tc(key, params);
  return text === key ? raw : text;
}

/** @param {string} resource */
function objectText(resource) {
  const words = objectWords(resource);
  const params = { ...words.params };
  if (words.key === 'access.object.document') params.doc = known(`access.doc.${params.doc}`, String(params.doc));
  return known(words.key, resource, params);
}

/** @param {string|undefined} detail */
function detailText(detail) {
  const words = detailWords(detail);
  if (!words) return '';
  const params = { ...words.params };
  for (const name of ['before', 'after']) if (name in params) params[name] = known(`monitor.state.${params[name]}`, String(params[name]));
  return tc(words.key, params);
}

/**
 * A change's field in words: "Rule 2 › condition 1 › value".
 * @param {string} path
 */
function pathText(path) {
  return pathParts(path)
    .map((part) => {
      const name = part.name ? known(`access.field.${part.name}`, part.name) : '';
      if (part.item !== undefined) return t('access.field.named', { name, item: part.item });
      if (part.number === undefined) return name;
      return name ? t('access.field.numbered', { name, number: part.number }) : t('access.field.item', { number: part.number });
    })
    .join(' › ');
}

/**
 * One value of a change, as people read it.
 * @param {unknown} value
 * @param {string} path
 * @param {string} lang
 * @returns {string}
 */
function valueText(value, path, lang) {
  switch (valueKind(path, value)) {
    case 'durations':
      return formatDurationList(/** @type {number[]} */ (value), lang);
    case 'duration':
      return formatDuration(/** @type {number} */ (value), lang);
    case 'switch':
      return t(value ? 'access.value.on' : 'access.value.off');
    case 'time':
      return formatDateTime(/** @type {number} */ (value), lang);
    case 'list':
      return /** @type {unknown[]} */ (value).length ? formatValue(/** @type {unknown[]} */ (value).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')) : t('access.value.empty');
    default:
      return formatValue(value);
  }
}

/** @param {{path: string, kind: string, old: string, new: string}} r */
function changeItem(r) {
  const values =
    r.kind === 'changed'
      ? [h('del', { text: r.old }), ' → ', h('ins', { text: r.new })]
      : r.kind === 'added'
        ? [h('span', { class: 'help', text: `${t('access.audit.added')} ` }), h('ins', { text: r.new })]
        : [h('span', { class: 'help', text: `${t('access.audit.removed')} ` }), h('del', { text: r.old })];
  return h('li', {}, r.path ? [h('span', { class: 'audit-path', title: r.path, text: pathText(r.path) }), t('access.audit.colon')] : null, values);
}

/**
 * The changes of an entry, "field: old → new", the first few shown and the rest folded.
 * Entries that change nothing (a sign-in, a test send) have no changes to show.
 * @param {import('../accessLogic.js').Change[]} changes
 * @param {string} lang
 */
function changesCell(changes, lang) {
  const rows = changeRows(changes, (value, path) => valueText(value, path, lang));
  if (!rows.length) return null;
  const list = h('ul', { class: 'audit-changes' }, rows.slice(0, CHANGES_SHOWN).map(changeItem));
  if (rows.length <= CHANGES_SHOWN) return list;
  const rest = rows.slice(CHANGES_SHOWN);
  return h(
    'div',
    {},
    list,
    h('details', {}, h('summary', { text: tc('access.audit.more', { count: rest.length }) }), h('ul', { class: 'audit-changes' }, rest.map(changeItem))),
  );
}

/**
 * The magic-link form: kind, name, days; `onCreated` gets the server's answer (its URL shown once).
 * @param {(result: {url: string, link: import('../accessLogic.js').MagicLink}, kindWords: string) => void} onCreated
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
 * @param {import('../accessLogic.js').MagicLink} link
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
function linksSection() {
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

/** Log out everywhere, with what it does. */
function sessionsSection() {
  const logoutAll = h('button', {
    type: 'button',
    class: 'danger',
    text: t('access.sessions.logout_all'),
    onclick: async () => {
      if (!(await confirmDialog(t('access.sessions.confirm'), { danger: true, confirmLabel: t('access.sessions.logout_all') }))) return;
      const done = await runAction(logoutAll, () => api.post(URLS.logoutAll), { silent: true });
      if (done) location.assign('/login');
    },
  });
  const title = uid('h');
  return h('section', { class: 'card', 'aria-labelledby': title }, h('h2', { id: title, text: t('access.sessions.title') }), h('p', { text: t('access.sessions.intro') }), logoutAll);
}

/** @param {import('../accessLogic.js').AuditEntry} entry */
function auditRow(entry) {
  const lang = getLang();
  const action = known(`access.action.${entry.action}`, entry.action);
  const detail = detailText(entry.detail);
  const cell = (/** @type {string} */ col, /** @type {any} */ content, attrs = {}) => h('td', { ...attrs, dataset: { label: t(`access.audit.col.${col}`) } }, content);
  return h(
    'tr',
    {},
    cell('when', timeAgo(entry.at, Date.now() / 1000, lang)),
    cell('who', entry.actor),
    cell('action', h('div', {}, h('span', { class: 'badge', text: action }), detail ? h('div', { class: 'help', text: detail }) : null)),
    cell('object', objectText(entry.resource), { class: 'audit-object' }),
    cell('changes', changesCell(entry.changes, lang), { class: 'audit-changes-cell' }),
  );
}

/** The audit log, a page at a time. */
function auditSection() {
  const body = h('div', { class: 'audit-body' });
  let offset = 0;

  /** @param {number} [from] */
  function load(from = offset) {
    offset = from;
    return loadInto(body, async () => {
      const raw = await api.get(URLS.audit, { offset, limit: AUDIT_LIMIT + 1 });
      const page = pageOf(raw.items, offset, AUDIT_LIMIT);
      if (!page.items.length && offset === 0) return h('p', { class: 'help', text: t('access.audit.none') });
      const cols = ['when', 'who', 'action', 'object', 'changes'];
      const head = h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', text: t(`access.audit.col.${c}`) }))));
      return [
        h(
          'div',
          { class: 'table-wrap' },
          h('table', { class: 'audit-table stacked' }, h('caption', { class: 'visually-hidden', text: t('access.audit.title') }), head, h('tbody', {}, page.items.map(auditRow))),
        ),
        pager(page, AUDIT_LIMIT, (next) => load(next)),
      ];
    });
  }

  const title = uid('h');
  const node = h(
    'section',
    { class: 'card', 'aria-labelledby': title },
    h(
      'div',
      { class: 'row' },
      h('h2', { id: title, text: t('access.audit.title') }),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'small', text: t('access.audit.refresh'), onclick: () => load(0) }),
    ),
    h('p', { class: 'help', text: t('access.audit.intro') }),
    body,
  );
  return { node, load };
}

/**
 * @param {HTMLElement} el
 * @param {{session: {user: string, csrf_token: string}, navigate: Function}} _ctx
 */
export function AccessTab(el, _ctx) {
  const links = linksSection();
  const audit = auditSection();
  replace(el, links.node, sessionsSection(), audit.node);
  const load = () => Promise.all([links.load(), audit.load()]);
  return {
    update: load,
    /** @param {Record<string, string>} _params */
    show: (_params) => load(),
    hide: links.hide,
  };
}
