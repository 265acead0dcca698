import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addMessages, setLang } from '../../static/js/i18n.js';
import { tc } from '../../static/js/monitorWidgets.js';

test('a count of one takes the singular message when there is one', () => {
  addMessages({
    en: { 'x.dead': '{count} deliveries died', 'x.dead_one': 'one delivery died', 'x.held': '{count} held' },
    fr: { 'x.dead': '{count} livraisons', 'x.dead_one': 'une livraison', 'x.held': '{count} retenues' },
  });
  setLang('en');
  assert.equal(tc('x.dead', { count: 1 }), 'one delivery died');
  assert.equal(tc('x.dead', { count: 2 }), '2 deliveries died');
  assert.equal(tc('x.held', { count: 1 }), '1 held');
  setLang('fr');
  assert.equal(tc('x.dead', { count: 1 }), 'une livraison');
  setLang('en');
});

test('list routes carry the filters, the page and the open item', async () => {
  const { listHash } = await import('../../static/js/monitorWidgets.js');
  assert.equal(listHash('emails', { sender: 'a' }, 0, {}), '#/emails?sender=a');
  assert.equal(listHash('deliveries', { status: 'dead' }, 50, { id: 'd1' }), '#/deliveries?status=dead&offset=50&id=d1');
});
