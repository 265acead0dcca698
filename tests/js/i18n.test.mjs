import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addMessages, pickLang, setLang, t } from '../../static/js/i18n.js';

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
