import assert from 'node:assert/strict';
import { test } from 'node:test';

import { setLang } from '../../static/js/i18n.js';
import { say, sayMoment } from '../../static/js/outcomeWords.js';
import { healthBadge, reasonPhrase } from '../../static/js/statusLogic.js';
import { waitingPhrase } from '../../static/js/screens/records/waitingLogic.js';

test('nested phrases are worded inside their sentence, in each language', () => {
  const failing = healthBadge({ state: 'failing', last_error: 'http_503', last_status_code: 503 }).phrase;
  setLang('en');
  assert.equal(say(failing), 'Failing — HTTP 503');
  setLang('fr');
  assert.equal(say(failing), 'En échec — HTTP 503');
  setLang('en');
});

test('a moment today reads "at" a time, and bare after "until"', () => {
  setLang('en');
  const soon = new Date();
  soon.setHours(23, 59, 0, 0);
  assert.match(sayMoment({ time: soon.getTime() / 1000 }), /^at 11:59\sPM$/);
  assert.match(sayMoment({ time: soon.getTime() / 1000, bare: true }), /^11:59\sPM$/);
  setLang('fr');
  assert.equal(sayMoment({ time: soon.getTime() / 1000 }), 'à 23:59');
  setLang('en');
});

test('a moment tomorrow says so', () => {
  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);
  tomorrow.setHours(9, 0, 0, 0);
  setLang('fr');
  assert.equal(say(waitingPhrase('window', tomorrow.getTime() / 1000)), 'En attente de la plage de livraison (ouverture demain à 09:00)');
  setLang('en');
  assert.match(say(waitingPhrase('window', tomorrow.getTime() / 1000)), /^Waiting for the delivery window \(opens tomorrow at 9:00\sAM\)$/);
});

test('counts pick the singular or the plural', () => {
  setLang('en');
  const parked = (count) => say(reasonPhrase({ code: 'parked', level: 'red', params: { count } }));
  assert.match(parked(1), /^1 email is parked/);
  assert.match(parked(2), /^2 emails are parked/);
  setLang('fr');
  assert.match(parked(1), /^1 e-mail est en souffrance/);
  assert.match(parked(2), /^2 e-mails sont en souffrance/);
  setLang('en');
});
