// Deliveries: every delivery, newest first, searched and filtered by server pages with their
// total; the dead-letter view; the filtered set replayed or sent now. One delivery in detail
// (deliveryDetail.js). Filters, page and the open delivery live in the hash:
// `#/deliveries?q=lot&status=dead&id=dlv_…`.

import { api } from '../../api.js';
import { h, timeAgo } from '../../dom.js';
import { detectorLabel, detectorNames } from '../../detectors.js';
import { URLS, targets } from '../../endpoints.js';
import { decodeEntities, formatNumber } from '../../formatLogic.js';
import { getLang, t, tc } from '../../i18n.js';
import { stateBadge } from '../../monitorWidgets.js';
import { say } from '../../outcomeWords.js';
import { errorPhrase } from '../../statusLogic.js';
import { confirmDialog, runAction } from '../../ui.js';
import { RecordList } from './RecordList.js';
import { deliveryDetail } from './deliveryDetail.js';
import { DELIVERY_FILTERS, DELIVERY_STATES, deliveryQuery } from './deliveriesLogic.js';
import './deliveries.messages.js';
import { releaseFiltered, waitingLine } from './releaseActions.js';

/**
 * @typedef {import('./RecordList.js').Column} Column
 * @typedef {import('./RecordList.js').RowLink} RowLink
 * @typedef {{id: string, state: string, subject?: string|null, target_id?: string, target_name?: string|null,
 *   last_error?: string|null, last_status_code?: string|null, attempts?: number, total_attempts?: number,
 *   created_at?: number|null, waiting_reason?: string|null, deliver_at?: number|null, email_id?: string|null}} Delivery
 */

/** @param {Delivery} d */
function subjectOf(d) {
  return decodeEntities(d.subject) || t('deliveries.no_subject');
}

/** @param {Delivery} d */
function lastError(d) {
  return d.last_error ? say(errorPhrase(d.last_error, d.last_status_code ? Number(d.last_status_code) : null)) : null;
}

/** @param {Delivery} d @param {RowLink} row */
function subjectLink(d, row) {
  return h('a', { href: row.href, 'aria-current': row.open ? 'true' : null, text: subjectOf(d) });
}

/** @param {Delivery} d */
function created(d) {
  return timeAgo(d.created_at, Date.now() / 1000, getLang());
}

/** @param {Delivery} d */
function statusCell(d) {
  return h('span', { class: 'state-cell' }, stateBadge(d.state), waitingLine(d));
}

/** @returns {Column[]} the important ones first */
function columns() {
  return [
    { label: t('deliveries.col.state'), cell: statusCell },
    { label: t('deliveries.col.subject'), cell: subjectLink, main: true },
    { label: t('deliveries.col.target'), cell: (d) => h('span', { title: d.target_id, text: d.target_name || d.target_id }), side: true },
    { label: t('deliveries.col.last_error'), cell: lastError },
    { label: t('deliveries.col.attempts'), cell: (d) => formatNumber(d.total_attempts ?? d.attempts ?? 0, getLang()), num: true, side: true },
    { label: t('deliveries.col.created'), cell: created },
  ];
}

/** @param {Delivery} d @param {RowLink} row */
function card(d, row) {
  const error = lastError(d);
  const attempts = d.total_attempts ?? d.attempts ?? 0;
  return {
    badge: statusCell(d),
    when: created(d),
    title: subjectLink(d, row),
    lines: [
      t('deliveries.card.target', { target: d.target_name || d.target_id || '' }) + (attempts ? ` · ${tc('deliveries.card.attempts', { count: attempts })}` : ''),
      error ? t('deliveries.card.error', { error }) : null,
    ].filter(Boolean),
  };
}

/** The filters beside the search. */
function filterControls() {
  const select = (/** @type {string} */ name, /** @type {string} */ any, /** @type {Array<[string, string]>} */ options) =>
    /** @type {HTMLSelectElement} */ (h('select', { name }, h('option', { value: '', text: any }), options.map(([value, text]) => h('option', { value, text }))));
  return {
    status: select('status', t('deliveries.f.any_status'), DELIVERY_STATES.map((s) => [s, t(`monitor.state.${s}`)])),
    target: select('target', t('deliveries.f.any_target'), []),
    detector: select('detector', t('deliveries.f.any_detector'), []),
    rule: /** @type {HTMLInputElement} */ (h('input', { name: 'rule', type: 'text', size: 12, autocomplete: 'off' })),
    from: /** @type {HTMLInputElement} */ (h('input', { name: 'from', type: 'date' })),
    to: /** @type {HTMLInputElement} */ (h('input', { name: 'to', type: 'date' })),
  };
}

/**
 * Offer the targets and the detectors in their selects (once; a value already chosen stays).
 * @param {HTMLSelectElement} select
 * @param {Array<[string, string]>} options value and words
 */
function offer(select, options) {
  const chosen = select.value;
  for (const [value, text] of options) {
    const found = [...select.options].find((o) => o.value === value);
    if (found) found.text = text;
    else select.appendChild(h('option', { value, text }));
  }
  select.value = chosen;
}

/**
 * @param {HTMLSelectElement} target
 * @param {HTMLSelectElement} detector
 */
async function fillChoices(target, detector) {
  try {
    const [items, names] = await Promise.all([targets(), detectorNames()]);
    offer(target, items.map((item) => [item.id, item.name && item.name !== item.id ? `${item.name} (${item.id})` : item.id]));
    offer(detector, names.map((name) => [name, detectorLabel(name)]));
  } catch {
    // The choices are a nicety: a value in the hash still shows as itself.
  }
}

/**
 * Replay every dead or delivered delivery the filters match: counted first, then confirmed.
 * @param {HTMLElement} button
 * @param {Record<string, string|number>} query
 * @returns {Promise<{text: string, done?: unknown}|undefined>}
 */
function replayFiltered(button, query) {
  return runAction(
    button,
    async () => {
      const dry = await api.post(URLS.deliveriesReplay, { ...query, dry_run: true });
      if (!dry.matched) return { text: t('deliveries.replay_many.none') };
      const go = await confirmDialog(tc('deliveries.replay_many.confirm', { count: dry.matched }), {
        confirmLabel: t('deliveries.replay_many.go', { count: dry.matched }),
        danger: true,
      });
      if (!go) return { text: t('deliveries.replay_many.cancelled') };
      const done = await api.post(URLS.deliveriesReplay, query);
      return { text: tc('deliveries.replay_many.done', { count: done.queued, skipped: done.skipped ?? 0 }), done };
    },
    { success: (r) => r.text },
  );
}

/**
 * @param {HTMLElement} el
 * @param {import('../../app.js').ScreenContext} ctx
 */
export function DeliveriesTab(el, ctx) {
  const c = filterControls();
  /** @param {Event} event */
  const onReplayMany = async (event) => {
    const result = await replayFiltered(/** @type {HTMLElement} */ (event.currentTarget), deliveryQuery(list.filters()));
    if (result) await (result.done ? list.refresh(result.text) : list.say(result.text));
  };
  /** @param {Event} event */
  const onReleaseMany = async (event) => {
    const result = await releaseFiltered(/** @type {HTMLElement} */ (event.currentTarget), deliveryQuery(list.filters()));
    if (result) await (result.released ? list.refresh(result.text) : list.say(result.text));
  };
  const list = RecordList(el, ctx, {
    screen: 'deliveries',
    url: URLS.deliveries,
    filterNames: DELIVERY_FILTERS,
    query: deliveryQuery,
    filters: [
      { name: 'status', label: t('deliveries.f.status'), control: c.status },
      { name: 'target', label: t('deliveries.f.target'), control: c.target },
      { name: 'detector', label: t('deliveries.f.detector'), control: c.detector },
      { name: 'rule', label: t('deliveries.f.rule'), control: c.rule },
      { name: 'from', label: t('deliveries.f.from'), control: c.from },
      { name: 'to', label: t('deliveries.f.to'), control: c.to },
    ],
    words: { heading: t('deliveries.heading'), filters: t('deliveries.filters'), searchHelp: t('deliveries.search.help'), apply: t('deliveries.apply'), none: t('deliveries.showing_none') },
    columns: columns(),
    card,
    idOf: (d) => d.id,
    detail: (id) => deliveryDetail(id, (text) => list.refresh(text)),
    actions: [
      h('button', { type: 'button', title: t('deliveries.dead_view_help'), text: t('deliveries.dead_view'), onclick: () => ctx.navigate('deliveries', { status: 'dead' }) }),
      h('button', { type: 'button', text: t('deliveries.replay_many'), onclick: onReplayMany }),
      h('button', { type: 'button', text: t('release.many'), onclick: onReleaseMany }),
    ],
  });
  return {
    update: list.update,
    /** @param {Record<string, string>} params */
    show: (params) => Promise.all([list.show(params), fillChoices(c.target, c.detector)]),
    hide() {},
  };
}
