import assert from 'node:assert/strict';
import { test } from 'node:test';

import { changeRows, formatValue, isTimestamp, linkKind, linkRequest, pageOf, splitResource } from '../../static/js/accessLogic.js';

test('a one-shot link sends no days, whatever the days field holds', () => {
  assert.deepEqual(linkRequest({ kind: 'one_shot', name: ' x ', days: '9' }), { body: { name: 'x' }, errors: {} });
});

test('a named link needs a name and whole days from 1 to 365', () => {
  assert.deepEqual(linkRequest({ kind: 'named', name: 'Laptop', days: '30' }).body, { name: 'Laptop', days: 30 });
  assert.deepEqual(linkRequest({ kind: 'named', name: '  ', days: '0' }).errors, {
    name: 'name_required',
    days: 'days_range',
  });
  assert.equal(linkRequest({ kind: 'named', name: 'a', days: '366' }).errors.days, 'days_range');
  assert.equal(linkRequest({ kind: 'named', name: 'a', days: '2.5' }).errors.days, 'days_range');
  assert.equal(linkRequest({ kind: 'named', name: 'a', days: '' }).body, null);
});

test('link kinds', () => {
  assert.equal(linkKind(/** @type {any} */ ({ one_shot: true })), 'one_shot');
  assert.equal(linkKind(/** @type {any} */ ({ one_shot: false })), 'named');
});

test('resources split at the first colon', () => {
  assert.deepEqual(splitResource('magic_link:ab:cd'), { type: 'magic_link', id: 'ab:cd' });
  assert.deepEqual(splitResource('session'), { type: 'session', id: '' });
});

test('values are short and readable', () => {
  assert.equal(formatValue(null), '—');
  assert.equal(formatValue('***'), '***');
  assert.equal(formatValue({ a: [1, 2] }), '{"a":[1,2]}');
  assert.equal(formatValue('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  assert.equal(formatValue(false), 'false');
});

test('changes say whether something was added, removed or changed', () => {
  const rows = changeRows([
    { path: 'name', old: null, new: 'Laptop' },
    { path: 'uses', old: 2, new: null },
    { path: 'enabled', old: true, new: false },
  ]);
  assert.deepEqual(
    rows.map((r) => [r.path, r.kind, r.old, r.new]),
    [
      ['name', 'added', '—', 'Laptop'],
      ['uses', 'removed', '2', '—'],
      ['enabled', 'changed', 'true', 'false'],
    ],
  );
  assert.deepEqual(changeRows(undefined), []);
});

test('an object created or removed whole shows field by field', () => {
  const rows = changeRows([
    { path: '', old: null, new: { name: 'Laptop', one_shot: false } },
    { path: 'headers', old: { 'X-Key': '***' }, new: null },
  ]);
  assert.deepEqual(
    rows.map((r) => [r.path, r.kind, r.old, r.new]),
    [
      ['name', 'added', '—', 'Laptop'],
      ['one_shot', 'added', '—', 'false'],
      ['headers.X-Key', 'removed', '***', '—'],
    ],
  );
});

test('a formatter shows values its own way; times are told apart', () => {
  const rows = changeRows([{ path: 'created_at', old: null, new: 1796187330.5 }], (v, path) => (isTimestamp(path, v) ? 'DATE' : String(v)));
  assert.equal(rows[0].new, 'DATE');
  assert.equal(isTimestamp('window.expires_at', 1796187330), true);
  assert.equal(isTimestamp('uses', 1796187330), false);
  assert.equal(isTimestamp('created_at', 'x'), false);
});

test('one item more than the page says a next page exists', () => {
  assert.deepEqual(pageOf([1, 2, 3], 20, 2), { items: [1, 2], offset: 20, next_offset: 22 });
  assert.deepEqual(pageOf([1, 2], 0, 2), { items: [1, 2], offset: 0, next_offset: null });
});
