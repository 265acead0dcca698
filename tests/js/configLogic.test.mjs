import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  checkNumber,
  headersFromRows,
  newlyStopping,
  parseIntList,
  parseLines,
  sameJson,
  stopping,
} from '../../static/js/configLogic.js';

test('drafts compare structurally, ignoring key order', () => {
  assert.ok(sameJson({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] }));
  assert.ok(!sameJson({ a: [1, 2] }, { a: [2, 1] }));
  assert.ok(!sameJson({ a: 1 }, { a: 1, b: undefined }));
});

test('integer lists parse with separators and report the first problem', () => {
  assert.deepEqual(parseIntList('0, 5 300;1800', { min: 0, max: 604800, minItems: 1 }).values, [0, 5, 300, 1800]);
  assert.equal(parseIntList('0, 5s', { min: 0, max: 10 }).error, 'number');
  assert.equal(parseIntList('0, 11', { min: 0, max: 10 }).error, 'range');
  assert.equal(parseIntList('', { min: 0, max: 10, minItems: 1 }).error, 'count');
});

test('lines are trimmed and deduplicated', () => {
  assert.deepEqual(parseLines(' promo \n\nnewsletter\npromo'), ['promo', 'newsletter']);
});

test('numbers are checked against their limits; empty is fine only when optional', () => {
  assert.deepEqual(checkNumber('15', { min: 0, max: 300, exclusiveMin: true }), { value: 15, error: null });
  assert.equal(checkNumber('0', { min: 0, max: 300, exclusiveMin: true }).error, 'range');
  assert.equal(checkNumber('', { min: 1 }).error, 'required');
  assert.deepEqual(checkNumber('', { min: 1, optional: true }), { value: null, error: null });
  assert.equal(checkNumber('2.5', { integer: true }).error, 'integer');
  assert.equal(checkNumber('abc', {}).error, 'number');
});

test('flags that stop the service are spotted when they are switched, and while they are', () => {
  const saved = { gmail_ingress_enabled: true, webhook_sending_enabled: true, disable_email_id_dedup: false };
  const draft = { ...saved, webhook_sending_enabled: false };
  assert.deepEqual(newlyStopping(saved, draft), ['webhook_sending_enabled']);
  assert.deepEqual(newlyStopping(draft, draft), []);
  assert.deepEqual(stopping(draft), ['webhook_sending_enabled']);
});

test('header rows: masked values pass through, bad, reserved and duplicate names are flagged', () => {
  const { headers, errors } = headersFromRows([
    { name: 'X-Key', value: '***' },
    { name: 'bad name', value: 'v' },
    { name: 'Webhook-Id', value: 'v' },
    { name: 'x-key', value: 'again' },
    { name: '', value: '' },
  ]);
  assert.deepEqual(headers, { 'X-Key': '***' });
  assert.deepEqual(errors, { 1: 'name', 2: 'reserved', 3: 'duplicate' });
});
