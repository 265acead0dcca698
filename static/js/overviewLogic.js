// The Overview's chart: its geometry and the totals per day. Pure. (The status banner's
// colour and reasons come from the server: statusLogic.js words them.)

/**
 * @typedef {{hour: number, delivered: number, retrying: number, dead: number, [k: string]: number}} Hour
 */

export const CHART_SERIES = /** @type {const} */ (['delivered', 'retrying', 'dead']);

/**
 * A "nice" axis maximum ≥ value: 1, 2, 5 × 10^n.
 * @param {number} value
 * @returns {number}
 */
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * power) return step * power;
  }
  return 10 * power;
}

/**
 * @typedef {{x: number, y: number, width: number, height: number, series: string, hour: number, value: number}} Bar
 * @typedef {{
 *   width: number, height: number, plot: {left: number, top: number, right: number, bottom: number},
 *   max: number, bars: Bar[], yTicks: Array<{y: number, value: number}>, xTicks: Array<{x: number, hour: number}>,
 * }} Chart
 */

/**
 * Stacked bars (delivered at the bottom, then retrying, then dead), one per hour.
 * X ticks at each midnight-aligned day start given by `dayStart(hour)` (local time is the caller's).
 * @param {Hour[]} hours oldest first
 * @param {{width?: number, height?: number, isDayStart?: (hour: number) => boolean}} [options]
 * @returns {Chart}
 */
export function chartGeometry(hours, options = {}) {
  const width = options.width || 840;
  const height = options.height || 220;
  const plot = { left: 40, top: 10, right: width - 8, bottom: height - 24 };
  const plotWidth = plot.right - plot.left;
  const plotHeight = plot.bottom - plot.top;
  const totals = hours.map((h) => CHART_SERIES.reduce((sum, s) => sum + (h[s] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const slot = hours.length ? plotWidth / hours.length : plotWidth;
  const barWidth = Math.max(1, slot * 0.8);
  /** @type {Bar[]} */
  const bars = [];
  hours.forEach((h, index) => {
    let base = plot.bottom;
    for (const series of CHART_SERIES) {
      const value = h[series] || 0;
      if (value <= 0) continue;
      const barHeight = (value / max) * plotHeight;
      base -= barHeight;
      bars.push({ x: round(plot.left + index * slot), y: round(base), width: round(barWidth), height: round(barHeight), series, hour: h.hour, value });
    }
  });
  const yTicks = [0, max / 2, max].map((value) => ({ value, y: round(plot.bottom - (value / max) * plotHeight) }));
  const isDayStart = options.isDayStart || ((hour) => hour % 86400 === 0);
  const xTicks = hours
    .map((h, index) => ({ x: round(plot.left + index * slot), hour: h.hour }))
    .filter((tick) => isDayStart(tick.hour));
  return { width, height, plot, max, bars, yTicks, xTicks };
}

/** @param {number} n */
function round(n) {
  return Math.round(n * 10) / 10;
}

/**
 * Totals per day for the chart's text alternative, oldest first.
 * @param {Hour[]} hours
 * @param {(hour: number) => string} dayOf a day label (local date) for an hour bucket
 * @returns {Array<{day: string, delivered: number, retrying: number, dead: number}>}
 */
export function dailyTotals(hours, dayOf) {
  /** @type {Map<string, {day: string, delivered: number, retrying: number, dead: number}>} */
  const days = new Map();
  for (const h of hours) {
    const day = dayOf(h.hour);
    const row = days.get(day) || { day, delivered: 0, retrying: 0, dead: 0 };
    for (const s of CHART_SERIES) row[s] += h[s] || 0;
    days.set(day, row);
  }
  return [...days.values()];
}
