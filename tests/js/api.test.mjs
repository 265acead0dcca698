import assert from 'node:assert/strict';
import { test } from 'node:test';

/** A fresh copy of api.js (its module state is the point) on a page at `pathname`. */
async function apiOn(pathname) {
  const assigned = /** @type {string[]} */ ([]);
  globalThis.location = /** @type {any} */ ({ pathname, assign: (url) => assigned.push(url) });
  const api = await import(`../../static/js/api.js?page=${pathname}&n=${Math.random()}`);
  return { api, assigned };
}

test('signing out while a refresh is answered 401 goes to the sign-in page once', async (t) => {
  const { api, assigned } = await apiOn('/');
  t.mock.method(globalThis, 'fetch', async () =>
    new Response(JSON.stringify({ error: 'unauthorized', message: 'sign in' }), { status: 401, headers: { 'Content-Type': 'application/json' } }),
  );
  api.toSignIn(); // the sign-out button, once the server ended the session
  await assert.rejects(api.request('GET', '/api/overview'), { status: 401 }); // a refresh in flight
  assert.deepEqual(assigned, ['/login']);
});

test('a 401 alone leads to the sign-in page', async (t) => {
  const { api, assigned } = await apiOn('/');
  t.mock.method(globalThis, 'fetch', async () => new Response('{}', { status: 401, headers: { 'Content-Type': 'application/json' } }));
  await assert.rejects(api.request('GET', '/api/overview'));
  assert.deepEqual(assigned, ['/login']);
});

test('on the sign-in page itself nothing navigates', async () => {
  const { api, assigned } = await apiOn('/login');
  api.toSignIn();
  assert.deepEqual(assigned, []);
});
