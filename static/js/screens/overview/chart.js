// The Overview's chart: deliveries per hour over 7 days as stacked bars (the shared bar chart,
// barChart.js, in the browser's time zone), and a table of totals per day.

import { chartFormats, resizingChart } from '../../barChart.js';
import { h, replace } from '../../dom.js';
import { formatNumber } from '../../formatLogic.js';
import { getLang, t } from '../../i18n.js';
import { table } from '../../monitorWidgets.js';
import { CHART_SERIES, dailyTotals } from '../../overviewLogic.js';

/** @typedef {import('../../overviewLogic.js').Hour} Hour */

/** @type {import('../../barChart.js').ChartSpec} */
const SPEC = {
  series: CHART_SERIES,
  empty: () => t('overview.chart.empty'),
  label(rows) {
    const lang = getLang();
    const totals = Object.fromEntries(CHART_SERIES.map((s) => [s, formatNumber(rows.reduce((sum, hr) => sum + (hr[s] || 0), 0), lang)]));
    return t('overview.chart.label', totals);
  },
  barTitle: (bar, _row, when) => t('overview.chart.bar', { hour: when, series: t(`overview.series.${bar.series}`), count: formatNumber(bar.value, getLang()) }),
};

/** @param {Hour[]} hours */
function totalsTable(hours) {
  const lang = getLang();
  const rows = dailyTotals(hours, chartFormats(lang).long);
  return h(
    'details',
    {},
    h('summary', { text: t('overview.chart.table') }),
    table(
      t('overview.chart.table'),
      [t('overview.chart.day'), ...CHART_SERIES.map((s) => t(`overview.series.${s}`))],
      rows.map((r) => [r.day, formatNumber(r.delivered, lang), formatNumber(r.retrying, lang), formatNumber(r.dead, lang)]),
      { numeric: [1, 2, 3] },
    ),
  );
}

function legend() {
  return h(
    'div',
    { class: 'legend', 'aria-hidden': 'true' },
    CHART_SERIES.map((s) => h('span', {}, h('span', { class: `swatch s-${s}` }), t(`overview.series.${s}`))),
  );
}

/**
 * The chart card: `show(hours)` draws it; it draws itself again when its width changes.
 * @returns {{node: HTMLElement, show: (hours: Hour[]) => void}}
 */
export function chartCard() {
  const chart = resizingChart(SPEC);
  const tableSlot = h('div', { class: 'chart-table' });
  const node = h('div', { class: 'card overview-chart' }, h('h3', { text: t('overview.chart.title') }), chart.node, legend(), tableSlot);
  return {
    node,
    show(hours) {
      chart.show(hours);
      const open = Boolean(tableSlot.querySelector('details')?.open);
      replace(tableSlot, totalsTable(hours));
      if (open) /** @type {HTMLDetailsElement} */ (tableSlot.firstChild).open = true;
    },
  };
}
