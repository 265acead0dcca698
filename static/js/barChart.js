// The dashboard's bar chart, shared by the Overview (deliveries per hour) and Targets
// (attempts and latency per hour or day): stacked SVG bars drawn at the width they are shown
// (so text keeps its size), drawn again when that width changes, each day labelled under its
// own bars, whole-number ticks. The geometry is overviewLogic.js's chartGeometry.

import { h, replace } from './dom.js';
import { formatNumber } from './formatLogic.js';
import { getLang } from './i18n.js';
import { svg } from './monitorWidgets.js';
import { chartGeometry, fittingLabel, wrapWords } from './overviewLogic.js';

/** @typedef {import('./overviewLogic.js').Row} Row a bucket: `hour` is its start (Unix seconds) */
/** @typedef {import('./overviewLogic.js').Bar} Bar */

/**
 * What one chart shows and how it words it.
 * @typedef {{
 *   series: readonly string[],
 *   height?: number,
 *   timeZone?: string,
 *   label: (rows: Row[]) => string,
 *   barTitle: (bar: Bar, row: Row, when: string) => string,
 *   empty: () => string,
 *   tickText?: (value: number, lang: string) => string,
 *   hourly?: boolean,
 * }} ChartSpec
 *   `timeZone`: the zone days are cut in (default: the browser's); `hourly`: a bar's hover
 *   time says the hour, else only its day
 */

/** @param {number} hour Unix seconds */
const dateOf = (hour) => new Date(hour * 1000);

/**
 * The formats of one drawing, in `timeZone` (default: the one the person lives in).
 * @param {string} lang
 * @param {string} [timeZone]
 */
export function chartFormats(lang, timeZone) {
  const zone = timeZone ? { timeZone } : {};
  const key = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', ...zone });
  const long = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'short', ...zone });
  const short = new Intl.DateTimeFormat(lang, { weekday: 'short', ...zone });
  const hour = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit', ...zone });
  return {
    dayKey: (/** @type {number} */ h) => key.format(dateOf(h)),
    long: (/** @type {number} */ h) => long.format(dateOf(h)),
    short: (/** @type {number} */ h) => short.format(dateOf(h)),
    hour: (/** @type {number} */ h) => hour.format(dateOf(h)),
  };
}

/**
 * @param {import('./overviewLogic.js').Chart} geo
 * @param {string} lang
 * @param {(value: number, lang: string) => string} tickText
 */
function yAxis(geo, lang, tickText) {
  return geo.yTicks.map((tick) =>
    svg(
      'g',
      { class: 'y-tick' },
      svg('line', { class: 'axis', x1: geo.plot.left, x2: geo.plot.right, y1: tick.y, y2: tick.y }),
      svg('text', { x: geo.plot.left - 4, y: tick.y + 3, 'text-anchor': 'end', text: tickText(tick.value, lang) }),
    ),
  );
}

/**
 * @param {import('./overviewLogic.js').Chart} geo
 * @param {ReturnType<typeof chartFormats>} f
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
 * @param {import('./overviewLogic.js').Chart} geo
 * @param {Row[]} rows
 * @param {ChartSpec} spec
 * @param {ReturnType<typeof chartFormats>} f
 */
function bars(geo, rows, spec, f) {
  const byHour = new Map(rows.map((row) => [row.hour, row]));
  return geo.bars.map((bar) => {
    const row = byHour.get(bar.hour) || { hour: bar.hour };
    const when = spec.hourly === false ? f.long(bar.hour) : f.hour(bar.hour);
    return svg(
      'rect',
      { class: `s-${bar.series}`, x: bar.x, y: bar.y, width: bar.width, height: bar.height, 'data-hour': bar.hour },
      svg('title', { text: spec.barTitle(bar, row, when) }),
    );
  });
}

/**
 * The note an empty chart shows in its middle, cut into lines that fit its width (text
 * ~7 px a character at 13 px; SVG text does not wrap).
 * @param {import('./overviewLogic.js').Chart} geo
 * @param {string} text
 */
function emptyNote(geo, text) {
  const x = (geo.plot.left + geo.plot.right) / 2;
  const lines = wrapWords(text, Math.max(12, Math.floor((geo.plot.right - geo.plot.left - 16) / 7)));
  const top = (geo.plot.top + geo.plot.bottom) / 2 - ((lines.length - 1) * 16) / 2;
  return svg(
    'text',
    { class: 'chart-empty', x, y: top, 'text-anchor': 'middle' },
    ...lines.map((line, i) => svg('tspan', { x, dy: i ? 16 : 0, text: i < lines.length - 1 ? `${line} ` : line })),
  );
}

/**
 * The SVG of `rows` at `width` px.
 * @param {Row[]} rows oldest first
 * @param {number} width
 * @param {ChartSpec} spec
 */
export function barChart(rows, width, spec) {
  const lang = getLang();
  const f = chartFormats(lang, spec.timeZone);
  const geo = chartGeometry(rows, { width, height: spec.height || 220, dayKey: f.dayKey, series: spec.series });
  const empty = geo.bars.length ? null : emptyNote(geo, spec.empty());
  return svg(
    'svg',
    { class: 'chart', width: geo.width, height: geo.height, viewBox: `0 0 ${geo.width} ${geo.height}`, role: 'img', 'aria-label': spec.label(rows) },
    ...yAxis(geo, lang, spec.tickText || formatNumber),
    ...days(geo, f),
    ...bars(geo, rows, spec, f),
    empty,
  );
}

/**
 * A chart's area that draws itself at its width, and again when that width changes.
 * @param {ChartSpec} spec
 * @returns {{node: HTMLElement, show: (rows: Row[]) => void}}
 */
export function resizingChart(spec) {
  const node = h('div', { class: 'chart-area' });
  /** @type {Row[]|null} */
  let shown = null;
  let drawnAt = 0;

  function draw() {
    const width = Math.floor(node.clientWidth);
    if (!shown || width < 50) return;
    drawnAt = width;
    replace(node, barChart(shown, width, spec));
  }

  const observer = new ResizeObserver(() => {
    if (Math.floor(node.clientWidth) !== drawnAt) draw();
  });
  observer.observe(node);

  return {
    node,
    show(rows) {
      shown = rows;
      draw();
    },
  };
}
