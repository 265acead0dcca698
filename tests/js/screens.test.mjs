import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SCREENS, isRoute, nextTabIndex, parseRoute, routeHash } from '../../static/js/screens.js';

const ids = SCREENS.map((s) => s.id);

test('routes round-trip with their parameters', () => {
  const hash = routeHash('deliveries', { status: 'dead' });
  assert.equal(hash, '#/deliveries?status=dead');
  assert.deepEqual(parseRoute(hash, ids), { screen: 'deliveries', params: { status: 'dead' } });
});

test('an unknown or empty route opens the overview', () => {
  assert.equal(parseRoute('#/nowhere', ids).screen, 'overview');
  assert.equal(parseRoute('', ids).screen, 'overview');
});

test('arrow keys wrap around the tab list, Home and End jump', () => {
  assert.equal(nextTabIndex('ArrowRight', 9, 10), 0);
  assert.equal(nextTabIndex('ArrowLeft', 0, 10), 9);
  assert.equal(nextTabIndex('Home', 5, 10), 0);
  assert.equal(nextTabIndex('End', 5, 10), 9);
  assert.equal(nextTabIndex('a', 5, 10), null);
});

test('in-page anchors are not routes', () => {
  assert.equal(isRoute('#main'), false);
  assert.equal(isRoute('#/rules'), true);
  assert.equal(isRoute(''), true);
});
