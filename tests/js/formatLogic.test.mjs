import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  decodeEntities,
  formatBytes,
  formatDuration,
  formatDurationList,
  formatExact,
  parseDuration,
  parseDurationList,
  formatPercent,
  formatRelative,
  momentParts,
  truncate,
} from '../../static/js/formatLogic.js';

test('durations pick a readable unit', () => {
  assert.equal(formatDuration(0.25), '250 ms');
  assert.equal(formatDuration(12.34), '12.3 s');
  assert.equal(formatDuration(75), '1 min 15 s');
  assert.equal(formatDuration(7260), '2 h 1 min');
  assert.equal(formatDuration(null), '—');
});

test('percentages follow the language', () => {
  assert.equal(formatPercent(0.9876, 'en'), '98.8%');
  assert.match(formatPercent(0.5, 'fr'), /^50\s%$/);
  assert.equal(formatPercent(null, 'en'), '—');
});

test('relative times say past and future', () => {
  assert.equal(formatRelative(100, 160, 'en'), '1 minute ago');
  assert.equal(formatRelative(7300, 100, 'en'), 'in 2 hours');
  assert.equal(formatRelative(undefined, 0, 'en'), '—');
});

test('sizes and truncation', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(2048), '2 KB');
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abc', 4), 'abc');
});

test('a moment close to now is today, tomorrow or a day, with its local time', () => {
  const now = new Date(2026, 10, 18, 12, 0).getTime() / 1000;
  const at = (/** @type {number} */ day, /** @type {number} */ hour) => new Date(2026, 10, day, hour, 0).getTime() / 1000;
  assert.deepEqual(momentParts(at(18, 14), now, 'en-GB'), { when: 'today', date: 'Wed 18 Nov', time: '14:00' });
  assert.equal(momentParts(at(19, 0), now, 'en-GB').when, 'tomorrow');
  assert.deepEqual(momentParts(at(20, 9), now, 'fr'), { when: 'day', date: 'ven. 20 nov.', time: '09:00' });
  assert.equal(momentParts(at(17, 9), now, 'en').when, 'day');
  assert.equal(momentParts(at(18, 14), now, 'en').time.replace(/\s/g, ' '), '2:00 PM');
});

test('durations follow the language, days in words', () => {
  assert.equal(formatDuration(0, 'en'), '0 s');
  assert.equal(formatDuration(172800, 'en'), '2 days');
  const plain = (/** @type {string} */ text) => text.replace(/\s/g, ' ');
  assert.equal(plain(formatDuration(172800, 'fr')), '2 jours');
  assert.equal(plain(formatDuration(86400 + 7200, 'fr')), '1 jour 2 h');
  assert.equal(formatDuration(1.5, 'fr'), '1,5 s');
});

test('a retry schedule reads as human durations and is typed back the same way', () => {
  const waits = [0, 5, 300, 1800, 7200];
  assert.equal(formatDurationList(waits, 'en'), '0 s, 5 s, 5 min, 30 min, 2 h');
  const limits = { min: 0, max: 7 * 86400, minItems: 1, maxItems: 50 };
  for (const lang of ['en', 'fr']) {
    const text = formatDurationList([...waits, 90, 3 * 86400 + 3600], lang);
    assert.deepEqual(parseDurationList(text, limits).values, [...waits, 90, 3 * 86400 + 3600], text);
  }
  assert.deepEqual(parseDurationList('0, 5, 300', limits).values, [0, 5, 300]);
  assert.equal(parseDurationList('0, 5 x', limits).error, true);
  assert.equal(parseDurationList('8 days', limits).error, true);
  assert.equal(parseDurationList('', limits).error, true);
});

test('typed durations: units in English and French, a bare number is seconds', () => {
  assert.equal(parseDuration('5'), 5);
  assert.equal(parseDuration('5min'), 300);
  assert.equal(parseDuration('1 h 30 min'), 5400);
  assert.equal(parseDuration('1.5 h'), 5400);
  assert.equal(parseDuration('7 jours'), 604800);
  assert.ok(Number.isNaN(parseDuration('5 300')));
  assert.ok(Number.isNaN(parseDuration('soon')));
});

test('HTML character references are decoded for display', () => {
  assert.equal(decodeEntities('D&eacute;sabonnement &amp; tarifs'), 'Désabonnement & tarifs');
  assert.equal(decodeEntities('&#233;t&#xE9;'), 'été');
  assert.equal(decodeEntities('&unknown; stays'), '&unknown; stays');
  assert.equal(decodeEntities(null), '');
});

test('the exact moment has a date and a time', () => {
  assert.match(formatExact(1_800_000_000, 'en'), /2027/);
  assert.equal(formatExact(null, 'en'), '');
});
