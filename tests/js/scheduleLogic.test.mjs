import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatHHMM, formatMoment, isOpenAt, localParts, nowStatus, parseHHMM, policyKeys, weekView, windowErrors } from '../../static/js/scheduleLogic.js';

// 2026-12-02 is a Wednesday. Paris is UTC+1 in December.
const paris = (day, hh, mm = 0) => Date.UTC(2026, 11, day, hh - 1, mm);
const doc = (changes = {}) => ({
  timezone: 'Europe/Paris',
  window: { start: '09h00', end: '18:00' },
  absence_days: ['saturday', 'sunday'],
  per_target: {},
  policies: { default: 'hold' },
  ...changes,
});

test('times parse in both spellings and invalid ones are NaN', () => {
  assert.equal(parseHHMM('09h30'), 570);
  assert.equal(parseHHMM('9h'), 540);
  assert.equal(parseHHMM('18:00'), 1080);
  assert.equal(parseHHMM(''), null);
  assert.ok(Number.isNaN(parseHHMM('25h99')));
  assert.equal(formatHHMM(570), '09:30');
  assert.deepEqual(windowErrors({ start: '7pm', end: '18:00' }), { start: 'invalid' });
});

test('the wall time is read in the document zone, not the machine one', () => {
  assert.deepEqual(localParts(paris(2, 10, 15), 'Europe/Paris'), { weekday: 2, minutes: 615 });
  assert.deepEqual(localParts(Date.UTC(2026, 11, 2, 23, 30), 'Asia/Tokyo'), { weekday: 3, minutes: 510 });
});

test('inside the window on a weekday: open until the end today', () => {
  const s = nowStatus(doc(), paris(2, 10));
  assert.equal(s.state, 'open');
  assert.deepEqual(s.until, { day: 0, minutes: 1080, weekday: 2 });
});

test('before the window: closed, opens today at the start, with the default policy', () => {
  const s = nowStatus(doc({ policies: { default: 'drop' } }), paris(2, 7));
  assert.equal(s.state, 'closed');
  assert.equal(s.policy, 'drop');
  assert.deepEqual(s.next, { day: 0, minutes: 540, weekday: 2 });
});

test('Friday evening: held until Monday 09:00 over a weekend of absence days', () => {
  const s = nowStatus(doc(), paris(4, 19));
  assert.equal(s.state, 'closed');
  assert.deepEqual(s.next, { day: 3, minutes: 540, weekday: 0 });
  assert.equal(formatMoment(s.next, 'en', { tomorrow: 'tomorrow' }), 'Monday 09:00');
  assert.equal(formatMoment(s.next, 'fr', { tomorrow: 'demain' }), 'lundi 09:00');
});

test('on an absence day: absence, held to the next allowed day whatever the policy', () => {
  const s = nowStatus(doc({ policies: { default: 'send' } }), paris(5, 11));
  assert.equal(s.state, 'absence');
  assert.equal(s.policy, 'hold');
  assert.deepEqual(s.next, { day: 2, minutes: 540, weekday: 0 });
});

test('a window crossing midnight: open at 23:00 until tomorrow 06:00', () => {
  const night = doc({ window: { start: '22:00', end: '06:00' }, absence_days: [] });
  const s = nowStatus(night, paris(2, 23));
  assert.equal(s.state, 'open');
  assert.deepEqual(s.until, { day: 1, minutes: 360, weekday: 3 });
  assert.equal(formatMoment(s.until, 'en', { tomorrow: 'tomorrow' }), 'tomorrow 06:00');
  const early = nowStatus(night, paris(3, 5));
  assert.deepEqual(early.until, { day: 0, minutes: 360, weekday: 3 });
  assert.deepEqual(nowStatus(night, paris(3, 12)).next, { day: 0, minutes: 1320, weekday: 3 });
});

test('a night window closes at midnight when tomorrow is an absence day', () => {
  const night = doc({ window: { start: '22:00', end: '06:00' }, absence_days: ['saturday'] });
  const until = nowStatus(night, paris(4, 23)).until;
  assert.deepEqual(until, { day: 1, minutes: 0, weekday: 5 });
  assert.equal(formatMoment(until, 'en', { tomorrow: 'tomorrow' }, { closing: true }), '24:00');
});

test('no window and no absence day: always open; with absence days: open until the next one', () => {
  assert.equal(nowStatus(doc({ window: { start: null, end: null }, absence_days: [] }), paris(2, 3)).state, 'always');
  const s = nowStatus(doc({ window: { start: null, end: null } }), paris(2, 3));
  assert.equal(s.state, 'open');
  assert.deepEqual(s.until, { day: 3, minutes: 0, weekday: 5 });
  assert.equal(formatMoment(s.until, 'en', { tomorrow: 'tomorrow' }, { closing: true }), 'Friday 24:00');
});

test("a target's own window replaces the global one", () => {
  const d = doc({ per_target: { night: { start: '20:00', end: null } } });
  assert.equal(nowStatus(d, paris(2, 21)).state, 'closed');
  const s = nowStatus(d, paris(2, 21), 'night');
  assert.equal(s.state, 'open');
  assert.deepEqual(s.until, { day: 1, minutes: 0, weekday: 3 });
});

test('window edges: end exclusive, equal start and end means always open', () => {
  assert.equal(isOpenAt({ start: 540, end: 1080 }, 1080), false);
  assert.equal(isOpenAt({ start: 540, end: 1080 }, 540), true);
  assert.equal(isOpenAt({ start: 600, end: 600 }, 0), true);
  assert.equal(isOpenAt({ start: null, end: 360 }, 0), true);
});

test('policy keys include the default and every detector case', () => {
  assert.deepEqual(policyKeys({ custom: 'drop' }, ['recadrage']), ['default', 'recadrage', 'recadrage.urgent', 'custom']);
});

test('the week view splits each day into sending and not sending, absence days closed', () => {
  const doc = { timezone: 'UTC', window: { start: '22:00', end: '06:00' }, absence_days: ['sunday'], per_target: { t1: { start: '09:00', end: '18:00' } }, policies: {} };
  const week = weekView(/** @type {any} */ (doc));
  assert.equal(week.length, 7);
  assert.deepEqual(week[0].segments, [
    { from: 0, to: 360, open: true },
    { from: 360, to: 1320, open: false },
    { from: 1320, to: 1440, open: true },
  ]);
  assert.deepEqual(week[6], { day: 'sunday', absent: true, segments: [{ from: 0, to: 1440, open: false }] });
  assert.deepEqual(weekView(/** @type {any} */ (doc), 't1')[0].segments.filter((s) => s.open), [{ from: 540, to: 1080, open: true }]);
  const always = weekView(/** @type {any} */ ({ ...doc, window: { start: null, end: null }, absence_days: [] }));
  assert.deepEqual(always[2].segments, [{ from: 0, to: 1440, open: true }]);
});
