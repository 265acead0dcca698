import assert from 'node:assert/strict';
import { test } from 'node:test';

import { detectorFacts, linkUrls, traceOutcome, traceReason } from '../../static/js/emailsLogic.js';

const entry = (changes) => ({ rule_id: 'r', name: 'R', matched: false, skipped: null, failed_condition: null, reason: '', ...changes });

test('outcomes: matched, not matched, disabled, after a stop', () => {
  assert.equal(traceOutcome(entry({ matched: true })), 'matched');
  assert.equal(traceOutcome(entry({})), 'not_matched');
  assert.equal(traceOutcome(entry({ skipped: 'disabled' })), 'disabled');
  assert.equal(traceOutcome(entry({ skipped: 'after_stop' })), 'after_stop');
});

test("the engine's reasons become phrases, conditions counted from 1", () => {
  assert.deepEqual(traceReason(entry({ reason: 'condition 0 (subject contains) did not match' })), {
    key: 'emails.why.cond_failed',
    params: { n: 1, field: 'subject', operator: 'contains' },
  });
  assert.deepEqual(traceReason(entry({ reason: 'condition 2 (detector equals) matched' })).params, { n: 3, field: 'detector', operator: 'equals' });
  assert.deepEqual(traceReason(entry({ reason: 'all 3 conditions matched' })), { key: 'emails.why.all_matched', params: { count: 3 } });
  assert.deepEqual(traceReason(entry({ reason: 'none of 2 conditions matched' })), { key: 'emails.why.none_matched', params: { count: 2 } });
  assert.deepEqual(traceReason(entry({ reason: 'rule disabled' })), { key: 'emails.why.disabled' });
  assert.deepEqual(traceReason(entry({ reason: 'an earlier rule stopped evaluation' })), { key: 'emails.why.after_stop' });
  assert.deepEqual(traceReason(entry({ reason: 'something new' })), { key: 'emails.why.raw', params: { reason: 'something new' } });
});

test('links show raw, direct and R2 copies when present, web URLs only', () => {
  assert.deepEqual(linkUrls({ raw_url: 'https://we.tl/x', direct_url: 'https://dl/x', r2_url: 'https://r2/x' }), [
    { kind: 'raw', url: 'https://we.tl/x' },
    { kind: 'direct', url: 'https://dl/x' },
    { kind: 'r2', url: 'https://r2/x' },
  ]);
  assert.deepEqual(linkUrls({ raw_url: 'javascript:alert(1)' }), []);
});

test('detector annotations without the name', () => {
  assert.deepEqual(detectorFacts({ detector: 'recadrage', delivery_time: '10:00', urgent: true }), [
    ['delivery_time', '10:00'],
    ['urgent', 'true'],
  ]);
  assert.deepEqual(detectorFacts(null), []);
});
