// Waiting deliveries on the Deliveries screen: why each waits (in words, with what releases
// it), "Send now" for one (confirmed), and the filtered set sent now (counted, then confirmed).

import { ApiError, api } from './api.js';
import { h } from './dom.js';
import { addMessages, t, tc } from './i18n.js';
import { actionLine, say } from './outcomeWords.js';
import { confirmDialog, runAction } from './ui.js';
import { refusalKey, releasable, skippedPhrases, waitingPhrase, waitingRemedy } from './waitingLogic.js';

addMessages({
  en: {
    'release.one': 'Send now',
    'release.one.confirm': 'Send this delivery now, whatever the delivery window or the absence day? It leaves at once, with its webhook-id.',
    'release.one.done': 'Released: the delivery leaves now.',
    'release.many': 'Send the filtered waiting deliveries now…',
    'release.many.confirm': '{count} waiting deliveries match these filters. Send them now, whatever the delivery window or the absence day? Those waiting for a target that is switched off or missing stay.',
    'release.many.confirm_one': '1 waiting delivery matches these filters. Send it now, whatever the delivery window or the absence day? If it waits for a target that is switched off or missing, it stays.',
    'release.many.go': 'Send {count} now',
    'release.many.none': 'No waiting delivery matches these filters: nothing to send.',
    'release.many.cancelled': 'Nothing was sent.',
    'release.many.done': '{count} deliveries released.',
    'release.many.done_one': '1 delivery released.',
  },
  fr: {
    'release.one': 'Envoyer maintenant',
    'release.one.confirm': 'Envoyer cette livraison maintenant, quelle que soit la plage de livraison ou le jour d’absence ? Elle part aussitôt, avec son webhook-id.',
    'release.one.done': 'Libérée : la livraison part maintenant.',
    'release.many': 'Envoyer maintenant les livraisons filtrées en attente…',
    'release.many.confirm': '{count} livraisons en attente correspondent à ces filtres. Les envoyer maintenant, quelle que soit la plage de livraison ou le jour d’absence ? Celles qui attendent une cible désactivée ou disparue restent en attente.',
    'release.many.confirm_one': '1 livraison en attente correspond à ces filtres. L’envoyer maintenant, quelle que soit la plage de livraison ou le jour d’absence ? Si elle attend une cible désactivée ou disparue, elle reste en attente.',
    'release.many.go': 'Envoyer {count} maintenant',
    'release.many.none': 'Aucune livraison en attente ne correspond à ces filtres : rien à envoyer.',
    'release.many.cancelled': 'Rien n’a été envoyé.',
    'release.many.done': '{count} livraisons libérées.',
    'release.many.done_one': '1 livraison libérée.',
  },
});

/**
 * @typedef {import('./waitingLogic.js').Delivery & {id: string}} Delivery
 */

/**
 * Why a delivery waits, in words, for a list cell; null when it does not wait.
 * @param {Delivery} rec
 */
export function waitingLine(rec) {
  const phrase = waitingPhrase(rec.waiting_reason, rec.deliver_at);
  return phrase ? h('span', { class: 'waiting-reason', text: say(phrase) }) : null;
}

/**
 * Why a delivery waits and what releases it, for its detail; null when it does not wait.
 * @param {Delivery} rec
 */
export function waitingFact(rec) {
  const phrase = waitingPhrase(rec.waiting_reason, rec.deliver_at);
  if (!phrase) return null;
  const remedy = waitingRemedy(rec);
  return h('span', { class: 'waiting-fact' }, h('strong', { text: say(phrase) }), remedy ? [h('br'), ...actionLine(remedy)] : null);
}

/**
 * The "Send now" button of a waiting delivery the release helps; null for any other.
 * @param {Delivery} rec
 * @param {(text: string) => unknown} done called with the outcome in words once released
 */
export function sendNowButton(rec, done) {
  if (!releasable(rec, Date.now() / 1000)) return null;
  return h('button', {
    type: 'button',
    class: 'primary',
    text: t('release.one'),
    onclick: (/** @type {Event} */ e) => sendNow(/** @type {HTMLElement} */ (e.currentTarget), rec.id, done),
  });
}

/**
 * @param {HTMLElement} button
 * @param {string} id
 * @param {(text: string) => unknown} done
 */
async function sendNow(button, id, done) {
  if (!(await confirmDialog(t('release.one.confirm'), { confirmLabel: t('release.one') }))) return;
  const result = await runAction(button, () => release(id), { success: t('release.one.done') });
  if (result) await done(t('release.one.done'));
}

/**
 * POST the release; a 409 is thrown again as its reason in words.
 * @param {string} id
 */
async function release(id) {
  try {
    return await api.post(`/api/deliveries/${encodeURIComponent(id)}/release`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) throw new Error(t(refusalKey(err.code)));
    throw err;
  }
}

/**
 * Send every waiting delivery the filters match now: counted first (dry run), then confirmed.
 * @param {HTMLElement} button
 * @param {Record<string, string|number>} query the list's filters, as the API takes them
 * @returns {Promise<{text: string, released: boolean}|undefined>}
 */
export function releaseFiltered(button, query) {
  return runAction(button, () => releaseAfterCount(query), { success: (r) => r.text });
}

/** @param {Record<string, string|number>} query */
async function releaseAfterCount(query) {
  const dry = await api.post('/api/deliveries/release', { ...query, dry_run: true });
  if (!dry.matched) return { text: t('release.many.none'), released: false };
  const go = await confirmDialog(tc('release.many.confirm', { count: dry.matched }), {
    confirmLabel: t('release.many.go', { count: dry.matched }),
  });
  if (!go) return { text: t('release.many.cancelled'), released: false };
  const done = await api.post('/api/deliveries/release', query);
  const skipped = skippedPhrases(done.skipped).map(say);
  const text = tc('release.many.done', { count: done.released }) + (skipped.length ? ` ${skipped.join('; ')}.` : '');
  return { text, released: true };
}
