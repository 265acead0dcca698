import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  detectorFacts,
  fieldPhrase,
  linkUrls,
  operatorPhrase,
  planPhrase,
  scheduleReason,
  sourcePhrase,
  traceOutcome,
  traceReason,
  weekdayName,
} from '../../static/js/screens/records/emailsLogic.js';

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
    params: { n: 1, field: { key: 'emails.field.subject' }, operator: { key: 'emails.op.contains' } },
  });
  assert.deepEqual(traceReason(entry({ reason: 'condition 2 (header:X-Tag not_in) matched' })).params, {
    n: 3,
    field: { key: 'emails.field.header', params: { name: 'X-Tag' } },
    operator: { key: 'emails.op.not_in' },
  });
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

test('detector annotations without the name, the known ones with their words', () => {
  assert.deepEqual(detectorFacts({ detector: 'recadrage', delivery_time: '10:00', urgent: true, lot: 4 }), [
    { name: 'delivery_time', key: 'emails.detector.delivery_time', value: '10:00' },
    { name: 'urgent', key: 'emails.detector.urgent', value: 'true', yes: true },
    { name: 'lot', key: null, value: '4' },
  ]);
  assert.deepEqual(detectorFacts(null), []);
});

test('condition fields and operators in words, unknown ones as they are', () => {
  assert.deepEqual(fieldPhrase('sender_domain'), { key: 'emails.field.sender_domain' });
  assert.deepEqual(fieldPhrase('mystery'), { key: 'emails.why.raw', params: { reason: 'mystery' } });
  assert.deepEqual(operatorPhrase('not_starts_with'), { key: 'emails.op.not_starts_with' });
  assert.deepEqual(operatorPhrase('near'), { key: 'emails.why.raw', params: { reason: 'near' } });
});

test("the schedule's reasons in words, with the policy that decided", () => {
  const label = (/** @type {string} */ name) => name.toUpperCase();
  assert.deepEqual(scheduleReason('inside the window', 'en'), { key: 'emails.reason.inside' });
  assert.deepEqual(scheduleReason('outside the window: held until it opens (recadrage.urgent)', 'en', label), {
    key: 'emails.reason.outside_hold',
    params: { source: { key: 'emails.source.urgent', params: { detector: 'RECADRAGE' } } },
  });
  assert.deepEqual(scheduleReason('outside the window: dropped (default)', 'en').params, { source: { key: 'emails.source.default' } });
  assert.deepEqual(scheduleReason('absence day (Monday): held to the next allowed day; every weekday is an absence day', 'fr'), {
    key: 'emails.reason.absence_day',
    params: { day: 'lundi' },
  });
  assert.deepEqual(scheduleReason('something else', 'en'), { key: 'emails.reason.raw', params: { reason: 'something else' } });
  assert.equal(scheduleReason(null, 'en'), null);
  assert.deepEqual(sourcePhrase('desabo', label), { key: 'emails.source.detector', params: { detector: 'DESABO' } });
  assert.equal(weekdayName('Sunday', 'en'), 'Sunday');
});

test("what the schedule did: sent, held until a moment (or for good), dropped", () => {
  assert.deepEqual(planPhrase({ action: 'send', deliver_at: '2026-12-01T09:00:00+01:00' }), { key: 'emails.plan.send' });
  assert.deepEqual(planPhrase({ action: 'hold', deliver_at: '2026-12-01T09:00:00+00:00' }), {
    key: 'emails.plan.hold',
    params: { at: { time: Date.UTC(2026, 11, 1, 9) / 1000, bare: true } },
  });
  assert.deepEqual(planPhrase({ action: 'hold', deliver_at: null }), { key: 'emails.plan.hold_never' });
  assert.deepEqual(planPhrase({ action: 'drop' }), { key: 'emails.plan.drop' });
});
