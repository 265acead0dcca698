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
    [45 * 86400, 'day'],
    [365 * 86400, 'month'],
    [Infinity, 'year'],
  ];
  /** @type {Record<string, number>} */
  const sizes = { second: 1, minute: 60, hour: 3600, day: 86400, month: 30.44 * 86400, year: 365.25 * 86400 };
  for (const [limit, unit] of steps) {
    if (abs < limit) return rtf.format(Math.round(diff / sizes[unit]), unit);
  }
  return '—';
}

/**
 * A number in the language (decimal comma in French), at most `digits` decimals.
 * @param {number} n
 * @param {string} lang
 * @param {number} [digits]
 */
function num(n, lang, digits = 0) {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(n);
}

/**
 * Whole days in words, by the language's plural rules: "1 day", "7 days", "7 jours".
 * @param {number} days
 * @param {string} lang
 */
function daysWord(days, lang) {
  return new Intl.NumberFormat(lang, { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(days);
}

/**
 * A duration people read: 0.5 -> "500 ms", 12.34 -> "12.3 s", 75 -> "1 min 15 s",
 * 7260 -> "2 h 1 min", 172800 -> "2 days" ("2 jours"). Numbers follow the language.
 * @param {number|null|undefined} seconds
 * @param {string} [lang]
 * @returns {string}
 */
export function formatDuration(seconds, lang = 'en') {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds > 0 && seconds < 1) return `${num(Math.round(seconds * 1000), lang)} ms`;
  if (seconds < 60) return `${num(Math.round(seconds * 10) / 10, lang, 1)} s`;
  return durationParts(Math.round(seconds), lang).join(' ');
}

/**
 * A whole number of seconds (a minute or more) in its two largest units: days and hours,
 * hours and minutes, or minutes and seconds.
 * @param {number} total
 * @param {string} lang
 * @returns {string[]}
 */
function durationParts(total, lang) {
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const units = d ? [[d, 'd'], [h, 'h']] : h ? [[h, 'h'], [m, 'min']] : [[m, 'min'], [s, 's']];
  return units.filter(([n]) => n).map(([n, unit]) => (unit === 'd' ? daysWord(Number(n), lang) : `${num(Number(n), lang)} ${unit}`));
}

/**
 * A list of waits as one line: [0, 5, 300, 7200] -> "0 s, 5 s, 5 min, 2 h".
 * @param {number[]} list seconds
 * @param {string} lang
 */
export function formatDurationList(list, lang) {
  return list.map((seconds) => formatDuration(seconds, lang)).join(', ');
}

/** Unit words (English and French, short and long) -> seconds. */
const UNIT_SECONDS = /** @type {Record<string, number>} */ ({
  '': 1, s: 1, sec: 1, secs: 1, second: 1, seconds: 1, seconde: 1, secondes: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60, mn: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600, heure: 3600, heures: 3600,
  d: 86400, j: 86400, day: 86400, days: 86400, jour: 86400, jours: 86400,
});

/**
 * A duration typed by a person -> whole seconds, NaN when not understood:
 * "5" (seconds), "5 s", "5min", "2 h", "1 h 30 min", "1.5 h", "7 days", "7 jours".
 * @param {string} text
 * @returns {number}
 */
export function parseDuration(text) {
  const clean = String(text).trim().toLowerCase();
  if (!clean) return NaN;
  const part = /(\d+(?:\.\d+)?)\s*([a-zé]*)\s*/gy;
  let total = 0;
  let end = 0;
  const units = [];
  for (let found = part.exec(clean); found; found = part.exec(clean)) {
    const unit = UNIT_SECONDS[found[2]];
    if (unit === undefined) return NaN;
    units.push(found[2]);
    total += Number(found[1]) * unit;
    end = part.lastIndex;
  }
  // "1 h 30 min" adds up; "5 300" is not a duration (a bare number stands alone).
  if (units.length > 1 && units.includes('')) return NaN;
  return end === clean.length ? Math.round(total) : NaN;
}

/**
 * A comma- or semicolon-separated list of durations ("0, 5 s, 5 min, 2 h"; a bare number is seconds) -> seconds, or an error when a value is
 * not understood or out of the limits.
 * @param {string} text
 * @param {{min: number, max: number, minItems: number, maxItems: number}} limits
 * @returns {{values: number[]|null, error: boolean}}
 */
export function parseDurationList(text, limits) {
  const items = String(text).split(/[;,\n]/).map((x) => x.trim()).filter(Boolean);
  const values = items.map(parseDuration);
  const bad =
    values.length < limits.minItems ||
    values.length > limits.maxItems ||
    values.some((v) => !Number.isFinite(v) || v < limits.min || v > limits.max);
  return bad ? { values: null, error: true } : { values, error: false };
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

/**
 * The exact moment, for a tooltip beside a relative time: "18 Nov 2026, 14:05:09".
 * @param {number|null|undefined} ts seconds
 * @param {string} lang
 */
export function formatExact(ts, lang) {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return '';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(ts * 1000));
}

/** Named HTML entities seen in mail subjects and snippets. */
const ENTITIES = /** @type {Record<string, string>} */ ({
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0',
  eacute: 'é', egrave: 'è', ecirc: 'ê', euml: 'ë', agrave: 'à', acirc: 'â', auml: 'ä',
  ccedil: 'ç', icirc: 'î', iuml: 'ï', ocirc: 'ô', ouml: 'ö', ugrave: 'ù', ucirc: 'û', uuml: 'ü',
  Eacute: 'É', Egrave: 'È', Ecirc: 'Ê', Agrave: 'À', Ccedil: 'Ç', Ocirc: 'Ô',
  oelig: 'œ', OElig: 'Œ', laquo: '«', raquo: '»', rsquo: '’', lsquo: '‘', ldquo: '“', rdquo: '”',
  hellip: '…', ndash: '–', mdash: '—', euro: '€', deg: '°', copy: '©', reg: '®',
});

/**
 * Text with HTML character references turned back into characters, as a mail client shows it:
 * "D&eacute;sabonnement" -> "Désabonnement", "&#233;" and "&#xE9;" -> "é". Unknown names stay.
 * @param {string|null|undefined} text
 * @returns {string}
 */
export function decodeEntities(text) {
  if (!text) return '';
  return String(text).replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (whole, ref) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref] ?? whole;
  });
}
