// One email in detail: its decision and why (in words), where it was sent, a text preview of
// its body, its deliveries, the routing decision and its trace rule by rule, the schedule per
// target, the detector and the links; re-route it with the current rules.

import { api } from '../../api.js';
import { h, timeAgo } from '../../dom.js';
import { detectorLabel } from '../../detectors.js';
import { urlFor } from '../../endpoints.js';
import { decodeEntities } from '../../formatLogic.js';
import { getLang, t } from '../../i18n.js';
import { facts, stateBadge, table } from '../../monitorWidgets.js';
import { actionLine, say } from '../../outcomeWords.js';
import { routeHash } from '../../screens.js';
import { answerWords } from './deliveryDetail.js';
import { detectorFacts, linkUrls, planPhrase, scheduleReason, traceOutcome, traceReason } from './emailsLogic.js';
import './emails.messages.js';
import { waitingLine } from './releaseActions.js';
import { rerouteSection } from './rerouteView.js';
import { emailReasonPhrase } from './waitingLogic.js';

/**
 * @typedef {(id: string) => string} NameOf a target's name for people
 * @typedef {(text: string) => Promise<unknown>} Refresh
 */

const OUTCOME_BADGE = { matched: 'green', not_matched: 'in_flight', disabled: 'amber', after_stop: 'amber' };

/** @param {number|null|undefined} ts */
function when(ts) {
  return ts ? timeAgo(ts, Date.now() / 1000, getLang()) : null;
}

/** @param {string} key @param {import('../../dom.js').Children} content */
function section(key, content) {
  return h('section', { class: 'emails-section', 'aria-label': t(key) }, h('h4', { text: t(key) }), content);
}

/** What a parked email waits for, and what releases it. */
function parkedNote() {
  return h(
    'div',
    { class: 'banner red emails-parked', role: 'note' },
    h('strong', { text: t('emails.parked.title') }),
    h('p', {}, actionLine({ key: 'emails.parked.help', link: { screen: 'targets', key: 'status.link.targets' } })),
  );
}

/**
 * Where the email went, as its deliveries say (cancelled ones left out), or why nowhere.
 * @param {any} doc
 * @param {NameOf} nameOf
 */
function sentTo(doc, nameOf) {
  const live = (doc.deliveries || []).filter((/** @type {any} */ d) => d.target_id && d.state !== 'cancelled');
  const names = [...new Set(live.map((/** @type {any} */ d) => nameOf(d.target_id)))];
  if (names.length) return names.join(', ');
  if (doc.status === 'ignored') return t('emails.sent_to.ignored');
  if (doc.status === 'parked') return t('emails.sent_to.parked');
  return t('emails.sent_to.none');
}

/**
 * @param {any} doc
 * @param {NameOf} nameOf
 * @returns {Array<[string, unknown]>}
 */
function emailFacts(doc, nameOf) {
  const sent = doc.date ? Date.parse(doc.date) : NaN;
  /** @type {Array<[string, unknown]>} */
  const pairs = [[t('emails.detail.status'), stateBadge(doc.status)]];
  if (doc.status !== 'accepted') pairs.push([t('emails.detail.reason'), say(emailReasonPhrase(doc.reason) || { key: 'outcome.email.unknown' })]);
  pairs.push(
    [t('emails.detail.sent_to'), sentTo(doc, nameOf)],
    [t('emails.detail.received'), when(doc.ingested_at)],
    [t('emails.detail.sender'), doc.sender],
    [t('emails.detail.date'), Number.isNaN(sent) ? doc.date : when(sent / 1000)],
    [t('emails.detail.id'), h('code', { text: doc.email_id })],
  );
  if (doc.gmail_message_id && doc.gmail_message_id !== doc.email_id) pairs.push([t('emails.detail.gmail'), h('code', { text: doc.gmail_message_id })]);
  if (doc.request_id) pairs.push([t('emails.detail.request'), h('code', { text: doc.request_id })]);
  return pairs;
}

/** The body's first characters, as text (never markup). @param {any} doc */
function preview(doc) {
  if (!doc.preview) return h('p', { class: 'help', text: t('emails.preview.none') });
  return [h('p', { class: 'email-preview', text: doc.preview }), doc.preview_truncated ? h('p', { class: 'help', text: t('emails.preview.cut') }) : null];
}

/**
 * @param {any[]} deliveries
 * @param {any} doc
 * @param {NameOf} nameOf
 */
function deliveriesView(deliveries, doc, nameOf) {
  if (!deliveries.length) return h('p', { text: t(doc.status === 'accepted' ? 'emails.deliveries.none' : `emails.deliveries.none_${doc.status}`) });
  return table(
    t('emails.deliveries'),
    [t('emails.del.target'), t('emails.del.state'), t('emails.del.error'), t('emails.del.attempts'), t('emails.del.id')],
    deliveries.map((d) => [
      nameOf(d.target_id || ''),
      h('span', { class: 'state-cell' }, stateBadge(d.state), waitingLine(d)),
      d.last_error ? answerWords(d.last_error, d.last_status_code) : null,
      d.total_attempts,
      h('a', { href: routeHash('deliveries', { id: d.id }), class: 'mono', text: d.id }),
    ]),
    { numeric: [3], stacked: true },
  );
}

/**
 * The routing decision. Only an accepted email names targets: an ignored or parked one went
 * nowhere, whatever the rules named.
 * @param {any} decision
 * @param {any} doc
 * @param {NameOf} nameOf
 */
function decisionView(decision, doc, nameOf) {
  if (!decision) return h('p', { text: t('emails.decision.none') });
  const names = new Map((decision.trace || []).map((/** @type {any} */ e) => [e.rule_id, e.name || e.rule_id]));
  const matched = [t('emails.decision.matched'), (decision.matched_rules || []).map((/** @type {string} */ id) => names.get(id) || id).join(', ')];
  if (doc.status !== 'accepted') return facts([[t('emails.decision.targets'), t(`emails.decision.none_${doc.status}`)], /** @type {[string, unknown]} */ (matched)]);
  const yes = (/** @type {boolean} */ v) => t(v ? 'emails.yes' : 'emails.no');
  /** @type {Array<[string, unknown]>} */
  const pairs = [
    [t('emails.decision.targets'), (decision.targets || []).map(nameOf).join(', ')],
    /** @type {[string, unknown]} */ (matched),
    [t('emails.decision.default'), yes(decision.used_default)],
    [t('emails.decision.priority'), decision.priority ? t(`emails.priority.${decision.priority}`) : null],
    [t('emails.decision.window'), decision.window_policy ? t(`emails.window.${decision.window_policy}`) : null],
  ];
  return facts(pairs.filter(([, value]) => value));
}

/** @param {any[]} trace */
function traceView(trace) {
  if (!trace.length) return h('p', { text: t('emails.trace.none') });
  return table(
    t('emails.trace'),
    [t('emails.trace.order'), t('emails.trace.rule'), t('emails.trace.result'), t('emails.trace.why')],
    trace.map((entry, i) => {
      const outcome = traceOutcome(entry);
      return [
        i + 1,
        h('span', {}, entry.name || entry.rule_id, ' ', h('code', { class: 'emails-rule-id', text: entry.rule_id })),
        h('span', { class: `badge ${OUTCOME_BADGE[outcome]}`, text: t(`emails.outcome.${outcome}`) }),
        say(traceReason(entry)),
      ];
    }),
    { numeric: [0], stacked: true, rowAttrs: (i) => ({ dataset: { outcome: traceOutcome(trace[i]) } }) },
  );
}

/**
 * @param {Record<string, any>|undefined} schedule
 * @param {NameOf} nameOf
 */
function scheduleView(schedule, nameOf) {
  const entries = Object.entries(schedule || {});
  if (!entries.length) return null;
  const lang = getLang();
  const line = (/** @type {any} */ plan) => {
    const reason = scheduleReason(plan.reason, lang, detectorLabel);
    return reason ? `${say(planPhrase(plan))} — ${say(reason)}` : say(planPhrase(plan));
  };
  return section('emails.schedule', facts(entries.map(([target, plan]) => [nameOf(target), line(plan)])));
}

/** @param {any} detector */
function detectorView(detector) {
  if (!detector) return h('p', { text: t('emails.detector.none') });
  const notes = detectorFacts(detector).map((f) => /** @type {[string, unknown]} */ ([f.key ? t(f.key) : f.name, f.yes === undefined ? f.value : t(f.yes ? 'emails.yes' : 'emails.no')]));
  return facts([[t('emails.detector'), h('strong', { text: detectorLabel(detector.detector) })], ...notes]);
}

/** @param {any[]} links */
function linksView(links) {
  if (!links.length) return h('p', { text: t('emails.links.none') });
  return table(
    t('emails.links'),
    [t('emails.link.provider'), t('emails.link.urls'), t('emails.link.file')],
    links.map((link) => [
      link.provider,
      h(
        'ul',
        { class: 'emails-urls' },
        linkUrls(link).map((u) => h('li', {}, h('span', { class: 'badge', text: t(`emails.link.${u.kind}`) }), ' ', h('a', { href: u.url, rel: 'noopener noreferrer', target: '_blank', class: 'mono', text: u.url }))),
      ),
      link.original_filename || link.r2_error,
    ]),
    { stacked: true },
  );
}

/**
 * One email in detail, for the list's detail panel.
 * @param {string} id
 * @param {NameOf} nameOf
 * @param {Refresh} refresh
 * @returns {Promise<import('./RecordList.js').Detail>}
 */
export async function emailDetail(id, nameOf, refresh) {
  const doc = await api.get(urlFor.email(id));
  const analysis = doc.analysis || {};
  const decision = analysis.decision;
  const waiting = doc.status !== 'accepted';
  const reroute = rerouteSection(doc.email_id, nameOf, refresh);
  const body = [
    doc.status === 'parked' ? parkedNote() : null,
    facts(emailFacts(doc, nameOf)),
    waiting ? reroute : null,
    section('emails.preview', preview(doc)),
    section('emails.deliveries', deliveriesView(doc.deliveries || [], doc, nameOf)),
    section('emails.decision', decisionView(decision, doc, nameOf)),
    section('emails.trace', traceView(decision?.trace || [])),
    scheduleView(analysis.schedule, nameOf),
    section('emails.detector', detectorView(analysis.detector)),
    section('emails.links', linksView(analysis.links || [])),
    waiting ? null : reroute,
  ];
  return { title: t('emails.detail', { subject: decodeEntities(doc.subject) || t('emails.no_subject') }), body };
}
