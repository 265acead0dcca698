// Mailboxes: Gmail mailboxes read through the Gmail API (Gmail pushes through Cloud Pub/Sub).
// Connect one (Google's consent page), see each one's state, watch, last push, last sync and
// lag, sync it now, disconnect it. What is not set up yet is listed, with where to read how.
// The list refreshes every 10 s while the screen is shown, in place (focus stays put).

import { api } from '../../api.js';
import { h, replace, uid } from '../../dom.js';
import { formatDateTime } from '../../formatLogic.js';
import { getLang, t } from '../../i18n.js';
import { refresher } from '../../refresher.js';
import { routeHash } from '../../screens.js';
import { confirmDialog, errorText, runAction } from '../../ui.js';
import { factList, mailboxButtons, statusLines } from './mailboxView.js';
import { connectBlocker, consentOutcome, setupCard, startConsent } from './setupView.js';
import './messages.js';

/**
 * @typedef {import('./mailboxView.js').Setup} Setup
 * @typedef {import('./mailboxView.js').Mailbox} Mailbox
 * @typedef {import('./mailboxView.js').Card} Card
 */

const REFRESH_MS = 10_000;
const AFTER_SYNC_MS = 1_500;
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
 * @param {import('../../app.js').ScreenContext} _ctx
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
