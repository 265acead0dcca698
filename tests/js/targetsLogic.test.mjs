import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  createBody,
  defaultRoutePhrase,
  formErrors,
  formFromTarget,
  inUseBy,
  optionsOf,
  patchBody,
  urlParts,
  useMessage,
} from '../../static/js/screens/targets/targetsLogic.js';

const target = {
  id: 'ops',
  name: 'Ops',
  url: 'https://ops.example/hook',
  enabled: true,
  managed_by_env: false,
  options: { default: true, require_success_json: false, headers: { 'X-Key': '***' }, timeout_sec: null },
};

test('an untouched form patches nothing; stored header values go back as the mask', () => {
  const form = formFromTarget(target);
  assert.deepEqual(form.headers, [{ name: 'X-Key', value: '', stored: true }]);
  assert.deepEqual(optionsOf(form).headers, { 'X-Key': '***' });
  assert.deepEqual(patchBody(target, form), {});
});

test('only changed fields are sent; the URL of an env target never is', () => {
  const form = { ...formFromTarget(target), name: 'Ops 2', enabled: false, timeout: '20' };
  const body = patchBody(target, form);
  assert.deepEqual(Object.keys(body).sort(), ['enabled', 'name', 'options']);
  assert.equal(/** @type {any} */ (body.options).timeout_sec, 20);
  const env = { ...target, managed_by_env: true };
  assert.deepEqual(patchBody(env, { ...formFromTarget(env), url: 'https://elsewhere.example' }), {});
});

test('form errors: required fields, timeout range, header names and new headers without value', () => {
  const form = {
    ...formFromTarget(null),
    timeout: '0',
    headers: [
      { name: 'X-New', value: '', stored: false },
      { name: 'Host', value: 'x', stored: false },
    ],
  };
  assert.deepEqual(formErrors(form), { name: 'required', url: 'required', timeout: 'range', 'header.0': 'value', 'header.1': 'reserved' });
});

test('a delete refused because rules name the target says which; other failures do not', () => {
  const used_by = [{ kind: 'rule', id: 'r1', name: 'Invoices' }, { kind: 'default_route' }];
  assert.deepEqual(inUseBy({ status: 409, code: 'target_in_use', body: { used_by } }), used_by);
  assert.equal(inUseBy({ status: 409, code: 'conflict', body: {} }), null);
  assert.equal(inUseBy({ status: 500, code: 'internal_error', body: {} }), null);
  assert.equal(inUseBy(new Error('network')), null);
});

test('each use is named: a rule by its name when it has one, else by its id', () => {
  assert.deepEqual(useMessage({ kind: 'rule', id: 'r1', name: 'Invoices' }), {
    key: 'targets.in_use.rule_named',
    params: { id: 'r1', name: 'Invoices' },
  });
  assert.deepEqual(useMessage({ kind: 'rule', id: 'r2', name: '' }), { key: 'targets.in_use.rule', params: { id: 'r2' } });
  assert.equal(useMessage({ kind: 'default_route' }).key, 'targets.in_use.default_route');
});

test('a new target is not in the default route unless ticked; an existing one keeps its setting', () => {
  assert.equal(formFromTarget(null).default, false);
  assert.equal(/** @type {any} */ (createBody({ ...formFromTarget(null), name: ' A ', url: 'https://a.example' })).options.default, false);
  assert.equal(formFromTarget(target).default, true);
  assert.equal(formFromTarget({ ...target, options: { ...target.options, default: false } }).default, false);
});

test('the default-route switch says who already gets the mail no rule claims', () => {
  const env = { ...target, id: 'default', name: 'WEBHOOK_URL', in_default_route: true };
  const other = { ...target, id: 'b', name: 'B', in_default_route: false };
  const fr = { lang: 'fr', quote: (/** @type {string} */ n) => `« ${n} »` };
  assert.deepEqual(defaultRoutePhrase(null, [env, other], 'option', fr), {
    key: 'targets.default.others',
    params: { names: '« WEBHOOK_URL »', count: 1 },
  });
  const both = [env, { ...other, in_default_route: true }];
  assert.equal(defaultRoutePhrase(null, both, 'option', fr).params?.names, '« WEBHOOK_URL » et « B »');
  assert.deepEqual(defaultRoutePhrase(env, [env, other], 'option', fr), { key: 'targets.default.alone' });
  assert.equal(defaultRoutePhrase(null, [env], 'rules', fr).key, 'targets.default.by_rules');
  assert.equal(defaultRoutePhrase(null, [env], 'drop', fr).key, 'targets.default.drop');
});

test('a URL is cut between its parts, never inside the host', () => {
  assert.deepEqual(urlParts('https://hook.eu2.make.com/abc123/x?y=1&z=2'), {
    host: 'https://hook.eu2.make.com',
    rest: ['/abc123', '/x', '?y=1', '&z=2'],
  });
  assert.deepEqual(urlParts('http://127.0.0.1:8001'), { host: 'http://127.0.0.1:8001', rest: [] });
  assert.deepEqual(urlParts('not a url'), { host: '', rest: ['not a url'] });
});
