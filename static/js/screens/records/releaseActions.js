// Waiting deliveries on the Deliveries screen: why each waits (in words, with what releases
// it), "Send now" for one (confirmed), and the filtered set sent now (counted, then confirmed).

import { ApiError, api } from '../../api.js';
import { h } from '../../dom.js';
import { URLS, urlFor } from '../../endpoints.js';
import { t, tc } from '../../i18n.js';
import { actionLine, say } from '../../outcomeWords.js';
import { confirmDialog, runAction } from '../../ui.js';
import './deliveries.messages.js';
import { refusalKey, releasable, skippedPhrases, waitingPhrase, waitingRemedy } from './waitingLogic.js';

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
    return await api.post(urlFor.deliveryRelease(id));
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) throw new Error(t(refusalKey(err.code)), { cause: err });
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
  const dry = await api.post(URLS.deliveriesRelease, { ...query, dry_run: true });
  if (!dry.matched) return { text: t('release.many.none'), released: false };
  const go = await confirmDialog(tc('release.many.confirm', { count: dry.matched }), {
    confirmLabel: t('release.many.go', { count: dry.matched }),
  });
  if (!go) return { text: t('release.many.cancelled'), released: false };
  const done = await api.post(URLS.deliveriesRelease, query);
  const skipped = skippedPhrases(done.skipped).map(say);
  const text = tc('release.many.done', { count: done.released }) + (skipped.length ? ` ${skipped.join('; ')}.` : '');
  return { text, released: true };
}
