// Overview: is mail flowing? The server's status banner with its reasons in words, the
// first-run checklist while something is left to set up, key figures (now, and the last
// 24 hours), the week's deliveries per hour, latest incidents. Refreshes every 30 s while visible.

import { refresher } from '../refresher.js';
import './overview/messages.js';
import { api } from '../api.js';
import { h, replace, timeAgo } from '../dom.js';
import { URLS, targetNames } from '../endpoints.js';
import { decodeEntities, formatNumber, formatPercent } from '../formatLogic.js';
import { getLang, t } from '../i18n.js';
import { stateBadge, table, when } from '../monitorWidgets.js';
import { actionLine, say } from '../outcomeWords.js';
import { setupPending, setupSteps } from '../overviewLogic.js';
import { routeHash } from '../screens.js';
import { errorPhrase, reasonPhrase } from '../statusLogic.js';
import { errorText } from '../ui.js';
import { chartCard } from './overview/chart.js';
import { checklist, setupHidden } from './overview/checklist.js';

const REFRESH_MS = 30_000;

/**
 * The server's status: its level as a title, then each reason in words with where to act.
 * @param {{level: string, reasons: import('../statusLogic.js').Reason[]}} status
 */
function statusBanner(status) {
  return h(
    'div',
    { class: `banner ${status.level}`, dataset: { level: status.level } },
    h('strong', { text: t(`overview.level.${status.level}`) }),
    h(
      'ul',
      { class: 'overview-reasons' },
      status.reasons.map((r) => h('li', { class: `reason-${r.level}`, dataset: { code: r.code } }, actionLine(reasonPhrase(r)))),
    ),
  );
}

/**
 * @typedef {[name: string, label: string, value: string|Node]} Metric
 */

/**
 * What is true now: last email, store, the queue and its states.
 * @param {any} stats
 * @returns {Metric[]}
 */
function nowMetrics(stats) {
  const lang = getLang();
  const n = (/** @type {number|undefined} */ v) => formatNumber(v || 0, lang);
  return [
    ['ingress', t('overview.metric.ingress'), timeAgo(stats.last_ingress_at, stats.now, lang, t('overview.never'))],
    ['store', t('overview.metric.store'), t(stats.store === 'degraded' ? 'overview.metric.store_degraded' : 'overview.metric.store_ok')],
    ['queue', t('overview.metric.queue'), `${n(stats.queue.due)} / ${n(stats.queue.scheduled)}`],
    ['in_flight', t('overview.metric.in_flight'), n(stats.states.in_flight)],
    ['held', t('overview.metric.held'), n(stats.states.held)],
    ['waiting_for_target', t('overview.metric.waiting_for_target'), n(stats.queue.waiting_for_target)],
    ['parked', t('overview.metric.parked'), n(stats.queue.parked_emails)],
    ['retrying', t('overview.metric.retrying'), n(stats.states.retrying)],
    ['dead', t('overview.metric.dead'), n(stats.states.dead)],
  ];
}

/**
 * The last 24 hours' counts.
 * @param {any} stats
 * @returns {Metric[]}
 */
function dayMetrics(stats) {
  const lang = getLang();
  const n = (/** @type {number|undefined} */ v) => formatNumber(v || 0, lang);
  const day = stats.last_24h;
  return [
    ['rate', t('overview.metric.rate'), stats.success_rate_24h === null ? t('monitor.none') : formatPercent(stats.success_rate_24h, lang)],
    ['pushes', t('overview.metric.pushes24'), n(day.ingress)],
    ['emails', t('overview.metric.emails24'), n(day.emails)],
    ['ignored', t('overview.metric.ignored24'), n(day.ignored)],
    ['duplicates', t('overview.metric.duplicates24'), n(day.duplicate)],
  ];
}

/** @param {Metric} metric */
function metricCard([name, label, value]) {
  return h('div', { class: 'card metric', dataset: { metric: name } }, h('span', { class: 'value' }, value), h('span', { class: 'label', text: label }));
}

/**
 * A titled group of tiles that reflow to the width (never squeezed below a readable size).
 * @param {string} title
 * @param {Metric[]} items
 */
function metricGroup(title, items) {
  return h('section', { class: 'metric-group', 'aria-label': title }, h('h3', { class: 'metric-title', text: title }), h('div', { class: 'overview-metrics' }, items.map(metricCard)));
}

/**
 * @param {any[]} dead
 * @param {any[]} retrying
 * @param {number} now
 * @param {Map<string, string>} names target names by id
 */
function incidentsView(dead, retrying, now, names) {
  const lang = getLang();
  const items = [...dead, ...retrying].sort((a, b) => (b.created_at || 0) - (a.created_at || 0)).slice(0, 8);
  const link = (/** @type {any} */ d) => h('a', { href: routeHash('deliveries', { status: d.state, id: d.id }), text: decodeEntities(d.subject) || t('overview.no_subject') });
  return [
    h('h3', { text: t('overview.incidents.title') }),
    items.length
      ? table(
          t('overview.incidents.title'),
          [t('overview.incidents.when'), t('overview.incidents.state'), t('overview.incidents.target'), t('overview.incidents.subject'), t('overview.incidents.error')],
          items.map((d) => [timeAgo(d.finished_at || d.created_at, now, lang), stateBadge(d.state), names.get(d.target_id) || d.target_id, link(d), say(errorPhrase(d.last_error, d.last_status_code))]),
          { stacked: true },
        )
      : h('p', { text: t('overview.incidents.none') }),
    h(
      'p',
      { class: 'row' },
      h('a', { href: routeHash('deliveries', { status: 'dead' }), text: t('overview.incidents.all_dead') }),
      h('a', { href: routeHash('deliveries', { status: 'retrying' }), text: t('overview.incidents.all_retrying') }),
    ),
  ];
}

/**
 * Connected Gmail mailboxes (0 when Gmail push is not set up or cannot be read).
 * @returns {Promise<number>}
 */
async function mailboxCount() {
  try {
    const answer = await api.get(URLS.gmailMailboxes);
    return (answer.items || []).length;
  } catch {
    return 0;
  }
}

/**
 * @param {HTMLElement} el
 * @param {import('../app.js').ScreenContext} ctx
 */
export function OverviewTab(el, ctx) {
  void ctx;
  const status = h('div', { class: 'overview-status', role: 'status', 'aria-live': 'polite' }, h('p', { text: t('ui.loading') }));
  const setup = checklist();
  const metrics = h('div', { class: 'overview-groups' });
  const chart = chartCard();
  const incidents = h('div', { class: 'card overview-incidents' });
  const updated = h('p', { class: 'help overview-updated' });
  const refresh = h('button', { type: 'button', class: 'small', text: t('overview.refresh'), onclick: () => update() });
  replace(
    el,
    h('h2', { text: t('overview.heading') }),
    status,
    h('p', { class: 'help', text: t('overview.levels') }),
    setup.node,
    metrics,
    h('div', { class: 'row overview-refresh' }, updated, refresh),
    chart.node,
    incidents,
  );

  const poller = refresher(el, () => update(), REFRESH_MS);
  let loading = false;

  /** @param {any} stats */
  async function showSetup(stats) {
    const steps = setupSteps(stats, 0);
    const mailboxes = setupPending(steps) && !setupHidden() ? await mailboxCount() : 0;
    setup.show(setupSteps(stats, mailboxes));
  }

  async function update() {
    if (loading) return;
    loading = true;
    el.setAttribute('aria-busy', 'true');
    try {
      const [stats, dead, retrying, names] = await Promise.all([
        api.get(URLS.stats),
        api.get(URLS.deliveries, { status: 'dead', limit: 5 }),
        api.get(URLS.deliveries, { status: 'retrying', limit: 5 }),
        targetNames().catch(() => new Map()), // without names the ids still say where
      ]);
      replace(status, statusBanner(stats.status));
      await showSetup(stats);
      replace(metrics, metricGroup(t('overview.group.now'), nowMetrics(stats)), metricGroup(t('overview.group.day'), dayMetrics(stats)));
      chart.show(stats.hours);
      replace(incidents, incidentsView(dead.items, retrying.items, stats.now, names));
      updated.textContent = t('overview.updated', { time: when(stats.now) });
      el.dataset.loaded = 'true';
    } catch (err) {
      replace(status, h('div', { class: 'banner red', role: 'alert' }, h('strong', { text: t('overview.load_failed') }), h('span', { text: errorText(err) })));
    } finally {
      loading = false;
      el.removeAttribute('aria-busy');
    }
  }

  return {
    update,
    show() {
      poller.start();
      return update();
    },
    hide: poller.stop,
  };
}
