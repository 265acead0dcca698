// Mailboxes: Gmail mailboxes read through the Gmail API (Gmail pushes through Cloud Pub/Sub).
// Connect one (Google's consent page), see each one's state, watch, last push, last sync and
// lag, sync it now, disconnect it. What is not set up yet is listed, with where to read how.
// The list refreshes every 10 s while the screen is shown, in place (focus stays put).

import { refresher } from '../refresher.js';
import { ApiError, api } from '../api.js';
import { h, replace, uid } from '../dom.js';
import { formatDateTime, formatDuration, formatNumber, formatRelative } from '../formatLogic.js';
import { addMessages, getLang, t } from '../i18n.js';
import { say } from '../outcomeWords.js';
import { routeHash } from '../screens.js';
import { lagPhrase, mailboxBadge, mailboxErrorPhrase } from '../statusLogic.js';
import { confirmDialog, errorText, runAction } from '../ui.js';

addMessages({
  en: {
    'mailboxes.title': 'Gmail mailboxes',
    'mailboxes.intro': 'Mail read through the Gmail API: Gmail pushes every change through Cloud Pub/Sub and Relais reads the new messages within seconds. The Apps Script can keep running beside it: an email seen by both is accepted once.',
    'mailboxes.connect': 'Connect Gmail',
    'mailboxes.connect.help': 'Opens Google’s consent page; once you allow Relais to read the mailbox, you come back here.',
    'mailboxes.connect.no_client': 'Connecting needs a Google OAuth client: set GMAIL_CLIENT_ID and GMAIL_CLIENT_SECRET.',
    'mailboxes.connect.no_key': 'Connecting needs RELAIS_ENCRYPTION_KEY: refresh tokens are stored encrypted with it.',
    'mailboxes.setup.first_run': 'Set up Gmail push',
    'mailboxes.setup.missing': 'Not set up yet',
    'mailboxes.setup.ready': 'Ready: connect a mailbox',
    'mailboxes.setup.complete': 'Setup: complete',
    'mailboxes.setup.readme': 'Step by step, with what Relais shows when a step is wrong: the README, section “Gmail push: mail in seconds”.',
    'mailboxes.setup.ok': 'Set',
    'mailboxes.setup.todo': 'Missing',
    'mailboxes.setup.oauth_client.ok': 'Google OAuth client: set (GMAIL_CLIENT_ID).',
    'mailboxes.setup.oauth_client.missing': 'Google OAuth client: create one of type “Web application” with the redirect URI {callback}, then set GMAIL_CLIENT_ID and GMAIL_CLIENT_SECRET.',
    'mailboxes.setup.encryption_key.ok': 'Encryption key of the stored tokens: set (RELAIS_ENCRYPTION_KEY).',
    'mailboxes.setup.encryption_key.missing': 'Encryption key: set RELAIS_ENCRYPTION_KEY (32 random bytes, URL-safe base64; make run generates one). Refresh tokens are stored encrypted with it.',
    'mailboxes.setup.topic.ok': 'Pub/Sub topic: {topic}, watching {labels}.',
    'mailboxes.setup.topic.missing': 'Pub/Sub topic: set GMAIL_PUBSUB_TOPIC (projects/<project>/topics/<topic>) and let gmail-api-push@system.gserviceaccount.com publish to it. Until then Gmail cannot push: mailboxes are read every {fallback}.',
    'mailboxes.setup.push_auth.ok': 'Push authentication: pushes must carry Google’s token for the audience {audience}.',
    'mailboxes.setup.push_auth.missing': 'Push authentication: set PUBSUB_AUDIENCE and PUBSUB_SERVICE_ACCOUNT as on the push subscription to {endpoint}. Until then its pushes are refused.',
    'mailboxes.setup.fallback': 'Without a push, each mailbox is read every {fallback} anyway.',
    'mailboxes.setup.label_processed': 'Admitted emails get the Gmail label “{label}”.',
    'mailboxes.list': 'Connected mailboxes',
    'mailboxes.empty': 'No mailbox connected yet.',
    'mailboxes.source.env': 'from the environment',
    'mailboxes.fact.watch': 'Watch expires',
    'mailboxes.fact.last_push': 'Last push',
    'mailboxes.fact.last_sync': 'Last sync',
    'mailboxes.fact.lag': 'Lag',
    'mailboxes.fact.admitted': 'Messages admitted',
    'mailboxes.fact.history': 'History id',
    'mailboxes.fact.connected': 'Connected',
    'mailboxes.never': 'never',
    'mailboxes.no_watch': 'no watch',
    'mailboxes.last_error': 'Last error: {error}',
    'mailboxes.watch_error': 'The watch could not be set: {error} Check GMAIL_PUBSUB_TOPIC and that gmail-api-push@system.gserviceaccount.com may publish to it. Mail still arrives by the fallback sync, minutes late.',
    'mailboxes.reconnect.help': 'Relais stopped calling Google for this mailbox. Reconnect it: reading resumes where it stopped, so nothing received meanwhile is lost.',
    'mailboxes.reconnect.help_env': 'Relais stopped calling Google for this mailbox. Set a new GMAIL_REFRESH_TOKEN and restart (or reconnect it here and remove GMAIL_REFRESH_TOKEN): reading resumes where it stopped, so nothing received meanwhile is lost.',
    'mailboxes.sync': 'Sync now',
    'mailboxes.reconnect': 'Reconnect',
    'mailboxes.disconnect': 'Disconnect',
    'mailboxes.synced': 'Sync of {address} started.',
    'mailboxes.disconnected': 'Mailbox {address} disconnected.',
    'mailboxes.confirm_disconnect': 'Disconnect {address}? Relais stops its Gmail watch and forgets its token: its mail is no longer read through the Gmail API (an Apps Script keeps sending what it sends).',
    'mailboxes.confirm_disconnect_env': 'Disconnect {address}? Relais stops its Gmail watch and forgets its token. It comes back at the next start while GMAIL_ADDRESS and GMAIL_REFRESH_TOKEN are set.',
    'mailboxes.connected': 'Mailbox {address} is connected. Its first sync starts now.',
    'mailboxes.error.consent_denied': 'Nothing was connected: the consent was declined on Google’s page.',
    'mailboxes.error.consent_refused': 'Nothing was connected: {message}',
    'mailboxes.error.other': 'Nothing was connected ({code}): {message}',
    'mailboxes.error.no_message': 'the connection could not be finished. Try again.',
    'mailboxes.dismiss': 'Dismiss',
    'mailboxes.updated': 'Updated {time}. Refreshes every 10 s.',
    'mailboxes.refresh': 'Refresh now',
  },
  fr: {
    'mailboxes.title': 'Boîtes Gmail',
    'mailboxes.intro': 'Le courrier lu par l’API Gmail : Gmail pousse chaque changement par Cloud Pub/Sub et Relais lit les nouveaux messages en quelques secondes. L’Apps Script peut continuer à côté : un e-mail vu par les deux n’est accepté qu’une fois.',
    'mailboxes.connect': 'Connecter Gmail',
    'mailboxes.connect.help': 'Ouvre la page d’autorisation de Google ; une fois la lecture de la boîte autorisée, vous revenez ici.',
    'mailboxes.connect.no_client': 'La connexion demande un client OAuth Google : définissez GMAIL_CLIENT_ID et GMAIL_CLIENT_SECRET.',
    'mailboxes.connect.no_key': 'La connexion demande RELAIS_ENCRYPTION_KEY : les jetons d’actualisation sont chiffrés avec elle.',
    'mailboxes.setup.first_run': 'Mettre en place la réception Gmail',
    'mailboxes.setup.missing': 'Pas encore en place',
    'mailboxes.setup.ready': 'Tout est en place : connectez une boîte',
    'mailboxes.setup.complete': 'Mise en place : complète',
    'mailboxes.setup.readme': 'Pas à pas, avec ce que Relais affiche quand une étape est fausse : le README, section « Gmail push: mail in seconds ».',
    'mailboxes.setup.ok': 'Fait',
    'mailboxes.setup.todo': 'Manquant',
    'mailboxes.setup.oauth_client.ok': 'Client OAuth Google : défini (GMAIL_CLIENT_ID).',
    'mailboxes.setup.oauth_client.missing': 'Client OAuth Google : créez-en un de type « Application Web » avec l’URI de redirection {callback}, puis définissez GMAIL_CLIENT_ID et GMAIL_CLIENT_SECRET.',
    'mailboxes.setup.encryption_key.ok': 'Clé de chiffrement des jetons : définie (RELAIS_ENCRYPTION_KEY).',
    'mailboxes.setup.encryption_key.missing': 'Clé de chiffrement : définissez RELAIS_ENCRYPTION_KEY (32 octets aléatoires en base64 URL ; make run en génère une). Les jetons d’actualisation sont chiffrés avec elle.',
    'mailboxes.setup.topic.ok': 'Sujet Pub/Sub : {topic}, libellés surveillés : {labels}.',
    'mailboxes.setup.topic.missing': 'Sujet Pub/Sub : définissez GMAIL_PUBSUB_TOPIC (projects/<projet>/topics/<sujet>) et autorisez gmail-api-push@system.gserviceaccount.com à y publier. D’ici là Gmail ne peut rien pousser : les boîtes sont lues toutes les {fallback}.',
    'mailboxes.setup.push_auth.ok': 'Authentification des notifications : elles doivent porter le jeton de Google pour l’audience {audience}.',
    'mailboxes.setup.push_auth.missing': 'Authentification des notifications : définissez PUBSUB_AUDIENCE et PUBSUB_SERVICE_ACCOUNT comme sur l’abonnement push vers {endpoint}. D’ici là ses notifications sont refusées.',
    'mailboxes.setup.fallback': 'Sans notification, chaque boîte est lue toutes les {fallback} quand même.',
    'mailboxes.setup.label_processed': 'Les e-mails acceptés reçoivent le libellé Gmail « {label} ».',
    'mailboxes.list': 'Boîtes connectées',
    'mailboxes.empty': 'Aucune boîte connectée pour l’instant.',
    'mailboxes.source.env': 'définie par l’environnement',
    'mailboxes.fact.watch': 'Fin de la surveillance',
    'mailboxes.fact.last_push': 'Dernière notification',
    'mailboxes.fact.last_sync': 'Dernière synchronisation',
    'mailboxes.fact.lag': 'Retard',
    'mailboxes.fact.admitted': 'Messages acceptés',
    'mailboxes.fact.history': 'Identifiant d’historique',
    'mailboxes.fact.connected': 'Connectée',
    'mailboxes.never': 'jamais',
    'mailboxes.no_watch': 'aucune surveillance',
    'mailboxes.last_error': 'Dernière erreur : {error}',
    'mailboxes.watch_error': 'La surveillance n’a pas pu être mise en place : {error} Vérifiez GMAIL_PUBSUB_TOPIC et que gmail-api-push@system.gserviceaccount.com peut y publier. Le courrier arrive encore par la synchronisation de secours, avec des minutes de retard.',
    'mailboxes.reconnect.help': 'Relais n’appelle plus Google pour cette boîte. Reconnectez-la : la lecture reprend où elle s’était arrêtée, rien de ce qui est arrivé entre-temps n’est perdu.',
    'mailboxes.reconnect.help_env': 'Relais n’appelle plus Google pour cette boîte. Définissez un nouveau GMAIL_REFRESH_TOKEN et redémarrez (ou reconnectez-la ici et retirez GMAIL_REFRESH_TOKEN) : la lecture reprend où elle s’était arrêtée, rien de ce qui est arrivé entre-temps n’est perdu.',
    'mailboxes.sync': 'Synchroniser',
    'mailboxes.reconnect': 'Reconnecter',
    'mailboxes.disconnect': 'Déconnecter',
    'mailboxes.synced': 'Synchronisation de {address} lancée.',
    'mailboxes.disconnected': 'Boîte {address} déconnectée.',
    'mailboxes.confirm_disconnect': 'Déconnecter {address} ? Relais arrête sa surveillance Gmail et oublie son jeton : son courrier n’est plus lu par l’API Gmail (un Apps Script continue d’envoyer ce qu’il envoie).',
    'mailboxes.confirm_disconnect_env': 'Déconnecter {address} ? Relais arrête sa surveillance Gmail et oublie son jeton. Elle revient au prochain démarrage tant que GMAIL_ADDRESS et GMAIL_REFRESH_TOKEN sont définis.',
    'mailboxes.connected': 'La boîte {address} est connectée. Sa première synchronisation commence.',
    'mailboxes.error.consent_denied': 'Rien n’a été connecté : l’autorisation a été refusée sur la page de Google.',
    'mailboxes.error.consent_refused': 'Rien n’a été connecté : {message}',
    'mailboxes.error.other': 'Rien n’a été connecté ({code}) : {message}',
    'mailboxes.error.no_message': 'la connexion n’a pas pu aboutir. Réessayez.',
    'mailboxes.dismiss': 'Masquer',
    'mailboxes.updated': 'Mis à jour {time}. Actualisation toutes les 10 s.',
    'mailboxes.refresh': 'Actualiser',
  },
});

const REFRESH_MS = 10_000;
const AFTER_SYNC_MS = 1_500;
const CALLBACK = '/api/gmail/oauth/callback';
const PUSH_ENDPOINT = '/api/ingress/pubsub';

/**
 * @typedef {{oauth_client: boolean, encryption_key: boolean, topic: string|null, labels: string[],
 *   push_auth: boolean, push_audience: string|null, poll_fallback_seconds: number,
 *   label_processed: string|null}} Setup what the server has configured
 * @typedef {import('../statusLogic.js').MailboxHealth & {watch_expires_at: number|null,
 *   last_notification_at: number|null, last_sync_at: number|null, connected_at: number|null,
 *   history_id: string, admitted: number}} Mailbox
 * @typedef {{node: HTMLElement, status: HTMLElement, facts: HTMLElement, actions: HTMLElement, key: string}} Card
 *   `key`: what its buttons depend on (rebuilt only when it changes)
 */

/**
 * A moment in words: "2 min ago", with the date and time under it; "never" when there is none.
 * @param {number|null|undefined} ts
 * @param {string} [none] the words for no moment
 * @returns {Array<string|HTMLElement>}
 */
function moment(ts, none = t('mailboxes.never')) {
  if (!ts) return [none];
  const lang = getLang();
  return [formatRelative(ts, Date.now() / 1000, lang), h('span', { class: 'help block', text: formatDateTime(ts, lang) })];
}

/** @param {boolean} ok */
function setupBadge(ok) {
  return h('span', { class: `badge ${ok ? 'green' : 'amber'}`, text: t(ok ? 'mailboxes.setup.ok' : 'mailboxes.setup.todo') });
}

/**
 * Each part of the setup, done or not, in words: [name, done, text].
 * @param {Setup} setup
 * @returns {Array<[string, boolean, string]>}
 */
function setupItems(setup) {
  const fallback = formatDuration(setup.poll_fallback_seconds);
  const item = (/** @type {string} */ name, /** @type {boolean} */ ok, /** @type {Record<string, string>} */ params) =>
    /** @type {[string, boolean, string]} */ ([name, ok, t(`mailboxes.setup.${name}.${ok ? 'ok' : 'missing'}`, params)]);
  return [
    item('oauth_client', setup.oauth_client, { callback: `${location.origin}${CALLBACK}` }),
    item('encryption_key', setup.encryption_key, {}),
    item('topic', Boolean(setup.topic), { topic: setup.topic || '', labels: setup.labels.join(', '), fallback }),
    item('push_auth', setup.push_auth, { audience: setup.push_audience || '', endpoint: `${location.origin}${PUSH_ENDPOINT}` }),
  ];
}

/**
 * The setup: a card listing what is set and what is missing (and where to read how), or,
 * once all is set and a mailbox is connected, a folded summary.
 * @param {Setup} setup
 * @param {number} count mailboxes connected
 */
function setupCard(setup, count) {
  const items = setupItems(setup);
  const complete = items.every(([, ok]) => ok);
  const list = h(
    'ul',
    { class: 'setup-list' },
    items.map(([name, ok, text]) => h('li', { dataset: { setup: name, done: String(ok) } }, setupBadge(ok), ' ', h('span', { text }))),
  );
  const notes = [
    h('p', { class: 'help', text: t('mailboxes.setup.fallback', { fallback: formatDuration(setup.poll_fallback_seconds) }) }),
    setup.label_processed ? h('p', { class: 'help', text: t('mailboxes.setup.label_processed', { label: setup.label_processed }) }) : null,
    h('p', { class: 'help setup-readme', text: t('mailboxes.setup.readme') }),
  ];
  if (complete && count) {
    return h('details', { class: 'card setup' }, h('summary', { text: t('mailboxes.setup.complete') }), list, notes);
  }
  const title = t(count ? 'mailboxes.setup.missing' : complete ? 'mailboxes.setup.ready' : 'mailboxes.setup.first_run');
  const id = uid('setup');
  return h('section', { class: 'card setup', 'aria-labelledby': id }, h('h3', { id, text: title }), list, notes);
}

/**
 * Why Connect cannot be used yet (null: it can).
 * @param {Setup} setup
 */
function connectBlocker(setup) {
  if (!setup.oauth_client) return t('mailboxes.connect.no_client');
  if (!setup.encryption_key) return t('mailboxes.connect.no_key');
  return null;
}

/**
 * Where the consent callback left us (`?connected=` or `?error=&message=`), as a banner.
 * @param {Record<string, string>} params
 * @returns {{tone: 'green'|'red', text: string}|null}
 */
function consentOutcome(params) {
  if (params.connected) return { tone: 'green', text: t('mailboxes.connected', { address: params.connected }) };
  if (!params.error) return null;
  const message = params.message || t('mailboxes.error.no_message');
  if (params.error === 'consent_denied') return { tone: 'red', text: t('mailboxes.error.consent_denied') };
  if (params.error === 'consent_refused') return { tone: 'red', text: t('mailboxes.error.consent_refused', { message }) };
  return { tone: 'red', text: t('mailboxes.error.other', { code: params.error, message }) };
}

/**
 * The server refusing Connect for a setting we can name in the current language.
 * @param {unknown} err
 */
function connectError(err) {
  if (err instanceof ApiError && err.code === 'gmail_not_configured') return new Error(t('mailboxes.connect.no_client'));
  if (err instanceof ApiError && err.code === 'encryption_key_missing') return new Error(t('mailboxes.connect.no_key'));
  return err;
}

/**
 * Ask the server for Google's consent URL and go there.
 * @param {HTMLElement} button
 * @param {string} [loginHint] the address to preselect on Google's page (reconnecting)
 */
async function startConsent(button, loginHint = '') {
  const action = () => api.post('/api/gmail/connect', { login_hint: loginHint }).catch((err) => Promise.reject(connectError(err)));
  const result = await runAction(button, action, { silent: true });
  if (!result?.url) return;
  /** @type {HTMLButtonElement} */ (button).disabled = true; // leaving for Google's page
  window.location.assign(result.url);
}

/**
 * The mailbox's facts: [name, label, value].
 * @param {Mailbox} m
 * @returns {Array<[string, string, string|Array<string|HTMLElement>]>}
 */
function factItems(m) {
  const lang = getLang();
  return [
    ['watch', t('mailboxes.fact.watch'), moment(m.watch_expires_at, t('mailboxes.no_watch'))],
    ['last_push', t('mailboxes.fact.last_push'), moment(m.last_notification_at)],
    ['last_sync', t('mailboxes.fact.last_sync'), moment(m.last_sync_at)],
    ['lag', t('mailboxes.fact.lag'), say(lagPhrase(m.lag_seconds, formatDuration))],
    ['admitted', t('mailboxes.fact.admitted'), formatNumber(m.admitted || 0, lang)],
    ['history', t('mailboxes.fact.history'), m.history_id || '—'],
    ['connected', t('mailboxes.fact.connected'), moment(m.connected_at)],
  ];
}

/** @param {Mailbox} m the badge, then what is wrong and what to do */
function statusLines(m) {
  const badge = mailboxBadge(m);
  const error = mailboxErrorPhrase(m.last_error);
  const watchError = mailboxErrorPhrase(m.watch_error);
  const reconnect = m.state === 'needs_reconnect';
  return [
    h(
      'p',
      { class: 'row mailbox-badges' },
      h('span', { class: `badge ${badge.tone}`, dataset: { health: m.health }, text: say(badge.phrase) }),
      m.source === 'env' ? h('span', { class: 'badge', text: t('mailboxes.source.env') }) : null,
    ),
    reconnect ? h('p', { class: 'mailbox-help', text: t(m.source === 'env' ? 'mailboxes.reconnect.help_env' : 'mailboxes.reconnect.help') }) : null,
    error ? h('p', { class: 'mailbox-error', text: t('mailboxes.last_error', { error: say(error) }) }) : null,
    watchError && !reconnect ? h('p', { class: 'mailbox-error', text: t('mailboxes.watch_error', { error: say(watchError) }) }) : null,
  ];
}

/** @param {Mailbox} m */
function factList(m) {
  return factItems(m).map(([name, label, value]) => h('div', { dataset: { fact: name } }, h('dt', { text: label }), h('dd', {}, value)));
}

/**
 * A mailbox card's buttons: Reconnect (when it needs it and connecting is possible) or Sync
 * now, and Disconnect.
 * @param {Mailbox} m
 * @param {boolean} canConnect
 * @param {{reconnect: (b: HTMLElement) => unknown, sync: (b: HTMLElement) => unknown, disconnect: (b: HTMLElement) => unknown}} on
 */
function mailboxButtons(m, canConnect, on) {
  const button = (/** @type {string} */ key, /** @type {(b: HTMLElement) => unknown} */ fn, cls = 'small') =>
    h('button', {
      type: 'button',
      class: cls,
      text: t(key),
      'aria-label': `${t(key)} — ${m.address}`,
      onclick: (/** @type {Event} */ e) => fn(/** @type {HTMLElement} */ (e.currentTarget)),
    });
  const first =
    m.state === 'needs_reconnect'
      ? canConnect
        ? button('mailboxes.reconnect', on.reconnect, 'small primary')
        : null
      : button('mailboxes.sync', on.sync);
  return [first, button('mailboxes.disconnect', on.disconnect, 'small danger')];
}

/**
 * The consent's outcome from the route, shown once (the route loses its parameters, so a
 * reload does not show it again).
 * @param {HTMLElement} outcome
 * @param {Record<string, string>} params
 */
function showConsentOutcome(outcome, params) {
  const found = consentOutcome(params || {});
  if (!found) {
    replace(outcome);
    return;
  }
  const banner = h(
    'div',
    { class: `banner ${found.tone} row consent-outcome`, role: found.tone === 'red' ? 'alert' : 'status' },
    h('span', { class: 'spacer', text: found.text }),
    h('button', { type: 'button', class: 'small', text: t('mailboxes.dismiss'), onclick: () => replace(outcome) }),
  );
  replace(outcome, banner);
  history.replaceState(null, '', routeHash('mailboxes'));
}

/**
 * @param {HTMLElement} el
 * @param {import('../app.js').ScreenContext} _ctx
 */
export function MailboxesTab(el, _ctx) {
  /** @type {Setup|null} */
  let setup = null;
  let setupKey = '';
  /** @type {Map<string, Card>} */
  const cards = new Map();
  let listKey = ''; // the addresses listed, in order: the cards are rebuilt when they change
  const connectHelp = h('p', { class: 'help', id: uid('connect-help'), text: t('mailboxes.connect.help') });
  const connectButton = h('button', {
    type: 'button',
    class: 'primary',
    text: t('mailboxes.connect'),
    disabled: true,
    'aria-describedby': connectHelp.id,
    onclick: (/** @type {Event} */ e) => startConsent(/** @type {HTMLElement} */ (e.currentTarget)),
  });
  const outcome = h('div', { class: 'mailboxes-outcome' });
  const problem = h('div', { class: 'mailboxes-problem', role: 'alert' });
  const setupArea = h('div', { class: 'mailboxes-setup' });
  const listHeading = h('h3', { id: uid('mailboxes'), text: t('mailboxes.list') });
  const list = h('div', { class: 'mailbox-list' });
  const updated = h('p', { class: 'help' });
  const refresh = h('button', { type: 'button', class: 'small', text: t('mailboxes.refresh'), onclick: () => load() });

  replace(
    el,
    h(
      'div',
      { class: 'card config-head' },
      h('div', { class: 'row' }, h('h2', { text: t('mailboxes.title') }), h('span', { class: 'spacer' }), connectButton),
      h('p', { class: 'help', text: t('mailboxes.intro') }),
      connectHelp,
    ),
    outcome,
    problem,
    setupArea,
    h('section', { class: 'mailboxes', 'aria-labelledby': listHeading.id }, listHeading, list),
    h('div', { class: 'row mailboxes-refresh' }, updated, refresh),
  );

  const poller = refresher(el, () => load(), REFRESH_MS);
  let loading = false;

  async function load() {
    if (loading) return;
    loading = true;
    el.setAttribute('aria-busy', 'true');
    try {
      const answer = await api.get('/api/gmail/mailboxes');
      renderSetup(answer.setup, answer.items.length);
      renderList(answer.items);
      replace(problem);
      updated.textContent = t('mailboxes.updated', { time: formatDateTime(Date.now() / 1000, getLang()) });
      el.dataset.loaded = 'true';
    } catch (err) {
      replace(problem, h('p', { class: 'banner red', text: errorText(err) }));
    } finally {
      loading = false;
      el.removeAttribute('aria-busy');
    }
  }

  /** @param {Setup} next @param {number} count */
  function renderSetup(next, count) {
    setup = next;
    const blocker = connectBlocker(next);
    /** @type {HTMLButtonElement} */ (connectButton).disabled = Boolean(blocker);
    connectHelp.textContent = blocker || t('mailboxes.connect.help');
    connectHelp.classList.toggle('connect-blocked', Boolean(blocker));
    const key = JSON.stringify([next, Boolean(count)]);
    if (key === setupKey) return; // rebuilt only when it changes: a folded summary stays as it is
    setupKey = key;
    replace(setupArea, setupCard(next, count));
  }

  /** @param {Mailbox[]} items */
  function renderList(items) {
    const addresses = JSON.stringify(items.map((m) => m.address));
    if (addresses !== listKey) {
      listKey = addresses;
      cards.clear();
      replace(list, items.length ? items.map((m) => newCard(m).node) : h('p', { class: 'card', text: t('mailboxes.empty') }));
    }
    for (const m of items) updateCard(/** @type {Card} */ (cards.get(m.address)), m);
  }

  /** @param {Mailbox} m */
  function newCard(m) {
    const id = uid('mailbox');
    const card = {
      node: h('section', { class: 'card mailbox', 'aria-labelledby': id, dataset: { mailbox: m.address } }),
      status: h('div', { class: 'mailbox-status' }),
      facts: h('dl', { class: 'mailbox-facts' }),
      actions: h('div', { class: 'row mailbox-actions' }),
      key: '',
    };
    replace(card.node, h('h4', { id, class: 'mailbox-address', text: m.address }), card.status, card.facts, card.actions);
    cards.set(m.address, card);
    return card;
  }

  /**
   * Refresh a card in place; its buttons are rebuilt only when what they depend on changes,
   * so a focused button keeps the focus across refreshes.
   * @param {Card} card @param {Mailbox} m
   */
  function updateCard(card, m) {
    card.node.dataset.health = m.health;
    replace(card.status, statusLines(m));
    replace(card.facts, factList(m));
    const key = `${m.state} ${m.source} ${Boolean(setup && !connectBlocker(setup))}`;
    if (card.key !== key) {
      card.key = key;
      replace(card.actions, actionButtons(m));
    }
  }

  /** @param {Mailbox} m */
  function actionButtons(m) {
    const canConnect = Boolean(setup && !connectBlocker(setup));
    return mailboxButtons(m, canConnect, {
      reconnect: (b) => startConsent(b, m.address),
      sync: (b) => syncNow(m, b),
      disconnect: (b) => disconnect(m, b),
    });
  }

  /** @param {Mailbox} m @param {HTMLElement} b */
  async function syncNow(m, b) {
    const path = `/api/gmail/mailboxes/${encodeURIComponent(m.address)}/sync`;
    const done = await runAction(b, () => api.post(path), { success: t('mailboxes.synced', { address: m.address }) });
    if (done) setTimeout(() => poller.shown() && load(), AFTER_SYNC_MS);
  }

  /** @param {Mailbox} m @param {HTMLElement} b */
  async function disconnect(m, b) {
    const question = t(m.source === 'env' ? 'mailboxes.confirm_disconnect_env' : 'mailboxes.confirm_disconnect', { address: m.address });
    if (!(await confirmDialog(question, { danger: true, confirmLabel: t('mailboxes.disconnect') }))) return;
    const path = `/api/gmail/mailboxes/${encodeURIComponent(m.address)}`;
    const done = await runAction(b, () => api.del(path), { success: t('mailboxes.disconnected', { address: m.address }) });
    if (done) await load();
  }

  return {
    update: load,
    /** @param {Record<string, string>} params */
    show(params) {
      poller.start();
      showConsentOutcome(outcome, params);
      return load();
    },
    hide: poller.stop,
  };
}
