import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TARGETS_MAX_AGE_MS, invalidateTargets, targetNames, targets } from '../../static/js/endpoints.js';

/** A fetch that answers the targets list with `server.names`, counting its calls. */
function serveTargets(...names) {
  const server = { names, calls: /** @type {string[]} */ ([]) };
  server.fake = async (url) => {
    server.calls.push(url);
    const items = server.names.map((name, i) => ({ id: `t${i}`, name }));
    return new Response(JSON.stringify({ items }), { headers: { 'Content-Type': 'application/json' } });
  };
  return server;
}

test('screens that open together share one load of the targets', async (t) => {
  invalidateTargets();
  const server = serveTargets('Make');
  t.mock.method(globalThis, 'fetch', server.fake);
  const [a, b] = await Promise.all([targets(), targetNames()]);
  assert.equal(server.calls.length, 1);
  assert.equal(a[0].name, 'Make');
  assert.equal(b.get('t0'), 'Make');
});

test('a rename made elsewhere shows once the list is older than its maximum age', async (t) => {
  invalidateTargets();
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const server = serveTargets('WEBHOOK_URL');
  t.mock.method(globalThis, 'fetch', server.fake);
  assert.equal((await targetNames()).get('t0'), 'WEBHOOK_URL');
  server.names = ['Make'];
  t.mock.timers.tick(TARGETS_MAX_AGE_MS - 1);
  assert.equal((await targetNames()).get('t0'), 'WEBHOOK_URL', 'still within its age: reused');
  t.mock.timers.tick(2);
  assert.equal((await targetNames()).get('t0'), 'Make');
  assert.equal(server.calls.length, 2);
});

test('a failed load is not kept: the next call asks again', async (t) => {
  invalidateTargets();
  let failing = true;
  t.mock.method(globalThis, 'fetch', async () => {
    if (failing) throw new TypeError('offline');
    return new Response(JSON.stringify({ items: [{ id: 'default', name: 'Make' }] }), {
      headers: { 'Content-Type': 'application/json' },
    });
  });
  await assert.rejects(targets(), { name: 'ApiError', status: 0 });
  failing = false;
  assert.equal((await targets())[0].name, 'Make');
});
