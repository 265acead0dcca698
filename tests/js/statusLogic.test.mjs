import assert from 'node:assert/strict';
import { test } from 'node:test';

import { errorPhrase, healthBadge, healthHistory, reasonPhrase, whyPhrase } from '../../static/js/statusLogic.js';

test('an attempt error reads as the receiver answer or the transport failure', () => {
  assert.deepEqual(errorPhrase('http_503', 503), { key: 'outcome.error.http', params: { code: 503 } });
  assert.deepEqual(errorPhrase('timeout'), { key: 'outcome.error.timeout' });
  assert.deepEqual(errorPhrase('dns_error'), { key: 'outcome.error.dns_error' });
  assert.deepEqual(errorPhrase('connection_error'), { key: 'outcome.error.connection_error' });
  assert.deepEqual(errorPhrase('gone', 410), { key: 'outcome.error.gone' });
  assert.deepEqual(errorPhrase('teapot'), { key: 'outcome.error.other', params: { code: 'teapot' } });
  assert.deepEqual(errorPhrase(null, 502), { key: 'outcome.error.http', params: { code: 502 } });
  assert.deepEqual(errorPhrase(null, null), { key: 'outcome.error.unknown' });
});

test('why a target is off: the 410 in words, other text as it is, nothing when switched off by hand', () => {
  assert.deepEqual(whyPhrase('receiver answered 410 Gone'), { key: 'outcome.why.gone' });
  assert.deepEqual(whyPhrase('maintenance'), { key: 'outcome.why.raw', params: { why: 'maintenance' } });
  assert.equal(whyPhrase(null), null);
});

test('each health state has its colour and words', () => {
  assert.deepEqual(healthBadge({ state: 'untested' }), { tone: 'info', phrase: { key: 'outcome.health.untested' } });
  assert.deepEqual(healthBadge({ state: 'healthy' }).tone, 'green');
  assert.deepEqual(healthBadge({ state: 'failing', last_error: 'http_503', last_status_code: 503 }), {
    tone: 'amber',
    phrase: { key: 'outcome.health.failing', params: { error: { key: 'outcome.error.http', params: { code: 503 } } } },
  });
  assert.deepEqual(healthBadge({ state: 'circuit_open', until: 1000 }), {
    tone: 'red',
    phrase: { key: 'outcome.health.circuit_open', params: { until: { time: 1000, bare: true } } },
  });
  assert.deepEqual(healthBadge({ state: 'disabled', reason: 'receiver answered 410 Gone' }).phrase, {
    key: 'outcome.health.disabled_why',
    params: { why: { key: 'outcome.why.gone' } },
  });
  assert.deepEqual(healthBadge({ state: 'disabled', reason: null }).phrase, { key: 'outcome.health.disabled' });
});

test('a target the server does not describe reads as untested', () => {
  assert.deepEqual(healthBadge(undefined), { tone: 'info', phrase: { key: 'outcome.health.untested' } });
  assert.equal(healthBadge({ state: 'bogus' }).tone, 'info');
});

test('the health history says the last success, else the last try', () => {
  assert.equal(healthHistory({ state: 'untested' }), null);
  assert.deepEqual(healthHistory({ state: 'failing', last_ok_at: 50, last_attempt_at: 90 }), {
    key: 'outcome.health.last_ok',
    params: { at: { time: 50 } },
  });
  assert.deepEqual(healthHistory({ state: 'failing', last_ok_at: null, last_attempt_at: 90 }), {
    key: 'outcome.health.never_ok',
    params: { at: { time: 90 } },
  });
});

test('mail held for a target switched off by a 410 names it, says why and links to Targets', () => {
  const phrase = reasonPhrase({
    code: 'held_target_disabled',
    level: 'red',
    params: { target: 'make', name: 'Make', count: 3, why: 'receiver answered 410 Gone' },
  });
  assert.deepEqual(phrase, {
    key: 'status.held_target_disabled',
    params: { count: 3, name: 'Make', why: { key: 'outcome.why.gone' } },
    link: { screen: 'targets', key: 'status.link.targets' },
  });
});

test('a target switched off: by hand, or with nothing waiting, has its own words', () => {
  const off = (params) => reasonPhrase({ code: 'held_target_disabled', level: 'red', params }).key;
  assert.equal(off({ target: 'a', name: 'A', count: 2, why: null }), 'status.held_target_off');
  assert.equal(off({ target: 'a', name: 'A', count: 0, why: 'receiver answered 410 Gone' }), 'status.target_idle_disabled');
  assert.equal(off({ target: 'a', name: 'A', count: 0, why: null }), 'status.target_idle_off');
});

test('parked emails link to the Emails screen filtered on parked', () => {
  assert.deepEqual(reasonPhrase({ code: 'parked', level: 'red', params: { count: 2 } }), {
    key: 'status.parked',
    params: { count: 2 },
    link: { screen: 'emails', params: { status: 'parked' }, key: 'status.link.parked' },
  });
});

test('mail waiting for a missing target links to those deliveries', () => {
  const phrase = reasonPhrase({ code: 'held_target_missing', level: 'red', params: { target: 'old', count: 1 } });
  assert.deepEqual(phrase.link, { screen: 'deliveries', params: { status: 'held', target: 'old' }, key: 'status.link.waiting' });
});

test('a failing target is named with its last error in words', () => {
  const phrase = reasonPhrase({
    code: 'target_failing',
    level: 'amber',
    params: { target: 'dev', name: 'Dev box', error: 'http_503', status_code: 503 },
  });
  assert.deepEqual(phrase.params, { name: 'Dev box', error: { key: 'outcome.error.http', params: { code: 503 } } });
});

test('an open circuit says until when, and how much waits when something does', () => {
  const open = (count) => reasonPhrase({ code: 'circuit_open', level: 'amber', params: { name: 'X', until: 99, count } });
  assert.equal(open(2).key, 'status.circuit_open');
  assert.equal(open(0).key, 'status.circuit_open_idle');
  assert.deepEqual(open(2).params.until, { time: 99, bare: true });
});

test('every code the server sends has words; an unknown one is shown as it is', () => {
  const codes = [
    'all_good', 'store_degraded', 'parked', 'held_target_missing', 'held_target_disabled', 'dead_letters',
    'circuit_open', 'target_failing', 'waiting_paused', 'waiting_window', 'waiting_absence_day',
    'waiting_rate_limited', 'retrying', 'backlog', 'quiet', 'no_ingress', 'no_persistence',
  ];
  for (const code of codes) assert.notEqual(reasonPhrase({ code, level: 'amber', params: {} }).key, 'status.unknown', code);
  assert.deepEqual(reasonPhrase({ code: 'new_thing', level: 'amber', params: {} }), { key: 'status.unknown', params: { code: 'new_thing' } });
});
