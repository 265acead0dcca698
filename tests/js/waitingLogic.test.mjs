import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  cancelPhrase,
  emailReasonPhrase,
  plannedPhrase,
  refusalKey,
  releasable,
  rerouteHeadline,
  rerouteLinePhrase,
  rerouteRows,
  rerouteTotals,
  skippedPhrases,
  waitingPhrase,
  waitingRemedy,
} from '../../static/js/screens/records/waitingLogic.js';

const NOW = 1_790_000_000;

test('a waiting reason reads in words, with when it leaves when the server knows', () => {
  assert.deepEqual(waitingPhrase('window', NOW + 3600), { key: 'outcome.wait.window_at', params: { at: { time: NOW + 3600 } } });
  assert.deepEqual(waitingPhrase('window', null), { key: 'outcome.wait.window' });
  assert.deepEqual(waitingPhrase('paused', NOW), { key: 'outcome.wait.paused' });
  assert.deepEqual(waitingPhrase('target_disabled', NOW), { key: 'outcome.wait.target_disabled' });
  assert.deepEqual(waitingPhrase('target_missing', NOW), { key: 'outcome.wait.target_missing' });
  assert.equal(waitingPhrase('rate_limited', NOW + 60).key, 'outcome.wait.rate_limited_at');
  assert.equal(waitingPhrase('absence_day', NOW + 60).key, 'outcome.wait.absence_day_at');
  assert.equal(waitingPhrase('circuit_open', NOW + 60).key, 'outcome.wait.circuit_open_at');
  assert.deepEqual(waitingPhrase('later_maybe', NOW), { key: 'outcome.wait.other', params: { reason: 'later_maybe' } });
  assert.equal(waitingPhrase(null, NOW), null);
});

test('"Send now" is offered only where it makes the delivery leave', () => {
  const rec = (state, waiting_reason, deliver_at = NOW + 3600) => ({ state, waiting_reason, deliver_at });
  assert.equal(releasable(rec('held', 'window'), NOW), true);
  assert.equal(releasable(rec('held', 'absence_day'), NOW), true);
  assert.equal(releasable(rec('retrying', null), NOW), true, 'a retry waiting for its turn');
  assert.equal(releasable(rec('scheduled', null, NOW - 1), NOW), false, 'already due');
  for (const stuck of ['paused', 'rate_limited', 'circuit_open', 'target_disabled', 'target_missing']) {
    assert.equal(releasable(rec('held', stuck), NOW), false, stuck);
  }
  for (const state of ['in_flight', 'delivered', 'dead', 'cancelled']) assert.equal(releasable(rec(state, null), NOW), false, state);
});

test('what releases a delivery Send now cannot, and where', () => {
  assert.deepEqual(waitingRemedy({ state: 'held', waiting_reason: 'target_disabled' }), {
    key: 'outcome.remedy.target_disabled',
    link: { screen: 'targets', key: 'status.link.targets' },
  });
  assert.deepEqual(waitingRemedy({ state: 'held', waiting_reason: 'target_missing', email_id: 'e1' }).link, {
    screen: 'emails',
    params: { id: 'e1' },
    key: 'outcome.remedy.open_email',
  });
  assert.equal(waitingRemedy({ state: 'scheduled', waiting_reason: 'paused' }).link.screen, 'flags');
  assert.deepEqual(waitingRemedy({ state: 'held', waiting_reason: 'rate_limited' }), { key: 'outcome.remedy.rate_limited' });
  assert.equal(waitingRemedy({ state: 'held', waiting_reason: 'window' }), null);
});

test('a refused release says why in words', () => {
  assert.equal(refusalKey('target_disabled'), 'outcome.refused.target_disabled');
  assert.equal(refusalKey('not_waiting'), 'outcome.refused.not_waiting');
  assert.equal(refusalKey('conflict'), 'outcome.refused.other');
  assert.equal(refusalKey(undefined), 'outcome.refused.other');
});

test('what a filtered release skipped, largest first', () => {
  assert.deepEqual(skippedPhrases({ target_disabled: 1, not_waiting: 3, changed: 0, odd: 2 }), [
    { key: 'outcome.skipped', params: { count: 3, why: { key: 'outcome.skip.not_waiting' } } },
    { key: 'outcome.skipped', params: { count: 2, why: { key: 'outcome.skip.other' } } },
    { key: 'outcome.skipped', params: { count: 1, why: { key: 'outcome.skip.target_disabled' } } },
  ]);
  assert.deepEqual(skippedPhrases({}), []);
});

test('an email reason reads in words, the excluded keyword named', () => {
  assert.deepEqual(emailReasonPhrase('no_target'), { key: 'outcome.email.no_target' });
  assert.deepEqual(emailReasonPhrase('no_links'), { key: 'outcome.email.no_links' });
  assert.deepEqual(emailReasonPhrase('excluded_keyword: devis'), { key: 'outcome.email.excluded_keyword', params: { keyword: 'devis' } });
  assert.deepEqual(emailReasonPhrase('whatever'), { key: 'outcome.email.other', params: { reason: 'whatever' } });
  assert.equal(emailReasonPhrase(null), null);
});

test('a list says why in a few words', () => {
  assert.deepEqual(emailReasonPhrase('no_links', true), { key: 'outcome.email_short.no_links' });
  assert.deepEqual(emailReasonPhrase('excluded_keyword: devis', true), {
    key: 'outcome.email_short.excluded_keyword',
    params: { keyword: 'devis' },
  });
  assert.deepEqual(emailReasonPhrase('odd', true), { key: 'outcome.email.other', params: { reason: 'odd' } });
});

test('a planned delivery says when it leaves or why it waits', () => {
  assert.deepEqual(plannedPhrase({ target: 'a', state: 'scheduled', deliver_at: NOW }, NOW), { key: 'outcome.plan.now' });
  assert.deepEqual(plannedPhrase({ target: 'a', state: 'scheduled', deliver_at: NOW + 7200 }, NOW), {
    key: 'outcome.plan.later',
    params: { at: { time: NOW + 7200 } },
  });
  assert.deepEqual(plannedPhrase({ target: 'a', state: 'held', hold_reason: 'window', deliver_at: NOW + 7200 }, NOW), {
    key: 'outcome.wait.window_at',
    params: { at: { time: NOW + 7200 } },
  });
  assert.deepEqual(plannedPhrase({ target: 'a', state: 'held', hold_reason: 'target_disabled' }, NOW), { key: 'outcome.wait.target_disabled' });
  assert.deepEqual(plannedPhrase({ target: 'a', state: 'delivered' }, NOW), { key: 'outcome.plan.delivered' });
  assert.deepEqual(plannedPhrase({ target: 'a', state: 'retrying' }, NOW), { key: 'outcome.plan.kept' });
});

const result = (changes) => ({
  email_id: 'e1',
  status_before: 'ignored',
  status: 'accepted',
  reason: null,
  applied: false,
  new: [],
  kept: [],
  cancelled: [],
  ...changes,
});

test('a re-route lists new, kept and cancelled deliveries in that order', () => {
  const rows = rerouteRows(
    result({
      new: [{ target: 'b', state: 'scheduled', hold_reason: null, deliver_at: NOW }],
      kept: [{ id: 'd1', target: 'a', state: 'delivered', hold_reason: null }],
      cancelled: [{ id: 'd2', target: 'c', state: 'held', hold_reason: 'window' }],
    }),
  );
  assert.deepEqual(rows.map((r) => [r.change, r.target]), [['new', 'b'], ['kept', 'a'], ['cancelled', 'c']]);
});

test('a re-route headline says what changes', () => {
  assert.deepEqual(rerouteHeadline(result({ new: [{ target: 'a', state: 'scheduled' }] })), {
    key: 'outcome.reroute.new',
    params: { count: 1, cancelled: 0 },
  });
  assert.equal(rerouteHeadline(result({ new: [{ target: 'a', state: 'scheduled' }], cancelled: [{ target: 'b', state: 'held' }] })).key, 'outcome.reroute.moved');
  assert.deepEqual(rerouteHeadline(result({ status_before: 'accepted' })), { key: 'outcome.reroute.same' });
  assert.deepEqual(rerouteHeadline(result({ status: 'parked', reason: 'no_target' })), { key: 'outcome.reroute.parked' });
  assert.deepEqual(rerouteHeadline(result({ status: 'ignored', reason: 'no_links' })), {
    key: 'outcome.reroute.still_ignored',
    params: { why: { key: 'outcome.email.no_links' } },
  });
  assert.equal(rerouteHeadline(result({ status_before: 'accepted', status: 'ignored', reason: 'too_large' })).key, 'outcome.reroute.ignored');
});

test('a filtered re-route is summed up, new deliveries counted per target', () => {
  const totals = rerouteTotals([
    result({ new: [{ target: 'make', state: 'scheduled' }] }),
    result({ new: [{ target: 'make', state: 'held' }, { target: 'dev', state: 'scheduled' }], cancelled: [{ target: 'x', state: 'held' }] }),
    result({ status_before: 'accepted' }),
  ]);
  assert.deepEqual(totals, { emails: 3, changed: 2, added: 3, cancelled: 1, perTarget: { make: 2, dev: 1 } });
});

test('a cancelled delivery says it was re-routed', () => {
  assert.deepEqual(cancelPhrase('rerouted'), { key: 'outcome.cancel.rerouted' });
  assert.deepEqual(cancelPhrase('by_hand'), { key: 'outcome.cancel.other', params: { reason: 'by_hand' } });
  assert.equal(cancelPhrase(null), null);
});

test('a cancelled line says it is no longer sent, whatever it waited for', () => {
  const row = { target: 'c', state: 'held', hold_reason: 'window', change: 'cancelled' };
  assert.deepEqual(rerouteLinePhrase(row, NOW), { key: 'outcome.plan.cancelled' });
  assert.deepEqual(rerouteLinePhrase({ ...row, change: 'kept' }, NOW), { key: 'outcome.wait.window' });
});
