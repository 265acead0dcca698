import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  formatBytes,
  formatDuration,
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
