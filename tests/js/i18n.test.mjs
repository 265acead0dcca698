import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addMessages, pickLang, setLang, t, tc } from '../../static/js/i18n.js';

test('the saved choice wins over the browser', () => {
  assert.equal(pickLang(['en-US'], 'fr'), 'fr');
});

test('the first supported browser language is taken', () => {
  assert.equal(pickLang(['de-DE', 'fr-CA', 'en'], null), 'fr');
  assert.equal(pickLang(['de-DE'], null), 'en');
});

test('placeholders are filled and unknown ones kept', () => {
  addMessages({ en: { 'x.hello': 'Hello {name}, {missing}' }, fr: { 'x.hello': 'Bonjour {name}' } });
  setLang('en');
  assert.equal(t('x.hello', { name: 'Ada' }), 'Hello Ada, {missing}');
  setLang('fr');
  assert.equal(t('x.hello', { name: 'Ada' }), 'Bonjour Ada');
});

test('a key missing in French falls back to English, an unknown key shows itself', () => {
  addMessages({ en: { 'x.only_en': 'Only English' }, fr: {} });
  setLang('fr');
  assert.equal(t('x.only_en'), 'Only English');
  assert.equal(t('x.nowhere'), 'x.nowhere');
});

test('a count picks the singular or the plural as each language counts', () => {
  addMessages({
    en: { 'x.items': '{count} items', 'x.items_one': '{count} item' },
    fr: { 'x.items': '{count} éléments', 'x.items_one': '{count} élément' },
  });
  setLang('en');
  assert.equal(tc('x.items', { count: 1 }), '1 item');
  assert.equal(tc('x.items', { count: 0 }), '0 items');
  assert.equal(tc('x.items', { count: 2 }), '2 items');
  setLang('fr');
  assert.equal(tc('x.items', { count: 0 }), '0 élément');
  assert.equal(tc('x.items', { count: 1 }), '1 élément');
  assert.equal(tc('x.items', { count: 2 }), '2 éléments');
  assert.equal(tc('x.items', { count: 1_000_000 }), '1000000 éléments');
});

test('without a singular form or a count, the key itself is used', () => {
  addMessages({ en: { 'x.plain': '{count} things' }, fr: { 'x.plain': '{count} choses' } });
  setLang('en');
  assert.equal(tc('x.plain', { count: 1 }), '1 things');
  assert.equal(tc('x.items', {}), '{count} items');
});
