// Overview: is mail flowing? The server's status banner with its reasons in words, key
// figures, the week's deliveries per hour (SVG drawn here), latest incidents. Refreshes
// every 30 s while visible.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatNumber, formatPercent, formatRelative } from '../formatLogic.js';
import { addMessages, getLang, t } from '../i18n.js';
import { svg, stateBadge, table, when } from '../monitorWidgets.js';
import { actionLine, say } from '../outcomeWords.js';
import { CHART_SERIES, chartGeometry, dailyTotals } from '../overviewLogic.js';
import { routeHash } from '../screens.js';
import { errorPhrase, reasonPhrase } from '../statusLogic.js';
import { errorText } from '../ui.js';

addMessages({
  en: {
    'overview.heading': 'Status',
    'overview.level.green': 'Mail is flowing',
    'overview.level.amber': 'Needs attention',
    'overview.level.red': 'Mail cannot leave',
    'overview.load_failed': 'The status could not be read',
    'overview.levels': 'Red: mail cannot leave until you act. Amber: mail waits or a receiver fails, and it will leave by itself. Worked out by the server from what waits now.',
    'overview.updated': 'Updated {time}. Refreshes every 30 s.',
    'overview.refresh': 'Refresh now',
    'overview.metric.ingress': 'Last email received',
    'overview.metric.store': 'Redis / store',
    'overview.metric.store_ok': 'OK',
    'overview.metric.store_degraded': 'Degraded',
    'overview.metric.queue': 'Queue (due / scheduled)',
    'overview.metric.in_flight': 'In flight',
    'overview.metric.held': 'Held',
    'overview.metric.retrying': 'Retrying',
    'overview.metric.dead': 'Dead letters',
    'overview.metric.rate': 'Success rate, 24 h',
    'overview.metric.waiting_for_target': 'Waiting for a target',
    'overview.metric.parked': 'Parked emails',
    'overview.metric.pushes24': 'Pushes, 24 h',
    'overview.metric.emails24': 'New emails, 24 h',
    'overview.metric.ignored24': 'Ignored, 24 h',
    'overview.metric.duplicates24': 'Duplicates, 24 h',
    'overview.never': 'never',
    'overview.chart.title': 'Deliveries per hour, last 7 days',
    'overview.chart.label': 'Deliveries per hour over 7 days, by status: {delivered} delivered, {retrying} retrying, {dead} dead in total. The table below gives the totals per day.',
    'overview.chart.table': 'Totals per day',
    'overview.chart.day': 'Day',
    'overview.series.delivered': 'Delivered',
    'overview.series.retrying': 'Retrying',
    'overview.series.dead': 'Dead',
    'overview.incidents.title': 'Latest incidents',
    'overview.incidents.none': 'No dead or retrying deliveries.',
    'overview.incidents.when': 'When',
    'overview.incidents.state': 'Status',
    'overview.incidents.target': 'Target',
    'overview.incidents.subject': 'Subject',
    'overview.incidents.error': 'Last error',
    'overview.incidents.all_dead': 'All dead letters',
    'overview.incidents.all_retrying': 'All retrying deliveries',
    'overview.no_subject': '(no subject)',
  },
  fr: {
    'overview.heading': 'État',
    'overview.level.green': 'Le courrier circule',
    'overview.level.amber': 'À surveiller',
    'overview.level.red': 'Le courrier ne peut pas partir',
    'overview.load_failed': 'Impossible de lire l’état',
    'overview.levels': 'Rouge : le courrier ne peut pas partir sans votre intervention. Orange : du courrier attend ou un destinataire échoue, et il partira de lui-même. Établi par le serveur à partir de ce qui attend maintenant.',
    'overview.updated': 'Mis à jour {time}. Actualisation toutes les 30 s.',
    'overview.refresh': 'Actualiser',
    'overview.metric.ingress': 'Dernier e-mail reçu',
    'overview.metric.store': 'Redis / stockage',
    'overview.metric.store_ok': 'OK',
    'overview.metric.store_degraded': 'Dégradé',
    'overview.metric.queue': "File (dues / planifiées)",
    'overview.metric.in_flight': 'En cours',
    'overview.metric.held': 'Retenues',
    'overview.metric.retrying': 'Nouvel essai',
    'overview.metric.dead': 'Lettres mortes',
    'overview.metric.rate': 'Taux de réussite, 24 h',
    'overview.metric.waiting_for_target': 'En attente d’une cible',
    'overview.metric.parked': 'E-mails en souffrance',
    'overview.metric.pushes24': 'Envois reçus, 24 h',
    'overview.metric.emails24': 'Nouveaux e-mails, 24 h',
    'overview.metric.ignored24': 'Ignorés, 24 h',
    'overview.metric.duplicates24': 'Doublons, 24 h',
    'overview.never': 'jamais',
    'overview.chart.title': 'Livraisons par heure, 7 derniers jours',
    'overview.chart.label': 'Livraisons par heure sur 7 jours, par état : {delivered} livrées, {retrying} en nouvel essai, {dead} en échec au total. Le tableau ci-dessous donne les totaux par jour.',
    'overview.chart.table': 'Totaux par jour',
    'overview.chart.day': 'Jour',
    'overview.series.delivered': 'Livrées',
    'overview.series.retrying': 'Nouvel essai',
    'overview.series.dead': 'En échec',
    'overview.incidents.title': 'Derniers incidents',
    'overview.incidents.none': 'Aucune livraison en échec ni en nouvel essai.',
    'overview.incidents.when': 'Date',
    'overview.incidents.state': 'État',
    'overview.incidents.target': 'Cible',
    'overview.incidents.subject': 'Objet',
    'overview.incidents.error': 'Dernière erreur',
    'overview.incidents.all_dead': 'Toutes les lettres mortes',
    'overview.incidents.all_retrying': 'Toutes les livraisons en nouvel essai',
    'overview.no_subject': '(sans objet)',
  },
});

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
 * The key figures, each saying what it counts: [name, label, value].
 * @param {any} stats
 * @returns {Array<[string, string, string]>}
 */
function metricItems(stats) {
  const lang = getLang();
  const n = (/** @type {number|undefined} */ v) => formatNumber(v || 0, lang);
  const day = stats.last_24h;
  return [
    ['ingress', t('overview.metric.ingress'), stats.last_ingress_at ? formatRelative(stats.last_ingress_at, stats.now, lang) : t('overview.never')],
    ['store', t('overview.metric.store'), t(stats.store === 'degraded' ? 'overview.metric.store_degraded' : 'overview.metric.store_ok')],
    ['queue', t('overview.metric.queue'), `${n(stats.queue.due)} / ${n(stats.queue.scheduled)}`],
    ['in_flight', t('overview.metric.in_flight'), n(stats.states.in_flight)],
    ['held', t('overview.metric.held'), n(stats.states.held)],
    ['waiting_for_target', t('overview.metric.waiting_for_target'), n(stats.queue.waiting_for_target)],
    ['parked', t('overview.metric.parked'), n(stats.queue.parked_emails)],
    ['retrying', t('overview.metric.retrying'), n(stats.states.retrying)],
    ['dead', t('overview.metric.dead'), n(stats.states.dead)],
    ['rate', t('overview.metric.rate'), stats.success_rate_24h === null ? t('monitor.none') : formatPercent(stats.success_rate_24h, lang)],
    ['pushes', t('overview.metric.pushes24'), n(day.ingress)],
    ['emails', t('overview.metric.emails24'), n(day.emails)],
    ['ignored', t('overview.metric.ignored24'), n(day.ignored)],
    ['duplicates', t('overview.metric.duplicates24'), n(day.duplicate)],
  ];
}

/** @param {string} name @param {string} label @param {string} value */
function metricCard(name, label, value) {
  return h('div', { class: 'card metric', dataset: { metric: name } }, h('span', { class: 'value', text: value }), h('span', { class: 'label', text: label }));
}

/**
 * @param {HTMLElement} el
 * @param {import('../app.js').ScreenContext} ctx
 */
export function OverviewTab(el, ctx) {
  void ctx;
  const status = h('div', { class: 'overview-status', role: 'status', 'aria-live': 'polite' }, h('p', { text: t('ui.loading') }));
  const metrics = h('div', { class: 'grid overview-metrics' });
  const chart = h('div', { class: 'card overview-chart' });
  const incidents = h('div', { class: 'card overview-incidents' });
  const updated = h('p', { class: 'help overview-updated' });
  const refresh = h('button', { type: 'button', class: 'small', text: t('overview.refresh'), onclick: () => update() });
  replace(
    el,
    h('h2', { text: t('overview.heading') }),
    status,
    h('p', { class: 'help', text: t('overview.levels') }),
    metrics,
    h('div', { class: 'row overview-refresh' }, updated, refresh),
    chart,
    incidents,
  );

  /** @type {ReturnType<typeof setInterval>|null} */
  let timer = null;
  let visible = false;
  let loading = false;

  async function update() {
    if (loading) return;
    loading = true;
    el.setAttribute('aria-busy', 'true');
    try {
      const [stats, dead, retrying] = await Promise.all([
        api.get('/api/stats'),
        api.get('/api/deliveries', { status: 'dead', limit: 5 }),
        api.get('/api/deliveries', { status: 'retrying', limit: 5 }),
      ]);
      renderStatus(stats);
      renderMetrics(stats);
      renderChart(stats);
      renderIncidents(dead.items, retrying.items);
      updated.textContent = t('overview.updated', { time: when(stats.now) });
      el.dataset.loaded = 'true';
    } catch (err) {
      replace(status, h('div', { class: 'banner red', role: 'alert' }, h('strong', { text: t('overview.load_failed') }), h('span', { text: errorText(err) })));
    } finally {
      loading = false;
      el.removeAttribute('aria-busy');
    }
  }

  /** @param {any} stats */
  function renderStatus(stats) {
    replace(status, statusBanner(stats.status));
  }

  /** @param {any} stats */
  function renderMetrics(stats) {
    replace(metrics, metricItems(stats).map(([name, label, value]) => metricCard(name, label, value)));
  }

  /** @param {any} stats */
  function renderChart(stats) {
    const lang = getLang();
    // Drawn at the width it is shown (text stays 10 px), with shorter day labels when narrow.
    const width = chart.clientWidth ? Math.max(300, Math.min(1200, Math.round(chart.clientWidth - 34))) : 840;
    const dayFormat = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'short' });
    const tickFormat = width < 640 ? new Intl.DateTimeFormat(lang, { weekday: 'short' }) : dayFormat;
    const dayOf = (/** @type {number} */ hour) => dayFormat.format(new Date(hour * 1000));
    const hourFormat = new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short' });
    const isDayStart = (/** @type {number} */ hour) => new Date(hour * 1000).getHours() === 0;
    const geo = chartGeometry(stats.hours, { isDayStart, width });
    const totals = Object.fromEntries(CHART_SERIES.map((s) => [s, stats.hours.reduce((sum, hr) => sum + (hr[s] || 0), 0)]));
    const drawing = svg(
      'svg',
      { class: 'chart', viewBox: `0 0 ${geo.width} ${geo.height}`, role: 'img', 'aria-label': t('overview.chart.label', totals) },
      ...geo.yTicks.map((tick) =>
        svg('g', {}, svg('line', { class: 'axis', x1: geo.plot.left, x2: geo.plot.right, y1: tick.y, y2: tick.y }), svg('text', { x: geo.plot.left - 4, y: tick.y + 3, 'text-anchor': 'end', text: formatNumber(tick.value, lang) })),
      ),
      ...geo.xTicks.filter((tick) => tick.x < geo.plot.right - 40).map((tick) =>
        svg('g', {}, svg('line', { class: 'axis', x1: tick.x, x2: tick.x, y1: geo.plot.bottom, y2: geo.plot.bottom + 4 }), svg('text', { x: tick.x > geo.plot.right - 80 ? geo.plot.right : tick.x + 2, y: geo.height - 6, 'text-anchor': tick.x > geo.plot.right - 80 ? 'end' : 'start', text: tickFormat.format(new Date(tick.hour * 1000)) })),
      ),
      ...geo.bars.map((bar) =>
        svg('rect', { class: `s-${bar.series}`, x: bar.x, y: bar.y, width: bar.width, height: bar.height }, svg('title', { text: `${hourFormat.format(new Date(bar.hour * 1000))} — ${t(`overview.series.${bar.series}`)}: ${bar.value}` })),
      ),
    );
    const legend = h(
      'div',
      { class: 'legend', 'aria-hidden': 'true' },
      CHART_SERIES.map((s) => h('span', {}, h('span', { class: `swatch s-${s}` }), t(`overview.series.${s}`))),
    );
    const rows = dailyTotals(stats.hours, dayOf);
    replace(
      chart,
      h('h3', { text: t('overview.chart.title') }),
      h('div', { class: 'overview-chart-scroll' }, drawing),
      legend,
      h(
        'details',
        {},
        h('summary', { text: t('overview.chart.table') }),
        table(
          t('overview.chart.table'),
          [t('overview.chart.day'), ...CHART_SERIES.map((s) => t(`overview.series.${s}`))],
          rows.map((r) => [r.day, formatNumber(r.delivered, lang), formatNumber(r.retrying, lang), formatNumber(r.dead, lang)]),
          { numeric: [1, 2, 3] },
        ),
      ),
    );
  }

  /**
   * @param {any[]} dead
   * @param {any[]} retrying
   */
  function renderIncidents(dead, retrying) {
    const items = [...dead, ...retrying].sort((a, b) => (b.created_at || 0) - (a.created_at || 0)).slice(0, 8);
    const link = (/** @type {any} */ d) => h('a', { href: routeHash('deliveries', { status: d.state, id: d.id }), text: d.subject || t('overview.no_subject') });
    replace(
      incidents,
      h('h3', { text: t('overview.incidents.title') }),
      items.length
        ? table(
            t('overview.incidents.title'),
            [t('overview.incidents.when'), t('overview.incidents.state'), t('overview.incidents.target'), t('overview.incidents.subject'), t('overview.incidents.error')],
            items.map((d) => [when(d.finished_at || d.created_at), stateBadge(d.state), d.target_id, link(d), say(errorPhrase(d.last_error, d.last_status_code))]),
          )
        : h('p', { text: t('overview.incidents.none') }),
      h(
        'p',
        { class: 'row' },
        h('a', { href: routeHash('deliveries', { status: 'dead' }), text: t('overview.incidents.all_dead') }),
        h('a', { href: routeHash('deliveries', { status: 'retrying' }), text: t('overview.incidents.all_retrying') }),
      ),
    );
  }

  function tick() {
    // A language switch rebuilds the page without hide(): a detached screen stops itself.
    if (!el.isConnected) {
      stop();
      return;
    }
    if (visible && document.visibilityState === 'visible') update();
  }

  function stop() {
    visible = false;
    if (timer !== null) clearInterval(timer);
    timer = null;
    document.removeEventListener('visibilitychange', onVisibility);
  }

  function onVisibility() {
    if (!el.isConnected) return stop();
    if (visible && document.visibilityState === 'visible') update();
  }

  return {
    update,
    show() {
      visible = true;
      if (timer === null) timer = setInterval(tick, REFRESH_MS);
      document.addEventListener('visibilitychange', onVisibility);
      return update();
    },
    hide: stop,
  };
}
