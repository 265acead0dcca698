// Emails: every stored email, newest first, searched and filtered by server pages with their
// total, each with its decision in words; the filtered set re-routed with the current rules.
// One email in detail (emailDetail.js).

import { h, timeAgo } from '../../dom.js';
import { URLS, targetNames } from '../../endpoints.js';
import { decodeEntities, formatNumber } from '../../formatLogic.js';
import { getLang, t, tc } from '../../i18n.js';
import { stateBadge } from '../../monitorWidgets.js';
import { say } from '../../outcomeWords.js';
import { RecordList } from './RecordList.js';
import { emailDetail } from './emailDetail.js';
import { EMAIL_FILTERS, EMAIL_STATUSES } from './deliveriesLogic.js';
import './emails.messages.js';
import { rerouteFiltered } from './rerouteView.js';
import { emailReasonPhrase } from './waitingLogic.js';

/**
 * @typedef {import('./RecordList.js').Column} Column
 * @typedef {import('./RecordList.js').RowLink} RowLink
 * @typedef {{email_id: string, subject?: string|null, sender?: string|null, sender_email?: string|null, status: string,
 *   reason?: string|null, ingested_at?: number|null, deliveries?: unknown[]}} EmailRow
 */

/** @param {EmailRow} m */
function subjectOf(m) {
  return decodeEntities(m.subject) || t('emails.no_subject');
}

/**
 * An email's decision in a list: its badge, and why when it was ignored or parked.
 * @param {EmailRow} m
 */
function decisionCell(m) {
  const why = m.status === 'accepted' ? null : emailReasonPhrase(m.reason, true);
  return h('span', { class: 'state-cell' }, stateBadge(m.status), why ? h('span', { class: 'waiting-reason', text: say(why) }) : null);
}

/** @param {EmailRow} m @param {RowLink} row */
function subjectLink(m, row) {
  return h('a', { href: row.href, 'aria-current': row.open ? 'true' : null, text: subjectOf(m) });
}

/** @param {EmailRow} m */
function received(m) {
  return timeAgo(m.ingested_at, Date.now() / 1000, getLang());
}

/** @returns {Column[]} the important ones first */
function columns() {
  return [
    { label: t('emails.col.status'), cell: decisionCell },
    { label: t('emails.col.subject'), cell: subjectLink, main: true },
    { label: t('emails.col.sender'), cell: (m) => m.sender_email || m.sender, side: true },
    { label: t('emails.col.deliveries'), cell: (m) => formatNumber((m.deliveries || []).length, getLang()), num: true, side: true },
    { label: t('emails.col.received'), cell: received },
  ];
}

/** @param {EmailRow} m @param {RowLink} row */
function card(m, row) {
  const count = (m.deliveries || []).length;
  return {
    badge: decisionCell(m),
    when: received(m),
    title: subjectLink(m, row),
    lines: [t('emails.card.from', { sender: m.sender_email || m.sender || '' }) + (count ? ` · ${tc('emails.card.deliveries', { count })}` : '')],
  };
}

/** The filters beside the search. */
function filterControls() {
  return {
    sender: /** @type {HTMLInputElement} */ (h('input', { name: 'sender', type: 'search', autocomplete: 'off' })),
    status: /** @type {HTMLSelectElement} */ (
      h('select', { name: 'status' }, h('option', { value: '', text: t('emails.f.any') }), EMAIL_STATUSES.map((s) => h('option', { value: s, text: t(`monitor.state.${s}`) })))
    ),
  };
}

/** A target's name for people, "Name (id)", from the shared cache (ids when it cannot load). */
async function namer() {
  /** @type {Map<string, string>} */
  let names = new Map();
  try {
    names = await targetNames();
  } catch {
    // Names are a nicety: ids are shown instead.
  }
  return (/** @type {string} */ id) => {
    const name = names.get(id);
    return name && name !== id ? `${name} (${id})` : id;
  };
}

/**
 * @param {HTMLElement} el
 * @param {import('../../app.js').ScreenContext} ctx
 */
export function EmailsTab(el, ctx) {
  const c = filterControls();
  /** @type {Map<string, string>} email id -> subject, for the emails listed */
  const subjects = new Map();
  /** @param {Event} event */
  const onRerouteMany = async (event) => {
    const button = /** @type {HTMLElement} */ (event.currentTarget);
    const result = await rerouteFiltered(button, list.filters(), await namer(), (id) => subjects.get(id));
    if (result) await (result.applied ? list.refresh(result.text) : list.say(result.text));
  };
  const list = RecordList(el, ctx, {
    screen: 'emails',
    url: URLS.emails,
    filterNames: EMAIL_FILTERS,
    query: (filters) => ({ ...filters }),
    filters: [
      { name: 'sender', label: t('emails.f.sender'), control: c.sender },
      { name: 'status', label: t('emails.f.status'), control: c.status },
    ],
    words: { heading: t('emails.heading'), filters: t('emails.filters'), searchHelp: t('emails.search.help'), apply: t('emails.apply'), none: t('emails.none') },
    columns: columns(),
    card,
    idOf: (m) => m.email_id,
    detail: async (id) => emailDetail(id, await namer(), (text) => list.refresh(text)),
    actions: [h('button', { type: 'button', text: t('reroute.many'), onclick: onRerouteMany })],
    listed: (page) => {
      for (const m of page.items) subjects.set(m.email_id, subjectOf(m));
    },
  });
  return { update: list.update, show: list.show, hide() {} };
}
