// One delivery in detail: where it goes and where it stands (in words), "Send now" and
// "Replay", every attempt (when, how long, the answer, what followed), the signature headers
// of the last one, each response body, and the payload the target receives.

import { ApiError, api } from '../../api.js';
import { h, timeAgo } from '../../dom.js';
import { detectorLabel } from '../../detectors.js';
import { urlFor } from '../../endpoints.js';
import { decodeEntities, formatDuration } from '../../formatLogic.js';
import { getLang, t, tc } from '../../i18n.js';
import { facts, stateBadge, table } from '../../monitorWidgets.js';
import { say } from '../../outcomeWords.js';
import { routeHash } from '../../screens.js';
import { errorPhrase } from '../../statusLogic.js';
import { runAction } from '../../ui.js';
import { canReplay, prettyJson, replayOutcomeKey } from './deliveriesLogic.js';
import './deliveries.messages.js';
import { sendNowButton, waitingFact } from './releaseActions.js';
import { cancelPhrase } from './waitingLogic.js';

/**
 * @typedef {{n: number, at: number, duration_ms?: number|null, status_code?: number|null, error?: string|null,
 *   outcome: string, next_at?: number|null, response_snippet?: string|null, request_headers?: Record<string, string>,
 *   r2?: Array<{provider?: string, original_filename?: string, r2_error?: string}>}} Attempt
 * @typedef {(text: string) => Promise<unknown>} Refresh reload the list and this detail, saying what happened
 */

/** @param {number|null|undefined} ts */
function when(ts) {
  return ts ? timeAgo(ts, Date.now() / 1000, getLang()) : null;
}

/**
 * An attempt's or a delivery's answer in words: the error, else the HTTP status.
 * @param {string|null|undefined} error
 * @param {number|string|null|undefined} code
 */
export function answerWords(error, code) {
  const status = code ? Number(code) : null;
  if (error) return say(errorPhrase(error, status));
  return status ? say({ key: 'outcome.error.http', params: { code: status } }) : t('deliveries.att.no_answer');
}

/** @param {string} outcome */
function outcomeBadge(outcome) {
  const key = `monitor.state.${outcome}`;
  if (t(key) !== key) return stateBadge(outcome);
  const words = t(`deliveries.outcome.${outcome}`);
  return h('span', { class: 'badge amber', text: words.startsWith('deliveries.') ? t('deliveries.outcome.other') : words });
}

/**
 * Where the delivery stands and why.
 * @param {any} rec
 * @returns {Array<[string, unknown]>}
 */
function standing(rec) {
  return [
    [t('deliveries.detail.state'), stateBadge(rec.state)],
    [t('deliveries.detail.waiting'), waitingFact(rec)],
    [t('deliveries.detail.last_error'), rec.last_error ? answerWords(rec.last_error, rec.last_status_code) : null],
    [t('deliveries.detail.cancelled'), rec.cancel_reason ? say(cancelPhrase(rec.cancel_reason)) : null],
    [t('deliveries.detail.released_by'), rec.released_by],
  ];
}

/**
 * Where it goes and what it carries.
 * @param {any} rec
 * @returns {Array<[string, unknown]>}
 */
function carrying(rec) {
  const named = rec.target_name && rec.target_name !== rec.target_id;
  return [
    [t('deliveries.detail.target'), named ? `${rec.target_name} (${rec.target_id})` : rec.target_id],
    [t('deliveries.detail.subject'), decodeEntities(rec.subject)],
    [t('deliveries.detail.email'), rec.email_id ? h('a', { href: routeHash('emails', { id: rec.email_id }), class: 'mono', text: rec.email_id }) : null],
    [t('deliveries.detail.webhook_id'), h('code', { text: rec.webhook_id || '' })],
    [t('deliveries.detail.sender'), rec.sender_email],
    [t('deliveries.detail.detector'), rec.detector ? detectorLabel(rec.detector) : null],
    [t('deliveries.detail.rules'), (rec.rules || '').split(',').filter(Boolean).join(', ')],
    [t('deliveries.detail.priority'), rec.priority ? t(`deliveries.priority.${rec.priority}`) : null],
  ];
}

/**
 * When it was made, is due, finished; how many attempts and replays.
 * @param {any} rec
 * @returns {Array<[string, unknown]>}
 */
function timing(rec) {
  const total = rec.total_attempts ?? 0;
  const cycle = rec.attempts ?? total;
  const attempts = rec.replays && cycle !== total ? t('deliveries.detail.attempts_cycle', { count: total, cycle }) : tc('deliveries.detail.attempts_value', { count: total });
  return [
    [t('deliveries.detail.created'), when(rec.created_at)],
    [t('deliveries.detail.deliver_at'), when(rec.deliver_at)],
    [t('deliveries.detail.finished'), when(rec.finished_at)],
    [t('deliveries.detail.attempts'), attempts],
    [t('deliveries.detail.replays'), rec.replays || null],
  ];
}

/** @param {[string, unknown]} pair */
function known([, value]) {
  return value !== null && value !== undefined && value !== '';
}

/**
 * The delivery's facts, those it has: where it stands, where it goes, when.
 * @param {any} rec
 * @returns {Array<[string, unknown]>}
 */
function detailFacts(rec) {
  return [...standing(rec), ...carrying(rec), ...timing(rec)].filter(known);
}

/** @param {Attempt[]} attempts */
function attemptsTable(attempts) {
  const lang = getLang();
  return table(
    t('deliveries.detail.attempts_log'),
    [t('deliveries.att.n'), t('deliveries.att.at'), t('deliveries.att.duration'), t('deliveries.att.answer'), t('deliveries.att.outcome'), t('deliveries.att.next')],
    attempts.map((a) => [
      a.n,
      when(a.at),
      a.duration_ms === null || a.duration_ms === undefined ? null : formatDuration(a.duration_ms / 1000, lang),
      answerWords(a.error, a.status_code),
      outcomeBadge(a.outcome),
      when(a.next_at),
    ]),
    { numeric: [0], narrow: [0], stacked: true },
  );
}

/** @param {Attempt} a */
function responseOf(a) {
  return h(
    'details',
    { class: 'deliveries-attempt' },
    h('summary', { text: t('deliveries.att.response', { n: a.n }) }),
    a.response_snippet ? h('pre', { tabindex: '0', text: a.response_snippet }) : h('p', { text: t('deliveries.att.no_response') }),
    a.r2 && a.r2.length ? [h('h5', { text: t('deliveries.att.r2') }), facts(a.r2.map((c) => [c.provider || '', c.original_filename || c.r2_error || '']))] : null,
  );
}

/** @param {Attempt|undefined} last */
function signature(last) {
  const headers = last?.request_headers;
  if (!headers || !Object.keys(headers).length) return h('p', { text: t('deliveries.detail.no_attempt') });
  return facts(Object.entries(headers).map(([k, v]) => [k, h('code', { class: 'deliveries-header', text: String(v) })]));
}

/**
 * Replay one delivery; a 409 says why not, in words.
 * @param {HTMLElement} button
 * @param {string} id
 * @param {Refresh} refresh
 */
async function replay(button, id, refresh) {
  const sent = async () => {
    try {
      return await api.post(urlFor.deliveryReplay(id));
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 409) throw err;
      const outcome = String(err.body.outcome || '');
      throw new Error(t(replayOutcomeKey(outcome), { outcome }), { cause: err });
    }
  };
  if (await runAction(button, sent, { success: t('deliveries.replay.queued') })) await refresh(t('deliveries.replay.queued'));
}

/**
 * @param {any} rec
 * @param {Refresh} refresh
 */
function body(rec, refresh) {
  /** @type {Attempt[]} */
  const attempts = rec.attempts_log || [];
  const replayButton = canReplay(rec.state)
    ? h('button', { type: 'button', class: 'primary', text: t('deliveries.detail.replay'), onclick: (/** @type {Event} */ e) => replay(/** @type {HTMLElement} */ (e.currentTarget), rec.id, refresh) })
    : null;
  return [
    facts(detailFacts(rec)),
    h('div', { class: 'actions' }, sendNowButton(rec, refresh), replayButton),
    h('h4', { text: t('deliveries.detail.attempts_log') }),
    attempts.length ? [attemptsTable(attempts), attempts.map(responseOf)] : h('p', { text: t('deliveries.detail.no_attempt') }),
    h('h4', { text: t('deliveries.detail.signature') }),
    signature(attempts[attempts.length - 1]),
    h('p', { class: 'help', text: t('deliveries.detail.signature_help') }),
    h(
      'details',
      { class: 'deliveries-payload' },
      h('summary', { text: t('deliveries.detail.payload') }),
      rec.payload ? h('pre', { tabindex: '0', text: prettyJson(rec.payload) }) : h('p', { text: t('deliveries.detail.payload_gone') }),
    ),
  ];
}

/**
 * One delivery in detail, for the list's detail panel.
 * @param {string} id
 * @param {Refresh} refresh
 * @returns {Promise<import('./RecordList.js').Detail>}
 */
export async function deliveryDetail(id, refresh) {
  const rec = await api.get(urlFor.delivery(id), { include_payload: 'true' });
  return { title: t('deliveries.detail', { id: rec.id }), body: body(rec, refresh) };
}
