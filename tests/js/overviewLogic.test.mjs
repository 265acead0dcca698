import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bannerStatus, chartGeometry, dailyTotals, niceMax } from '../../static/js/overviewLogic.js';

const NOW = 1_790_000_000;

/** @param {object} changes */
function stats(changes = {}) {
  return {
    now: NOW,
    hours: [],
    last_24h: { delivered: 10, retrying: 0, dead: 0 },
    success_rate_24h: 1,
    queue: { due: 0, scheduled: 0, in_flight: 0, dead: 0, oldest_due_age_seconds: 0 },
    states: { scheduled: 0, held: 0, retrying: 0, in_flight: 0, dead: 0 },
    last_ingress_at: NOW - 60,
    store: 'ok',
    ...changes,
  };
}

const keys = (status) => status.reasons.map((r) => r.key);

test('all quiet and recent ingress is green with a reason', () => {
  const status = bannerStatus(stats());
  assert.equal(status.level, 'green');
  assert.deepEqual(keys(status), ['overview.reason.all_good']);
});

test('a degraded store is red', () => {
  const status = bannerStatus(stats({ store: 'degraded' }));
  assert.equal(status.level, 'red');
  assert.deepEqual(keys(status), ['overview.reason.degraded']);
});

test('a delivery dead in the last 24 h is red and counted', () => {
  const status = bannerStatus(stats({ last_24h: { dead: 2 }, states: { scheduled: 0, held: 0, retrying: 0, in_flight: 0, dead: 2 } }));
  assert.equal(status.level, 'red');
  assert.deepEqual(status.reasons[0], { key: 'overview.reason.dead_new', params: { count: 2 } });
  assert.ok(!keys(status).includes('overview.reason.dead_old'));
});

test('older dead letters alone are amber', () => {
  const status = bannerStatus(stats({ states: { scheduled: 0, held: 0, retrying: 0, in_flight: 0, dead: 3 } }));
  assert.equal(status.level, 'amber');
  assert.deepEqual(keys(status), ['overview.reason.dead_old']);
});

test('success rate: under 90 % is red, under 99 % amber, none is not judged', () => {
  assert.equal(bannerStatus(stats({ success_rate_24h: 0.85 })).level, 'red');
  const amber = bannerStatus(stats({ success_rate_24h: 0.95 }));
  assert.equal(amber.level, 'amber');
  assert.deepEqual(amber.reasons[0].params, { rate: '95 %', limit: '99 %' });
  assert.equal(bannerStatus(stats({ success_rate_24h: null })).level, 'green');
});

test('retrying and held deliveries are amber, each said', () => {
  const status = bannerStatus(stats({ states: { scheduled: 1, held: 4, retrying: 2, in_flight: 0, dead: 0 } }));
  assert.equal(status.level, 'amber');
  assert.deepEqual(keys(status), ['overview.reason.retrying', 'overview.reason.held']);
});

test('no ingress for 24 h, or never, is amber', () => {
  const quiet = bannerStatus(stats({ last_ingress_at: NOW - 30 * 3600 }));
  assert.equal(quiet.level, 'amber');
  assert.deepEqual(quiet.reasons, [{ key: 'overview.reason.quiet', params: { hours: 30 } }]);
  assert.deepEqual(keys(bannerStatus(stats({ last_ingress_at: null }))), ['overview.reason.no_ingress']);
  assert.equal(bannerStatus(stats({ last_ingress_at: NOW - 23 * 3600 })).level, 'green');
});

test('a backlog of due deliveries older than 5 min is amber', () => {
  const status = bannerStatus(stats({ queue: { due: 9, scheduled: 9, in_flight: 0, dead: 0, oldest_due_age_seconds: 600 } }));
  assert.deepEqual(status.reasons, [{ key: 'overview.reason.backlog', params: { minutes: 10 } }]);
});

test('red lists the amber reasons after its own', () => {
  const status = bannerStatus(stats({ store: 'degraded', states: { scheduled: 0, held: 1, retrying: 0, in_flight: 0, dead: 0 } }));
  assert.deepEqual(keys(status), ['overview.reason.degraded', 'overview.reason.held']);
});

test('nice axis maxima', () => {
  assert.equal(niceMax(0), 1);
  assert.equal(niceMax(1), 1);
  assert.equal(niceMax(3), 5);
  assert.equal(niceMax(11), 20);
  assert.equal(niceMax(200), 200);
  assert.equal(niceMax(501), 1000);
});

test('bars stack delivered, retrying, dead from the bottom and fit the plot', () => {
  const hours = [
    { hour: 0, delivered: 6, retrying: 2, dead: 2 },
    { hour: 3600, delivered: 0, retrying: 0, dead: 0 },
  ];
  const chart = chartGeometry(hours, { width: 240, height: 134 });
  assert.equal(chart.max, 10);
  assert.deepEqual(
    chart.bars.map((b) => b.series),
    ['delivered', 'retrying', 'dead'],
  );
  const [d, r, x] = chart.bars;
  assert.equal(d.y + d.height, chart.plot.bottom);
  assert.equal(Math.round(r.y + r.height), Math.round(d.y));
  assert.equal(Math.round(x.y), chart.plot.top);
  assert.equal(d.height, 60);
  assert.ok(chart.bars.every((b) => b.x >= chart.plot.left && b.x + b.width <= chart.plot.right));
  assert.deepEqual(chart.yTicks.map((t) => t.value), [0, 5, 10]);
  assert.deepEqual(chart.xTicks, [{ x: chart.plot.left, hour: 0 }]);
});

test('an empty week still has an axis', () => {
  const chart = chartGeometry([{ hour: 3600, delivered: 0, retrying: 0, dead: 0 }]);
  assert.equal(chart.max, 1);
  assert.equal(chart.bars.length, 0);
  assert.equal(chart.xTicks.length, 0);
});

test('daily totals group hours by the given day label', () => {
  const hours = [
    { hour: 0, delivered: 1, retrying: 0, dead: 0 },
    { hour: 3600, delivered: 2, retrying: 1, dead: 0 },
    { hour: 86400, delivered: 0, retrying: 0, dead: 5 },
  ];
  const rows = dailyTotals(hours, (h) => `d${Math.floor(h / 86400)}`);
  assert.deepEqual(rows, [
    { day: 'd0', delivered: 3, retrying: 1, dead: 0 },
    { day: 'd1', delivered: 0, retrying: 0, dead: 5 },
  ]);
});
