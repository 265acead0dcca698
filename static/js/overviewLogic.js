// The Overview's rules: the status banner's colour and reasons, and the chart's geometry. Pure.

/**
 * @typedef {{hour: number, delivered: number, retrying: number, dead: number, [k: string]: number}} Hour
 * @typedef {{
 *   now: number,
 *   hours: Hour[],
 *   last_24h: Record<string, number>,
 *   success_rate_24h: number|null,
 *   queue: {due: number, scheduled: number, in_flight: number, dead: number, oldest_due_age_seconds: number},
 *   states: {scheduled: number, held: number, retrying: number, in_flight: number, dead: number},
 *   last_ingress_at: number|null,
 *   store: string,
 * }} Stats
 * @typedef {{key: string, params?: Record<string, string|number>}} Reason
 * @typedef {{level: 'green'|'amber'|'red', reasons: Reason[]}} Status
 */

/** The thresholds, in one place (documented on the screen's help line). */
export const THRESHOLDS = {
  /** Red below this 24 h success rate. */
  redSuccessRate: 0.9,
  /** Amber below this 24 h success rate. */
  amberSuccessRate: 0.99,
  /** Amber when no email arrived for this long (seconds). */
  quietIngressSeconds: 24 * 3600,
  /** Amber when the oldest due delivery has waited this long (seconds). */
  backlogSeconds: 5 * 60,
};

/**
 * Green, amber or red, with every reason in words (message keys).
 * Red: the config store is degraded, deliveries died in the last 24 h, or the success rate
 * is under 90 %. Amber: deliveries retrying or held, older dead letters waiting, the
 * success rate under 99 %, a backlog of due deliveries, no email for 24 h (or ever).
 * @param {Stats} stats
 * @returns {Status}
 */
export function bannerStatus(stats) {
  /** @type {Reason[]} */
  const red = [];
  /** @type {Reason[]} */
  const amber = [];
  const states = stats.states || { scheduled: 0, held: 0, retrying: 0, in_flight: 0, dead: 0 };
  const deadNew = (stats.last_24h && stats.last_24h.dead) || 0;
  const rate = stats.success_rate_24h;
  if (stats.store === 'degraded') red.push({ key: 'overview.reason.degraded' });
  if (deadNew > 0) red.push({ key: 'overview.reason.dead_new', params: { count: deadNew } });
  if (rate !== null && rate !== undefined && rate < THRESHOLDS.redSuccessRate) {
    red.push({ key: 'overview.reason.rate_low', params: { rate: pct(rate), limit: pct(THRESHOLDS.redSuccessRate) } });
  } else if (rate !== null && rate !== undefined && rate < THRESHOLDS.amberSuccessRate) {
    amber.push({ key: 'overview.reason.rate_low', params: { rate: pct(rate), limit: pct(THRESHOLDS.amberSuccessRate) } });
  }
  if (states.retrying > 0) amber.push({ key: 'overview.reason.retrying', params: { count: states.retrying } });
  if (states.held > 0) amber.push({ key: 'overview.reason.held', params: { count: states.held } });
  if (deadNew === 0 && states.dead > 0) amber.push({ key: 'overview.reason.dead_old', params: { count: states.dead } });
  const backlog = (stats.queue && stats.queue.oldest_due_age_seconds) || 0;
  if (backlog >= THRESHOLDS.backlogSeconds) {
    amber.push({ key: 'overview.reason.backlog', params: { minutes: Math.floor(backlog / 60) } });
  }
  if (stats.last_ingress_at === null || stats.last_ingress_at === undefined) {
    amber.push({ key: 'overview.reason.no_ingress' });
  } else if (stats.now - stats.last_ingress_at >= THRESHOLDS.quietIngressSeconds) {
    amber.push({ key: 'overview.reason.quiet', params: { hours: Math.floor((stats.now - stats.last_ingress_at) / 3600) } });
  }
  if (red.length) return { level: 'red', reasons: [...red, ...amber] };
  if (amber.length) return { level: 'amber', reasons: amber };
  return { level: 'green', reasons: [{ key: 'overview.reason.all_good' }] };
}

/** @param {number} ratio */
function pct(ratio) {
  return `${Math.round(ratio * 1000) / 10} %`;
}

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
