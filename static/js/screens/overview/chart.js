// The Overview's chart: deliveries per hour over 7 days as stacked SVG bars, drawn at the
// width it is shown (so its text keeps its size), drawn again when that width changes, each
// local day labelled under its own bars, whole-number ticks, and a table of totals per day.

import { h, replace } from '../../dom.js';
import { formatNumber } from '../../formatLogic.js';
import { getLang, t } from '../../i18n.js';
import { svg, table } from '../../monitorWidgets.js';
import { CHART_SERIES, chartGeometry, dailyTotals, fittingLabel } from '../../overviewLogic.js';

/** @typedef {import('../../overviewLogic.js').Hour} Hour */

const HEIGHT = 220;

/** @param {number} hour Unix seconds */
const dateOf = (hour) => new Date(hour * 1000);

/**
 * The formats of one drawing, all in the browser's time zone (the one the person lives in).
 * @param {string} lang
 */
function formats(lang) {
  const key = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });
  const long = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'short' });
  const short = new Intl.DateTimeFormat(lang, { weekday: 'short' });
  const hour = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
  return {
    dayKey: (/** @type {number} */ h) => key.format(dateOf(h)),
    long: (/** @type {number} */ h) => long.format(dateOf(h)),
    short: (/** @type {number} */ h) => short.format(dateOf(h)),
    hour: (/** @type {number} */ h) => hour.format(dateOf(h)),
  };
}

/**
 * @param {import('../../overviewLogic.js').Chart} geo
 * @param {string} lang
 */
function yAxis(geo, lang) {
  return geo.yTicks.map((tick) =>
    svg(
      'g',
      { class: 'y-tick' },
      svg('line', { class: 'axis', x1: geo.plot.left, x2: geo.plot.right, y1: tick.y, y2: tick.y }),
      svg('text', { x: geo.plot.left - 4, y: tick.y + 3, 'text-anchor': 'end', text: formatNumber(tick.value, lang) }),
    ),
  );
}

/**
 * @param {import('../../overviewLogic.js').Chart} geo
 * @param {ReturnType<typeof formats>} f
 */
function days(geo, f) {
  const lines = geo.dayLines.map((x) => svg('line', { class: 'axis day-line', x1: x, x2: x, y1: geo.plot.top, y2: geo.plot.bottom + 4 }));
  const labels = geo.days.map((day) => {
    const text = fittingLabel(day.width, f.long(day.hour), f.short(day.hour));
    return text ? svg('text', { class: 'day-label', x: day.x, y: geo.height - 6, 'text-anchor': 'middle', 'data-day': day.key, text }) : null;
  });
  return [...lines, ...labels];
}

/**
 * @param {import('../../overviewLogic.js').Chart} geo
 * @param {ReturnType<typeof formats>} f
 * @param {string} lang
 */
function bars(geo, f, lang) {
  return geo.bars.map((bar) =>
    svg(
      'rect',
      { class: `s-${bar.series}`, x: bar.x, y: bar.y, width: bar.width, height: bar.height, 'data-hour': bar.hour },
      svg('title', { text: t('overview.chart.bar', { hour: f.hour(bar.hour), series: t(`overview.series.${bar.series}`), count: formatNumber(bar.value, lang) }) }),
    ),
  );
}

/**
 * The SVG at `width` px.
 * @param {Hour[]} hours
 * @param {number} width
 */
export function drawing(hours, width) {
  const lang = getLang();
  const f = formats(lang);
  const geo = chartGeometry(hours, { width, height: HEIGHT, dayKey: f.dayKey });
  const totals = Object.fromEntries(CHART_SERIES.map((s) => [s, formatNumber(hours.reduce((sum, hr) => sum + (hr[s] || 0), 0), lang)]));
  const empty = geo.bars.length
    ? null
    : svg('text', { class: 'chart-empty', x: (geo.plot.left + geo.plot.right) / 2, y: (geo.plot.top + geo.plot.bottom) / 2, 'text-anchor': 'middle', text: t('overview.chart.empty') });
  return svg(
    'svg',
    { class: 'chart', width: geo.width, height: geo.height, viewBox: `0 0 ${geo.width} ${geo.height}`, role: 'img', 'aria-label': t('overview.chart.label', totals) },
    ...yAxis(geo, lang),
    ...days(geo, f),
    ...bars(geo, f, lang),
    empty,
  );
}

/** @param {Hour[]} hours */
function totalsTable(hours) {
  const lang = getLang();
  const f = formats(lang);
  const rows = dailyTotals(hours, f.long);
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
  const area = h('div', { class: 'chart-area' });
  const tableSlot = h('div', { class: 'chart-table' });
  const node = h('div', { class: 'card overview-chart' }, h('h3', { text: t('overview.chart.title') }), area, legend(), tableSlot);
  /** @type {Hour[]|null} */
  let shown = null;
  let drawnAt = 0;

  function draw() {
    const width = Math.floor(area.clientWidth);
    if (!shown || width < 50) return;
    drawnAt = width;
    replace(area, drawing(shown, width));
  }

  const observer = new ResizeObserver(() => {
    if (Math.floor(area.clientWidth) !== drawnAt) draw();
  });
  observer.observe(area);

  return {
    node,
    show(hours) {
      shown = hours;
      draw();
      const open = Boolean(tableSlot.querySelector('details')?.open);
      replace(tableSlot, totalsTable(hours));
      if (open) /** @type {HTMLDetailsElement} */ (tableSlot.firstChild).open = true;
    },
  };
}
