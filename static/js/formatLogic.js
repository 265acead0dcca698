// Formatting shared by the screens: dates, durations, percentages, sizes. Pure functions.

/**
 * A Unix time (seconds) as a local date and time.
 * @param {number|null|undefined} ts
 * @param {string} lang
 * @param {string} [timeZone]
 * @returns {string}
 */
export function formatDateTime(ts, lang, timeZone) {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return '—';
  return new Intl.DateTimeFormat(lang, {
    dateStyle: 'short',
    timeStyle: 'medium',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(ts * 1000));
}

/**
 * "3 min ago", "in 2 h" relative to now.
 * @param {number|null|undefined} ts seconds
 * @param {number} now seconds
 * @param {string} lang
 * @returns {string}
 */
export function formatRelative(ts, now, lang) {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return '—';
  const diff = ts - now;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  /** @type {Array<[number, Intl.RelativeTimeFormatUnit]>} */
  const steps = [
    [60, 'second'],
    [3600, 'minute'],
    [86400, 'hour'],
    [Infinity, 'day'],
  ];
  const sizes = { second: 1, minute: 60, hour: 3600, day: 86400 };
  for (const [limit, unit] of steps) {
    if (abs < limit) return rtf.format(Math.round(diff / sizes[unit]), unit);
  }
  return '—';
}

/**
 * 0.5 -> "500 ms", 75 -> "1 min 15 s", 7200 -> "2 h".
 * @param {number|null|undefined} seconds
 * @returns {string}
 */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [];
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (s && !h) parts.push(`${s} s`);
  return parts.join(' ');
}

/**
 * 0.9876 -> "98.8 %" (French: "98,8 %").
 * @param {number|null|undefined} ratio
 * @param {string} lang
 */
export function formatPercent(ratio, lang) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

/**
 * @param {number} n
 * @param {string} lang
 */
export function formatNumber(n, lang) {
  return new Intl.NumberFormat(lang).format(n);
}

/**
 * 2048 -> "2 KB".
 * @param {number|null|undefined} bytes
 */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : Math.round(value * 10) / 10} ${units[unit]}`;
}

/**
 * Cut long text for a table cell, with an ellipsis.
 * @param {string|null|undefined} text
 * @param {number} max
 */
export function truncate(text, max) {
  const value = text || '';
  return value.length > max ? `${value.slice(0, Math.max(0, max - 1))}…` : value;
}

/**
 * A moment close to now, in local time, in parts the caller words: `today` at a time,
 * `tomorrow` at a time, else a `day` (short weekday and date) at a time.
 * @param {number} ts seconds
 * @param {number} now seconds
 * @param {string} lang
 * @returns {{when: 'today'|'tomorrow'|'day', date: string, time: string}}
 */
export function momentParts(ts, now, lang) {
  const at = new Date(ts * 1000);
  const time = new Intl.DateTimeFormat(lang, { timeStyle: 'short' }).format(at);
  const date = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'short' }).format(at);
  const days = localDay(at) - localDay(new Date(now * 1000));
  return { when: days === 0 ? 'today' : days === 1 ? 'tomorrow' : 'day', date, time };
}

/** @param {Date} date @returns {number} the local calendar day, counted from the epoch */
function localDay(date) {
  return Math.round(new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime() / 86_400_000);
}
