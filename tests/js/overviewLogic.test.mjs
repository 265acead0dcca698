import assert from 'node:assert/strict';
import { test } from 'node:test';

import { chartGeometry, countTicks, dailyTotals, daySpans, fittingLabel, niceMax, setupPending, setupSteps, wrapWords } from '../../static/js/overviewLogic.js';

test('nice axis maxima', () => {
  assert.equal(niceMax(0), 1);
  assert.equal(niceMax(1), 1);
  assert.equal(niceMax(3), 5);
  assert.equal(niceMax(11), 20);
  assert.equal(niceMax(200), 200);
  assert.equal(niceMax(501), 1000);
});

test('count ticks are whole numbers, a few of them, from 0 past the largest count', () => {
  assert.deepEqual(countTicks(0), { max: 1, ticks: [0, 1] });
  assert.deepEqual(countTicks(1), { max: 1, ticks: [0, 1] });
  assert.deepEqual(countTicks(3), { max: 3, ticks: [0, 1, 2, 3] });
  assert.deepEqual(countTicks(7), { max: 8, ticks: [0, 2, 4, 6, 8] });
  assert.deepEqual(countTicks(37), { max: 40, ticks: [0, 10, 20, 30, 40] });
  for (const value of [0, 1, 2, 5, 9, 13, 99, 1234, 98765]) {
    const { max, ticks } = countTicks(value);
    assert.ok(ticks.every(Number.isInteger), `${value}: ${ticks}`);
    assert.ok(max >= value && ticks.length <= 5 && ticks.length >= 2, `${value}: ${ticks}`);
  }
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
});

test('an empty week has the axis 0 and 1, never 0.5', () => {
  const chart = chartGeometry([{ hour: 3600, delivered: 0, retrying: 0, dead: 0 }]);
  assert.equal(chart.max, 1);
  assert.equal(chart.bars.length, 0);
  assert.deepEqual(chart.yTicks.map((t) => t.value), [0, 1]);
});

test('each local day is labelled under its own bars, wherever the time zone puts midnight', () => {
  // 48 hours from Tuesday 22:00 UTC, seen from UTC+5:30: the local day turns at 18:30 UTC.
  const start = Date.UTC(2026, 11, 1, 22) / 1000;
  const hours = Array.from({ length: 48 }, (_, i) => ({ hour: start + i * 3600, delivered: 1, retrying: 0, dead: 0 }));
  const dayKey = (/** @type {number} */ hour) => new Date((hour + 5.5 * 3600) * 1000).toISOString().slice(0, 10);
  const chart = chartGeometry(hours, { width: 520, dayKey });
  assert.deepEqual(chart.days.map((d) => d.key), ['2026-12-02', '2026-12-03', '2026-12-04']);
  for (const day of chart.days) {
    const under = chart.bars.filter((b) => Math.abs(b.x + b.width / 2 - day.x) <= day.width / 2);
    assert.ok(under.length > 0);
    assert.ok(under.every((b) => dayKey(b.hour) === day.key), `bars under ${day.key}`);
  }
  assert.equal(chart.dayLines.length, 2);
});

test('day spans group consecutive hours of one day', () => {
  const spans = daySpans([{ hour: 1 }, { hour: 2 }, { hour: 3 }].map((h) => ({ ...h, delivered: 0, retrying: 0, dead: 0 })), (h) => (h < 3 ? 'a' : 'b'));
  assert.deepEqual(spans, [
    { key: 'a', first: 0, last: 1, hour: 1 },
    { key: 'b', first: 2, last: 2, hour: 3 },
  ]);
});

test('a day label is shortened or left out when its day has no room', () => {
  assert.equal(fittingLabel(120, 'Wed 3 Dec', 'Wed'), 'Wed 3 Dec');
  assert.equal(fittingLabel(40, 'Wed 3 Dec', 'Wed'), 'Wed');
  assert.equal(fittingLabel(8, 'Wed 3 Dec', 'Wed'), '');
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

test('the first-run checklist ticks itself from the stats', () => {
  const fresh = { targets: {}, last_ingress_at: null, hours: [] };
  const steps = setupSteps(fresh, 0);
  assert.deepEqual(steps.map((s) => s.id), ['target', 'test', 'ingress', 'first_email', 'gmail']);
  assert.ok(steps.every((s) => !s.done));
  assert.equal(setupPending(steps), true);
  const tested = { targets: { t1: { last_ok_at: 5 } }, last_ingress_at: null, hours: [] };
  assert.deepEqual(setupSteps(tested, 0).map((s) => s.done), [true, true, false, false, false]);
  const flowing = { targets: { t1: { last_ok_at: 5 } }, last_ingress_at: 9, hours: [{ hour: 0, delivered: 1, retrying: 0, dead: 0 }] };
  const done = setupSteps(flowing, 0);
  assert.deepEqual(done.map((s) => s.done), [true, true, true, true, false]);
  assert.equal(setupPending(done), false, 'the optional Gmail push does not keep it open');
});

test("an empty chart's note is cut at spaces into lines that fit", () => {
  assert.deepEqual(wrapWords('Aucune livraison ces 7 derniers jours pour l’instant.', 24), ['Aucune livraison ces 7', 'derniers jours pour', 'l’instant.']);
  assert.deepEqual(wrapWords('short', 24), ['short']);
  assert.deepEqual(wrapWords('averyveryverylongword x', 5), ['averyveryverylongword', 'x']);
  assert.deepEqual(wrapWords('', 10), []);
});
