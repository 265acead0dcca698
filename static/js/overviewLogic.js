// The Overview's chart (its geometry: stacked bars, whole-number ticks, one label per local
// day centred under that day's bars), the totals per day, and the first-run checklist's
// state. Pure. (The status banner's colour and reasons come from the server: statusLogic.js
// words them.)

/**
 * @typedef {{hour: number, delivered: number, retrying: number, dead: number, [k: string]: number}} Hour
 * @typedef {{hour: number, [k: string]: number}} Row a chart's bucket: `hour` is its start (Unix seconds)
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
 * Whole-number ticks from 0 for counts up to `value`: at most `most` intervals, each a step of
 * 1, 2, 5 × 10^n (never 0.5 of a delivery). An empty chart gets 0 and 1.
 * @param {number} value the largest count shown
 * @param {number} [most] the most intervals wanted
 * @returns {{max: number, ticks: number[]}}
 */
export function countTicks(value, most = 4) {
  const top = Math.max(1, Math.ceil(value || 0));
  let step = 1;
  for (let power = 1; Math.ceil(top / step) > most; power *= 10) {
    step = [1, 2, 5, 10].map((m) => m * power).find((s) => Math.ceil(top / s) <= most) || 10 * power;
  }
  const max = Math.ceil(top / step) * step;
  const ticks = [];
  for (let tick = 0; tick <= max; tick += step) ticks.push(tick);
  return { max, ticks };
}

/**
 * Runs of consecutive hours on the same local day, oldest first.
 * @param {Row[]} hours
 * @param {(hour: number) => string} dayKey the local calendar day of an hour bucket
 * @returns {Array<{key: string, first: number, last: number, hour: number}>} indexes of the run's hours
 */
export function daySpans(hours, dayKey) {
  /** @type {Array<{key: string, first: number, last: number, hour: number}>} */
  const spans = [];
  hours.forEach((h, index) => {
    const key = dayKey(h.hour);
    const open = spans[spans.length - 1];
    if (open && open.key === key) open.last = index;
    else spans.push({ key, first: index, last: index, hour: h.hour });
  });
  return spans;
}

/**
 * @typedef {{x: number, y: number, width: number, height: number, series: string, hour: number, value: number}} Bar
 * @typedef {{x: number, width: number, hour: number, key: string}} DayLabel centred at `x`, `width` = the day's room
 * @typedef {{
 *   width: number, height: number, plot: {left: number, top: number, right: number, bottom: number},
 *   max: number, bars: Bar[], yTicks: Array<{y: number, value: number}>, dayLines: number[], days: DayLabel[],
 * }} Chart
 */

/**
 * Stacked bars, one per bucket, its series from the bottom up (by default delivered, then
 * retrying, then dead), drawn at `width` (the width the chart is shown at, so text keeps its
 * size). Days: a line where each local day starts and, for each day, its middle and room, to
 * label it under its own bars.
 * @param {Row[]} hours oldest first
 * @param {{width?: number, height?: number, dayKey?: (hour: number) => string, series?: readonly string[]}} [options]
 * @returns {Chart}
 */
export function chartGeometry(hours, options = {}) {
  const width = options.width || 840;
  const height = options.height || 220;
  const series = options.series || CHART_SERIES;
  const plot = { left: 40, top: 10, right: width - 8, bottom: height - 24 };
  const plotHeight = plot.bottom - plot.top;
  const totals = hours.map((h) => series.reduce((sum, s) => sum + (h[s] || 0), 0));
  const { max, ticks } = countTicks(Math.max(0, ...totals));
  const slot = (plot.right - plot.left) / Math.max(1, hours.length);
  const xOf = (/** @type {number} */ index) => round(plot.left + index * slot);
  /** @type {Bar[]} */
  const bars = [];
  hours.forEach((h, index) => {
    let base = plot.bottom;
    for (const name of series) {
      const value = h[name] || 0;
      if (value <= 0) continue;
      const barHeight = (value / max) * plotHeight;
      base -= barHeight;
      bars.push({ x: xOf(index), y: round(base), width: round(Math.max(1, slot * 0.8)), height: round(barHeight), series: name, hour: h.hour, value });
    }
  });
  const yTicks = ticks.map((value) => ({ value, y: round(plot.bottom - (value / max) * plotHeight) }));
  const spans = daySpans(hours, options.dayKey || ((hour) => String(Math.floor(hour / 86400))));
  const dayLines = spans.slice(1).map((span) => xOf(span.first));
  const days = spans.map((span) => ({
    key: span.key,
    hour: span.hour,
    x: round((xOf(span.first) + xOf(span.last + 1)) / 2),
    width: round(xOf(span.last + 1) - xOf(span.first)),
  }));
  return { width, height, plot, max, bars, yTicks, dayLines, days };
}

/** @param {number} n */
function round(n) {
  return Math.round(n * 10) / 10;
}

/**
 * Which day label fits a day's room (text ~6 px a character at 10 px): the long one, the
 * short one, or none (a day cut short at either end of the week).
 * @param {number} room px
 * @param {string} long e.g. "Wed 3 Dec"
 * @param {string} short e.g. "Wed"
 * @returns {string}
 */
export function fittingLabel(room, long, short) {
  const needs = (/** @type {string} */ text) => text.length * 6 + 6;
  if (room >= needs(long)) return long;
  if (room >= needs(short)) return short;
  return '';
}

/**
 * A sentence cut into lines of at most `maxChars` characters, at spaces (a word longer than
 * a line stays whole): the chart's empty-state note, which SVG does not wrap by itself.
 * @param {string} text
 * @param {number} maxChars
 * @returns {string[]}
 */
export function wrapWords(text, maxChars) {
  /** @type {string[]} */
  const lines = [];
  let line = '';
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
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

/**
 * @typedef {{
 *   targets: Record<string, {last_ok_at?: number|null}>, last_ingress_at: number|null,
 *   hours: Hour[],
 * }} SetupStats the parts of `GET /api/stats` the checklist reads
 * @typedef {{id: 'ingress'|'target'|'test'|'first_email'|'gmail', done: boolean, optional: boolean, waiting?: boolean}} SetupStep
 *   `waiting`: begun but not through (an email came in, none was delivered yet)
 */

/**
 * The first-run checklist from what the server reports: a target exists; a target answered
 * 2xx (a test send or a delivery); Relais heard from the Apps Script; an email went through
 * to a receiver; (optional) a Gmail mailbox is connected for push.
 * @param {SetupStats} stats
 * @param {number} mailboxes connected Gmail mailboxes (0 when unknown)
 * @returns {SetupStep[]}
 */
export function setupSteps(stats, mailboxes) {
  const healths = Object.values(stats.targets || {});
  const delivered = (stats.hours || []).some((h) => (h.delivered || 0) > 0);
  const received = Boolean(stats.last_ingress_at) || (stats.hours || []).some((h) => (h.ingress || 0) > 0);
  return [
    { id: 'target', done: healths.length > 0, optional: false },
    { id: 'test', done: healths.some((health) => Boolean(health.last_ok_at)), optional: false },
    { id: 'ingress', done: received, optional: false },
    { id: 'first_email', done: received && delivered, optional: false, waiting: received && !delivered },
    { id: 'gmail', done: mailboxes > 0, optional: true },
  ];
}

/**
 * Whether the checklist is still worth showing: some required step is not done.
 * @param {SetupStep[]} steps
 */
export function setupPending(steps) {
  return steps.some((step) => !step.optional && !step.done);
}
