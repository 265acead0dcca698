// What the Gmail API setup needs (client, key, topic, push), and connecting a mailbox: the
// consent page, and what came back from it.

import { ApiError, api } from '../../api.js';
import { h, uid } from '../../dom.js';
import { formatDuration } from '../../formatLogic.js';
import { t } from '../../i18n.js';
import { runAction } from '../../ui.js';
import './messages.js';

/**
 * @typedef {import('./mailboxView.js').Setup} Setup
 */

const CALLBACK = '/api/gmail/oauth/callback';
const PUSH_ENDPOINT = '/api/ingress/pubsub';
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
export function setupCard(setup, count) {
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
export function connectBlocker(setup) {
  if (!setup.oauth_client) return t('mailboxes.connect.no_client');
  if (!setup.encryption_key) return t('mailboxes.connect.no_key');
  return null;
}

/**
 * Where the consent callback left us (`?connected=` or `?error=&message=`), as a banner.
 * @param {Record<string, string>} params
 * @returns {{tone: 'green'|'red', text: string}|null}
 */
export function consentOutcome(params) {
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
export async function startConsent(button, loginHint = '') {
  const action = () => api.post('/api/gmail/connect', { login_hint: loginHint }).catch((err) => Promise.reject(connectError(err)));
  const result = await runAction(button, action, { silent: true });
  if (!result?.url) return;
  /** @type {HTMLButtonElement} */ (button).disabled = true; // leaving for Google's page
  window.location.assign(result.url);
}
