import assert from 'node:assert/strict';
import { test } from 'node:test';

import { chartGeometry } from '../../static/js/overviewLogic.js';
import { ATTEMPT_SERIES, LATENCY_SERIES, daySummary, hasAttempts, rateTone, statsRows } from '../../static/js/screens/targets/statsLogic.js';

const latency = (p50, p95) => ({ count: p50 == null ? 0 : 3, avg_ms: p50, p50_ms: p50, p95_ms: p95 });
const bucket = (start, ok, failed, p50 = null, p95 = null) => ({
  start, attempts: ok + failed, ok, failed, success_rate: ok + failed ? ok / (ok + failed) : null, latency: latency(p50, p95),
});

test('chart rows stack p95 above p50 and keep both values for the hover text', () => {
  const rows = statsRows([bucket(0, 3, 1, 120, 400), bucket(3600, 0, 0)]);
  assert.deepEqual(rows[0], { hour: 0, ok: 3, failed: 1, attempts: 4, p50: 120, p95: 280, p50_ms: 120, p95_ms: 400 });
  assert.deepEqual(rows[1], { hour: 3600, ok: 0, failed: 0, attempts: 0, p50: 0, p95: 0, p50_ms: 0, p95_ms: 0 });
});

test('the shared bar geometry draws any series: the latency bar is as tall as p95', () => {
  const rows = statsRows([bucket(0, 1, 0, 100, 400), bucket(3600, 1, 1, 200, 200)]);
  const geo = chartGeometry(rows, { width: 300, height: 160, series: LATENCY_SERIES });
  assert.deepEqual(geo.bars.map((b) => b.series), ['p50', 'p95', 'p50']);
  const first = geo.bars.filter((b) => b.hour === 0);
  const top = Math.min(...first.map((b) => b.y));
  assert.equal(geo.max, 400);
  assert.equal(Math.round(top), geo.plot.top);
  const attempts = chartGeometry(rows, { width: 300, height: 160, series: ATTEMPT_SERIES });
  assert.deepEqual(attempts.bars.map((b) => b.series), ['ok', 'ok', 'failed']);
  assert.deepEqual(attempts.yTicks.map((tick) => tick.value), [0, 1, 2]);
});

test('an empty range has no attempts; a range with one has', () => {
  assert.equal(hasAttempts(null), false);
  assert.equal(hasAttempts({ total: bucket(0, 0, 0) }), false);
  assert.equal(hasAttempts({ total: bucket(0, 0, 1) }), true);
});

test('success rates are toned green, amber and red', () => {
  assert.equal(rateTone(null), '');
  assert.equal(rateTone(1), 'green');
  assert.equal(rateTone(0.99), 'green');
  assert.equal(rateTone(0.95), 'amber');
  assert.equal(rateTone(0.5), 'red');
});

test('the list row says when nothing was attempted, and leaves p95 out when nothing was timed', () => {
  assert.deepEqual(daySummary(undefined), { key: 'targets.stats.row_none' });
  assert.deepEqual(daySummary(bucket(0, 0, 0)), { key: 'targets.stats.row_none' });
  assert.equal(daySummary(bucket(0, 2, 0, 50, 90)).key, 'targets.stats.row');
  assert.equal(daySummary(bucket(0, 2, 0, 50, 90)).p95, 90);
  assert.equal(daySummary(bucket(0, 0, 2)).key, 'targets.stats.row_no_latency');
  assert.equal(daySummary(bucket(0, 0, 2)).rate, 0);
});
