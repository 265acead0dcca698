import assert from 'node:assert/strict';
import { test } from 'node:test';

import { changeRows, detailWords, formatValue, isTimestamp, linkKind, linkRequest, objectWords, pageOf, pathParts, splitResource, valueKind } from '../../static/js/accessLogic.js';

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

test('a change path reads as names and positions counted from 1', () => {
  assert.deepEqual(pathParts('rules.0.conditions.1.value'), [{ name: 'rules', number: 1 }, { name: 'conditions', number: 2 }, { name: 'value' }]);
  assert.deepEqual(pathParts('retry_schedule.2'), [{ name: 'retry_schedule', number: 3 }]);
  assert.deepEqual(pathParts(''), []);
});

test('audit objects and details become words to translate', () => {
  assert.deepEqual(objectWords('routing_rules@3'), { key: 'access.object.document', params: { doc: 'routing_rules', version: 3 } });
  assert.equal(objectWords('target:t1').key, 'access.object.target');
  assert.deepEqual(objectWords('magic_link:ab', [{ path: 'name', old: null, new: 'Phone' }]).params, { id: 'ab', name: 'Phone', raw: 'magic_link:ab' });
  assert.equal(objectWords('magic_link:ab', [{ path: 'name', old: 'Phone', new: null }]).key, 'access.object.magic_link_named');
  assert.equal(objectWords('magic_link:ab', [{ path: 'name', old: null, new: '' }]).key, 'access.object.magic_link');
  assert.equal(objectWords('magic_link:ab').key, 'access.object.magic_link');
  assert.equal(objectWords('magic_link:ab', [{ path: '', old: null, new: { id: 'ab', name: 'Laptop' } }]).params?.name, 'Laptop');
  assert.equal(objectWords('magic_link:ab', [{ path: '', old: { id: 'ab', name: '' }, new: null }]).key, 'access.object.magic_link');
  assert.deepEqual(detailWords('password'), { key: 'access.detail.password', params: {} });
  assert.deepEqual(detailWords('magic link ml1'), { key: 'access.detail.magic_link', params: { id: 'ml1' } });
  assert.deepEqual(detailWords('3 re-queued'), { key: 'access.detail.requeued', params: { count: 3 } });
  assert.equal(detailWords('accepted -> ignored, 0 new deliveries, 1 cancelled')?.key, 'access.detail.reroute_cancelled');
  assert.deepEqual(detailWords('something new'), { key: 'access.detail.raw', params: { text: 'something new' } });
  assert.equal(detailWords(undefined), null);
});

test('values are shown by kind: durations, switches, times, lists', () => {
  assert.equal(valueKind('retry_schedule', [0, 5]), 'durations');
  assert.equal(valueKind('retry_schedule.1', 5), 'duration');
  assert.equal(valueKind('webhook_timeout_sec', 30), 'duration');
  assert.equal(valueKind('require_links', true), 'switch');
  assert.equal(valueKind('expires_at', 1_800_000_000), 'time');
  assert.equal(valueKind('exclude_keywords', ['a']), 'list');
  assert.equal(valueKind('name', 'x'), 'text');
});

test('a list of rules or targets that grew or shrank is said item by item, by name', () => {
  const rows = changeRows([
    { path: 'rules', old: [], new: [{ id: 'factures', name: 'Factures', conditions: [] }] },
    { path: 'targets', old: [{ id: 'a', name: 'A', url: 'u1' }, { id: 'b', name: 'B' }], new: [{ id: 'a', name: 'A', url: 'u2' }] },
  ]);
  assert.deepEqual(
    rows.map((r) => [r.path, r.kind, r.old, r.new]),
    [
      ['rules', 'added', '—', 'Factures'],
      ['targets', 'removed', 'B', '—'],
      ['targets.=a.url', 'changed', 'u1', 'u2'],
    ],
  );
  assert.deepEqual(pathParts('targets.=a.url'), [{ name: 'targets', item: 'a' }, { name: 'url' }]);
});
