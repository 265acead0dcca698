// A target's success and latency over time: the last 24 hours by hour or the last 7 days by
// (UTC) day, as totals and two bar charts (the shared barChart.js): attempts that succeeded
// and failed, and latency as the median with what the 95th percentile adds above it.

import { api, withQuery } from '../../api.js';
import { resizingChart } from '../../barChart.js';
import { h, replace } from '../../dom.js';
import { urlFor } from '../../endpoints.js';
import { formatDuration, formatNumber, formatPercent } from '../../formatLogic.js';
import { getLang, t } from '../../i18n.js';
import { facts } from '../../monitorWidgets.js';
import { errorText } from '../../ui.js';
import { ATTEMPT_SERIES, LATENCY_SERIES, RANGES, hasAttempts, rateTone, statsRows } from './statsLogic.js';
import './stats.messages.js';

/**
 * @typedef {import('./statsLogic.js').TargetStats} TargetStats
 * @typedef {import('./statsLogic.js').Summary} Summary
 * @typedef {'24h'|'7d'} Range
 */

/** @param {number|null|undefined} ms */
export const millis = (ms) => (ms == null ? '—' : formatDuration(ms / 1000, getLang()));

/** @param {number} ms @param {string} lang */
const tickMillis = (ms, lang) => (ms === 0 ? formatNumber(0, lang) : formatDuration(ms / 1000, lang));

/** @param {Summary} total */
function latencyText(total) {
  const { p50_ms: p50, p95_ms: p95 } = total.latency;
  return p50 == null ? t('targets.stats.latency_none') : t('targets.stats.latency_value', { p50: millis(p50), p95: millis(p95) });
}

/** @param {Summary} total */
function totals(total) {
  const lang = getLang();
  const tone = rateTone(total.success_rate);
  return facts([
    [t('targets.stats.attempts'), formatNumber(total.attempts, lang)],
    [t('targets.stats.success'), h('span', { class: `badge ${tone}`, dataset: { rate: String(total.success_rate) }, text: formatPercent(total.success_rate, lang) })],
    [t('targets.stats.latency'), latencyText(total)],
  ]);
}

/**
 * @param {Range} range
 * @returns {import('../../barChart.js').ChartSpec}
 */
function attemptsSpec(range) {
  const lang = getLang();
  return {
    series: ATTEMPT_SERIES,
    height: 160,
    timeZone: range === '7d' ? 'UTC' : undefined,
    hourly: range === '24h',
    empty: () => t('targets.stats.chart_empty'),
    label(rows) {
      const ok = rows.reduce((sum, r) => sum + (r.ok || 0), 0);
      const failed = rows.reduce((sum, r) => sum + (r.failed || 0), 0);
      const rate = formatPercent(ok + failed ? ok / (ok + failed) : null, lang);
      return t('targets.stats.label.attempts', { ok: formatNumber(ok, lang), failed: formatNumber(failed, lang), rate });
    },
    barTitle: (_bar, row, when) =>
      t('targets.stats.bar.attempts', {
        when,
        ok: formatNumber(row.ok || 0, lang),
        failed: formatNumber(row.failed || 0, lang),
        rate: formatPercent(row.attempts ? (row.ok || 0) / row.attempts : null, lang),
      }),
  };
}

/**
 * @param {Range} range
 * @param {Summary} total
 * @returns {import('../../barChart.js').ChartSpec}
 */
function latencySpec(range, total) {
  return {
    series: LATENCY_SERIES,
    height: 160,
    timeZone: range === '7d' ? 'UTC' : undefined,
    hourly: range === '24h',
    empty: () => t('targets.stats.latency_none'),
    tickText: tickMillis,
    label: () => t('targets.stats.label.latency', { p50: millis(total.latency.p50_ms), p95: millis(total.latency.p95_ms) }),
    barTitle: (_bar, row, when) => t('targets.stats.bar.latency', { when, p50: millis(row.p50_ms), p95: millis(row.p95_ms) }),
  };
}

/** @param {readonly string[]} series */
function legend(series) {
  return h(
    'div',
    { class: 'legend', 'aria-hidden': 'true' },
    series.map((s) => h('span', {}, h('span', { class: `swatch s-${s}` }), t(`targets.stats.series.${s}`))),
  );
}

/**
 * One titled chart; drawn once it is in the page (it needs its width).
 * @param {string} title
 * @param {import('../../barChart.js').ChartSpec} spec
 * @param {import('./statsLogic.js').StatsRow[]} rows
 */
function chartBlock(title, spec, rows) {
  const chart = resizingChart(spec);
  const node = h('div', { class: 'target-chart', dataset: { chart: spec.series.join('-') } }, h('h4', { text: title }), chart.node, legend(spec.series));
  requestAnimationFrame(() => chart.show(rows));
  return node;
}

/**
 * What the range holds: the totals and both charts, or the honest empty state.
 * @param {TargetStats} stats
 */
function statsBody(stats) {
  const range = stats.range;
  const suffix = range === '7d' ? '.7d' : '';
  if (!hasAttempts(stats)) return h('p', { class: 'help target-stats-empty', text: t(`targets.stats.empty.${range}`) });
  const rows = statsRows(stats.buckets);
  return h(
    'div',
    { class: 'stack' },
    totals(stats.total),
    chartBlock(t(`targets.stats.chart.attempts${suffix}`), attemptsSpec(range), rows),
    chartBlock(t(`targets.stats.chart.latency${suffix}`), latencySpec(range, stats.total), rows),
  );
}

/**
 * @param {Range} current
 * @param {(range: Range) => void} pick
 */
function rangeSwitch(current, pick) {
  return h(
    'div',
    { class: 'row range-switch', role: 'group', 'aria-label': t('targets.stats.range') },
    RANGES.map((range) =>
      h('button', {
        type: 'button',
        class: `small${range === current ? ' primary' : ''}`,
        'aria-pressed': String(range === current),
        dataset: { range },
        text: t(`targets.stats.range.${range}`),
        onclick: () => pick(range),
      }),
    ),
  );
}

/**
 * The card of one target's success and latency; it loads the last 24 hours first.
 * @param {import('./targetsLogic.js').Target} target
 */
export function statsCard(target) {
  const head = h('div', { class: 'row' });
  const body = h('div', { class: 'target-stats-body', 'aria-live': 'polite' });
  const note = h('p', { class: 'help' });
  const node = h('section', { class: 'card target-stats', dataset: { target: target.id } }, h('h3', { text: t('targets.stats.title', { name: target.name || target.id }) }), head, body, note);

  /** @param {Range} range */
  async function show(range) {
    replace(head, rangeSwitch(range, show));
    replace(note, t('targets.stats.note'), range === '7d' ? ` ${t('targets.stats.note.7d')}` : '');
    body.setAttribute('aria-busy', 'true');
    try {
      const stats = await api.get(withQuery(urlFor.targetStats(target.id), { range }));
      replace(body, statsBody(stats));
    } catch (err) {
      replace(body, h('p', { class: 'error', role: 'alert', text: errorText(err) }));
    } finally {
      body.removeAttribute('aria-busy');
    }
  }

  show('24h');
  return node;
}
