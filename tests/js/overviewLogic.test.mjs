import assert from 'node:assert/strict';
import { test } from 'node:test';

import { chartGeometry, dailyTotals, niceMax } from '../../static/js/overviewLogic.js';

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
