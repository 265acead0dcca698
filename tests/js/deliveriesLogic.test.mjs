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
  prettyJson,
  replayOutcomeKey,
} from '../../static/js/deliveriesLogic.js';

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
