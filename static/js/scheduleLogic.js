// What the schedule means right now, computed from the time-windows document and a
// moment: open until when, closed until when, absence day. Pure functions, wall time
// in the document's time zone (like email_processing/windows.py).

/**
 * @typedef {{start: string|null, end: string|null}} WindowSpec
 * @typedef {'send'|'hold'|'drop'} Action
 * @typedef {{timezone: string, window: WindowSpec, absence_days: string[],
 *   per_target: Record<string, WindowSpec>, policies: Record<string, Action>}} TimeWindowsDoc
 * @typedef {{day: number, minutes: number, weekday: number}} Moment day: days after today
 * @typedef {{state: 'always'|'open'|'closed'|'absence', until: Moment|null, next: Moment|null,
 *   policy: Action}} NowStatus
 */

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
export const ACTIONS = /** @type {const} */ (['send', 'hold', 'drop']);
export const DEFAULT_CASE = 'default';

const HHMM = /^(?:(\d{1,2})[hH](\d{2})?|(\d{1,2}):(\d{2}))$/;

/**
 * `09h30`, `9h`, `9:30`, `18:00` -> minutes after midnight; '' or null -> null; NaN when invalid.
 * @param {string|null|undefined} text
 * @returns {number|null}
 */
export function parseHHMM(text) {
  if (text === null || text === undefined || String(text).trim() === '') return null;
  const found = HHMM.exec(String(text).trim());
  if (!found) return NaN;
  const hours = Number(found[1] ?? found[3]);
  const minutes = Number(found[2] ?? found[4] ?? '0');
  if (hours > 23 || minutes > 59) return NaN;
  return hours * 60 + minutes;
}

/**
 * 570 -> "09:30" (the form of `<input type=time>`).
 * @param {number|null} minutes
 */
export function formatHHMM(minutes) {
  if (minutes === null || !Number.isFinite(minutes)) return '';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/**
 * @param {WindowSpec|undefined|null} spec
 * @returns {{start: number|null, end: number|null}}
 */
function minutesOf(spec) {
  return { start: parseHHMM(spec?.start), end: parseHHMM(spec?.end) };
}

/**
 * Whether a window is open at a wall-clock minute (end exclusive; start > end crosses midnight;
 * nothing set or start == end: always open; only a start: to midnight; only an end: from midnight).
 * @param {{start: number|null, end: number|null}} w
 * @param {number} minute
 */
export function isOpenAt(w, minute) {
  if ((w.start === null && w.end === null) || w.start === w.end) return true;
  const start = w.start ?? 0;
  if (w.end === null) return minute >= start;
  if (start < w.end) return minute >= start && minute < w.end;
  return minute >= start || minute < w.end;
}

/**
 * The wall time of an instant in a time zone: weekday (0 = Monday) and minutes after midnight.
 * @param {number} nowMs
 * @param {string} timeZone
 * @returns {{weekday: number, minutes: number}}
 */
export function localParts(nowMs, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(nowMs));
  /** @type {Record<string, string>} */
  const got = {};
  for (const p of parts) got[p.type] = p.value;
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(got.weekday);
  return { weekday, minutes: (Number(got.hour) % 24) * 60 + Number(got.minute) };
}

/**
 * @param {number} day
 * @param {number} minutes
 * @param {number} todayWeekday
 * @returns {Moment}
 */
function moment(day, minutes, todayWeekday) {
  return { day, minutes, weekday: (todayWeekday + day) % 7 };
}

/**
 * The next instant sending is allowed after (day 0, minute `after`), or null when never.
 * @param {{start: number|null, end: number|null}} w
 * @param {Set<number>} absent
 * @param {number} today weekday
 * @param {number} after minute of today (exclusive)
 */
function nextOpening(w, absent, today, after) {
  for (let day = 0; day <= 7; day += 1) {
    if (absent.has((today + day) % 7)) continue;
    const candidates = [];
    if (isOpenAt(w, 0)) candidates.push(0);
    if (w.start !== null) candidates.push(w.start);
    const later = candidates.filter((m) => day > 0 || m > after).sort((a, b) => a - b);
    if (later.length) return moment(day, later[0], today);
  }
  return null;
}

/**
 * The end of the window open now, null when it never closes.
 * @param {{start: number|null, end: number|null}} w
 * @param {number} today weekday
 * @param {number} now minute of today
 * @returns {Moment|null}
 */
function windowEnd(w, today, now) {
  const always = (w.start === null && w.end === null) || w.start === w.end;
  if (always) return null;
  if (w.end === null) return moment(1, 0, today); // only a start: open to midnight
  return moment(now < w.end ? 0 : 1, w.end, today);
}

/**
 * When an open window next closes: its end, or midnight before an absence day, whichever first.
 * @param {{start: number|null, end: number|null}} w
 * @param {Set<number>} absent
 * @param {number} today weekday
 * @param {number} now minute of today
 */
function closing(w, absent, today, now) {
  const end = windowEnd(w, today, now);
  for (let day = 1; day <= 7; day += 1) {
    if (end && (day > end.day || (day === end.day && end.minutes === 0))) break;
    if (absent.has((today + day) % 7)) return moment(day, 0, today);
  }
  return end;
}

/**
 * What happens at `nowMs` under this document (a target's own window replaces the global one).
 * @param {TimeWindowsDoc} doc
 * @param {number} nowMs
 * @param {string} [targetId]
 * @returns {NowStatus}
 */
export function nowStatus(doc, nowMs, targetId) {
  const spec = targetId && doc.per_target?.[targetId] ? doc.per_target[targetId] : doc.window;
  const w = minutesOf(spec);
  const { weekday, minutes } = localParts(nowMs, doc.timezone);
  const absent = new Set((doc.absence_days || []).map((d) => WEEKDAYS.indexOf(d)).filter((i) => i >= 0));
  const policy = /** @type {Action} */ (doc.policies?.[DEFAULT_CASE] ?? 'hold');
  if (absent.has(weekday)) {
    return { state: 'absence', until: null, next: nextOpening(w, absent, weekday, 24 * 60), policy: 'hold' };
  }
  if (isOpenAt(w, minutes)) {
    const until = closing(w, absent, weekday, minutes);
    return { state: until ? 'open' : 'always', until, next: null, policy };
  }
  return { state: 'closed', until: null, next: nextOpening(w, absent, weekday, minutes), policy };
}

/**
 * "18:00", "tomorrow 09:00", "Monday 09:00" (words for today/tomorrow given by the caller).
 * A closing moment at midnight reads as the end of the day before: "Friday 24:00".
 * @param {Moment} moment
 * @param {string} lang
 * @param {{tomorrow: string}} words
 * @param {{closing?: boolean}} [options]
 */
export function formatMoment(moment, lang, words, options = {}) {
  const m =
    options.closing && moment.minutes === 0 && moment.day > 0
      ? { day: moment.day - 1, minutes: 24 * 60, weekday: (moment.weekday + 6) % 7 }
      : moment;
  const time = formatHHMM(m.minutes);
  if (m.day === 0) return time;
  if (m.day === 1) return `${words.tomorrow} ${time}`;
  // 2024-01-01 was a Monday: a fixed date gives the weekday's name in the language.
  const name = new Intl.DateTimeFormat(lang, { weekday: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2024, 0, 1 + m.weekday)),
  );
  return `${name} ${time}`;
}

/**
 * Field errors of a window before saving: {start?: 'invalid', end?: 'invalid'}.
 * @param {WindowSpec} spec
 * @returns {Record<string, string>}
 */
export function windowErrors(spec) {
  /** @type {Record<string, string>} */
  const errors = {};
  for (const key of /** @type {const} */ (['start', 'end'])) {
    if (Number.isNaN(parseHHMM(spec[key]))) errors[key] = 'invalid';
  }
  return errors;
}

/**
 * Every policy key the editor offers: the document's plus the known detector cases.
 * @param {Record<string, Action>} policies
 * @param {string[]} detectors
 */
export function policyKeys(policies, detectors) {
  const keys = new Set([DEFAULT_CASE]);
  for (const d of detectors) {
    keys.add(d);
    keys.add(`${d}.urgent`);
  }
  for (const k of Object.keys(policies || {})) keys.add(k);
  return [...keys];
}

/**
 * @typedef {{from: number, to: number, open: boolean}} Segment minutes of one day, `to` exclusive
 * @typedef {{day: string, absent: boolean, segments: Segment[]}} WeekRow
 */

/**
 * The week at a glance: for each weekday (Monday first), the stretches of the day when sending
 * is allowed and when it is not, under the global window or a target's own.
 * @param {TimeWindowsDoc} doc
 * @param {string} [targetId]
 * @returns {WeekRow[]}
 */
export function weekView(doc, targetId) {
  const spec = targetId && doc.per_target?.[targetId] ? doc.per_target[targetId] : doc.window;
  const w = minutesOf(spec);
  const cuts = [...new Set([0, w.start, w.end, 24 * 60].filter((m) => m !== null && Number.isFinite(m)))]
    .map(Number)
    .sort((a, b) => a - b);
  /** @type {Segment[]} */
  const day = [];
  for (let i = 0; i + 1 < cuts.length; i += 1) {
    const open = isOpenAt(w, cuts[i]);
    const last = day[day.length - 1];
    if (last && last.open === open) last.to = cuts[i + 1];
    else day.push({ from: cuts[i], to: cuts[i + 1], open });
  }
  const absent = new Set(doc.absence_days || []);
  return WEEKDAYS.map((name) => ({
    day: name,
    absent: absent.has(name),
    segments: absent.has(name) ? [{ from: 0, to: 24 * 60, open: false }] : day.map((s) => ({ ...s })),
  }));
}
