// One connected mailbox in words: its state, what is wrong and what to do, its facts (watch,
// last push, last sync, lag) and its buttons.

import { h } from '../../dom.js';
import { formatDateTime, formatDuration, formatNumber, formatRelative } from '../../formatLogic.js';
import { getLang, t } from '../../i18n.js';
import { say } from '../../outcomeWords.js';
import { lagPhrase, mailboxBadge, mailboxErrorPhrase } from '../../statusLogic.js';
import './messages.js';

/**
 * @typedef {{oauth_client: boolean, encryption_key: boolean, topic: string|null, labels: string[],
 *   push_auth: boolean, push_audience: string|null, poll_fallback_seconds: number,
 *   label_processed: string|null}} Setup what the server has configured
 * @typedef {import('../../statusLogic.js').MailboxHealth & {watch_expires_at: number|null,
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
export function statusLines(m) {
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
export function factList(m) {
  return factItems(m).map(([name, label, value]) => h('div', { dataset: { fact: name } }, h('dt', { text: label }), h('dd', {}, value)));
}

/**
 * A mailbox card's buttons: Reconnect (when it needs it and connecting is possible) or Sync
 * now, and Disconnect.
 * @param {Mailbox} m
 * @param {boolean} canConnect
 * @param {{reconnect: (b: HTMLElement) => unknown, sync: (b: HTMLElement) => unknown, disconnect: (b: HTMLElement) => unknown}} on
 */
export function mailboxButtons(m, canConnect, on) {
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
