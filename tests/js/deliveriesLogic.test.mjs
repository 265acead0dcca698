import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  DELIVERY_FILTERS,
  EMAIL_FILTERS,
  canReplay,
  cleanFilters,
  dayToSeconds,
  deliveryQuery,
  pageOffset,
  pageSpan,
  prettyJson,
  replayOutcomeKey,
  roundEstimate,
} from '../../static/js/screens/records/deliveriesLogic.js';

test('hash params keep only known, non-empty, valid filters', () => {
  const params = { status: 'dead', target: ' t1 ', rule: '', bogus: 'x', from: '2026-12-01', to: 'soon' };
  assert.deepEqual(cleanFilters(params, DELIVERY_FILTERS), { status: 'dead', target: 't1', from: '2026-12-01' });
  assert.deepEqual(cleanFilters({ status: 'nope' }, DELIVERY_FILTERS), {});
  assert.deepEqual(cleanFilters({ status: 'ignored', sender: 'a' }, EMAIL_FILTERS), { sender: 'a', status: 'ignored' });
});

test('each screen takes its own statuses: cancelled deliveries, parked emails', () => {
  assert.deepEqual(cleanFilters({ status: 'cancelled' }, DELIVERY_FILTERS), { status: 'cancelled' });
  assert.deepEqual(cleanFilters({ status: 'parked' }, EMAIL_FILTERS), { status: 'parked' });
  assert.deepEqual(cleanFilters({ status: 'parked' }, DELIVERY_FILTERS), {});
  assert.deepEqual(cleanFilters({ status: 'dead' }, EMAIL_FILTERS), {});
});

test('a day range covers whole local days', () => {
  const start = dayToSeconds('2026-12-01');
  const end = dayToSeconds('2026-12-01', true);
  assert.equal(start, new Date(2026, 11, 1).getTime() / 1000);
  assert.equal(end, new Date(2026, 11, 2).getTime() / 1000);
  assert.equal(dayToSeconds('1 Dec'), undefined);
});

test('filters become the API query with since/until in seconds', () => {
  const query = deliveryQuery({ status: 'dead', detector: 'recadrage', from: '2026-12-01', to: '2026-12-02' });
  assert.deepEqual(query, {
    status: 'dead',
    detector: 'recadrage',
    since: dayToSeconds('2026-12-01'),
    until: dayToSeconds('2026-12-03'),
  });
  assert.deepEqual(deliveryQuery({}), {});
});

test('page offsets from the hash are multiples of the limit', () => {
  assert.equal(pageOffset('100', 50), 100);
  assert.equal(pageOffset('30', 50), 0);
  assert.equal(pageOffset('-50', 50), 0);
  assert.equal(pageOffset(undefined, 50), 0);
});

test('replay outcomes map to messages, unknown ones to a generic one', () => {
  assert.equal(replayOutcomeKey('queued'), 'deliveries.replay.queued');
  assert.equal(replayOutcomeKey('not_finished'), 'deliveries.replay.not_finished');
  assert.equal(replayOutcomeKey('weird'), 'deliveries.replay.other');
});

test('only finished deliveries can be replayed', () => {
  assert.ok(canReplay('dead'));
  assert.ok(canReplay('delivered'));
  assert.ok(!canReplay('retrying'));
  assert.ok(!canReplay(null));
});

test('long payloads are cut for display', () => {
  assert.equal(prettyJson({ a: 1 }), '{\n  "a": 1\n}');
  assert.ok(prettyJson({ a: 'x'.repeat(50) }, 20).endsWith('…'));
});

test('the search goes in the hash and in the API query, trimmed', () => {
  assert.deepEqual(cleanFilters({ q: '  Lot 12 ', status: 'dead' }, DELIVERY_FILTERS), { q: 'Lot 12', status: 'dead' });
  assert.deepEqual(deliveryQuery({ q: 'msg_abc' }), { q: 'msg_abc' });
  assert.deepEqual(cleanFilters({ q: 'x', subject: 'y' }, EMAIL_FILTERS), { q: 'x' });
});

test('a page says which rows it shows and of how many; an estimate is rounded', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  assert.deepEqual(pageSpan({ items, offset: 0, total: 1284, total_exact: true }), { first: 1, last: 50, total: 1284, about: false });
  assert.deepEqual(pageSpan({ items, offset: 50, total: 1284, total_exact: false }), { first: 51, last: 100, total: 1300, about: true });
  assert.deepEqual(pageSpan({ items: [1], offset: 0, total: 0, total_exact: false }), { first: 1, last: 1, total: 1, about: true });
  assert.equal(pageSpan({ items: [], offset: 0, total: 0 }), null);
  assert.deepEqual([roundEstimate(87.4), roundEstimate(1284), roundEstimate(15_549), roundEstimate(100)], [87, 1300, 16000, 100]);
});
