// The R2 fetch Worker against fakes of `fetch` and the R2 binding: `node --test tests/cloudflare_worker/`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import worker, {
  cleanup,
  filenameFromDisposition,
  handleFetch,
  hostAllowed,
  tokenMatches,
} from '../../deployment/cloudflare-worker/worker.js';

const TOKEN = 'worker-token-0123456789';
const KEY = 'dropbox/0123abcd/4567ef01/report.pdf';
const SOURCE = 'https://www.dropbox.com/scl/fi/abc/report.pdf?dl=1&rlkey=k9';

/** An in-memory R2 binding with the calls Relais's Worker makes. */
class FakeBucket {
  constructor() {
    this.objects = new Map();
    this.multipart = [];
  }

  async put(key, body, options) {
    const bytes = new Uint8Array(await new Response(body).arrayBuffer());
    this.objects.set(key, { bytes, options, uploaded: new Date() });
  }

  async createMultipartUpload(key, options) {
    const parts = new Map();
    const record = { key, parts, completed: false, aborted: false };
    this.multipart.push(record);
    return {
      uploadPart: async (n, data) => {
        parts.set(n, new Uint8Array(data));
        return { partNumber: n, etag: `etag-${n}` };
      },
      complete: async (uploaded) => {
        const chunks = uploaded.map((p) => parts.get(p.partNumber));
        const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        let offset = 0;
        for (const chunk of chunks) {
          bytes.set(chunk, offset);
          offset += chunk.length;
        }
        record.completed = true;
        this.objects.set(key, { bytes, options, uploaded: new Date() });
      },
      abort: async () => {
        record.aborted = true;
      },
    };
  }

  // Like R2, the cursor is a position in the key space: deleting listed keys does not shift it.
  async list({ prefix, cursor, limit }) {
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (!cursor || k > cursor))
      .sort();
    const page = keys.slice(0, limit);
    const truncated = keys.length > limit;
    return {
      objects: page.map((key) => ({ key, uploaded: this.objects.get(key).uploaded })),
      truncated,
      cursor: truncated ? page[page.length - 1] : undefined,
    };
  }

  async delete(keys) {
    for (const key of [].concat(keys)) this.objects.delete(key);
  }
}

/** A fake `fetch`: answers per URL (functions build a fresh Response each call). */
function fakeFetch(routes) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init });
    const route = routes[url];
    if (!route) return new Response('not found', { status: 404 });
    return route();
  };
  impl.calls = calls;
  return impl;
}

function env(overrides = {}) {
  return {
    R2_FETCH_TOKEN: TOKEN,
    R2_BUCKET: new FakeBucket(),
    R2_PUBLIC_BASE_URL: 'https://files.example.com/',
    ...overrides,
  };
}

function order(overrides = {}) {
  return {
    source_url: SOURCE,
    object_key: KEY,
    bucket: 'relais-transfers',
    provider: 'dropbox',
    email_id: 'e1',
    ...overrides,
  };
}

function request(body, { token = TOKEN, method = 'POST' } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers['X-R2-FETCH-TOKEN'] = token;
  return new Request('https://relais-r2.example.workers.dev/', {
    method,
    headers,
    body: method === 'POST' ? JSON.stringify(body) : undefined,
  });
}

function fileResponse(bytes, { name = 'Rapport final.pdf', length = true, type = 'application/pdf' } = {}) {
  const headers = { 'Content-Type': type, 'Content-Disposition': `attachment; filename="${name}"` };
  if (length) {
    headers['Content-Length'] = String(bytes.length);
    return new Response(bytes, { headers });
  }
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.subarray(i, i + 7));
      controller.close();
    },
  });
  return new Response(stream, { headers });
}

async function call(body, e, routes, options) {
  const fetchImpl = fakeFetch(routes);
  const response = await handleFetch(request(body, options), e, { fetch: fetchImpl, partBytes: 16 });
  return { status: response.status, doc: await response.json(), fetchImpl };
}

const bytes = (n) => Uint8Array.from({ length: n }, (_, i) => i % 251);

test('copies a file and answers the protocol', async () => {
  const e = env();
  const data = bytes(40);
  const { status, doc, fetchImpl } = await call(order(), e, { [SOURCE]: () => fileResponse(data) });
  assert.equal(status, 200);
  assert.deepEqual(doc, {
    success: true,
    r2_url: `https://files.example.com/${KEY}`,
    original_filename: 'Rapport final.pdf',
  });
  const stored = e.R2_BUCKET.objects.get(KEY);
  assert.deepEqual(stored.bytes, data);
  assert.equal(stored.options.httpMetadata.contentType, 'application/pdf');
  assert.equal(stored.options.customMetadata.email_id, 'e1');
  assert.equal(fetchImpl.calls[0].init.redirect, 'manual');
});

for (const token of [null, 'wrong-token', `${TOKEN}x`]) {
  test(`refuses the token ${token}`, async () => {
    const e = env();
    const { status, doc, fetchImpl } = await call(order(), e, {}, { token });
    assert.equal(status, 401);
    assert.equal(doc.success, false);
    assert.equal(fetchImpl.calls.length, 0);
  });
}

test('refuses other methods', async () => {
  const { status } = await call(null, env(), {}, { method: 'GET' });
  assert.equal(status, 405);
});

for (const [source, reason] of [
  ['https://evil.example/report.pdf', 'host_not_allowed'],
  ['https://dropbox.com.evil.example/report.pdf', 'host_not_allowed'],
  ['https://evil-dropbox.com/report.pdf', 'host_not_allowed'],
  ['https://www.swisstransfer.com/d/x', 'host_not_allowed'],
  ['http://www.dropbox.com/scl/fi/abc/report.pdf', 'invalid_url'],
  ['https://u:p@www.dropbox.com/scl/fi/abc/report.pdf', 'invalid_url'],
  ['not a url', 'invalid_url'],
]) {
  test(`refuses the source ${source}`, async () => {
    const e = env();
    const { doc, fetchImpl } = await call(order({ source_url: source }), e, {});
    assert.equal(doc.error, reason);
    assert.equal(fetchImpl.calls.length, 0);
    assert.equal(e.R2_BUCKET.objects.size, 0);
  });
}

for (const [changes, reason] of [
  [{ object_key: '../etc/passwd' }, 'invalid_object_key'],
  [{ object_key: 'wetransfer/0123abcd/4567ef01/a.zip' }, 'invalid_object_key'],
  [{ provider: 'gdrive' }, 'invalid_request'],
  [{ source_url: 42 }, 'invalid_request'],
]) {
  test(`refuses the request ${JSON.stringify(changes)}`, async () => {
    const { status, doc } = await call(order(changes), env(), {});
    assert.equal(status, 400);
    assert.equal(doc.error, reason);
  });
}

test('refuses another bucket when R2_BUCKET_NAME is set', async () => {
  const { doc } = await call(order(), env({ R2_BUCKET_NAME: 'other' }), {});
  assert.equal(doc.error, 'wrong_bucket');
});

test('follows a redirect to the content host, re-checked', async () => {
  const e = env();
  const content = 'https://uc123.dl.dropboxusercontent.com/cd/0/get/xyz/file';
  const routes = {
    [SOURCE]: () => new Response(null, { status: 302, headers: { Location: content } }),
    [content]: () => fileResponse(bytes(10)),
  };
  const { status } = await call(order(), e, routes);
  assert.equal(status, 200);
  assert.deepEqual(e.R2_BUCKET.objects.get(KEY).bytes, bytes(10));
});

test('refuses a redirect off the provider', async () => {
  const e = env();
  const routes = {
    [SOURCE]: () =>
      new Response(null, { status: 302, headers: { Location: 'http://169.254.169.254/latest/' } }),
  };
  const { doc, fetchImpl } = await call(order(), e, routes);
  assert.equal(doc.error, 'invalid_url');
  assert.equal(fetchImpl.calls.length, 1);
  assert.equal(e.R2_BUCKET.objects.size, 0);
});

test('refuses a redirect loop after five hops', async () => {
  const other = 'https://www.dropbox.com/loop';
  const routes = {
    [SOURCE]: () => new Response(null, { status: 302, headers: { Location: other } }),
    [other]: () => new Response(null, { status: 302, headers: { Location: SOURCE } }),
  };
  const { status, doc, fetchImpl } = await call(order(), env(), routes);
  assert.equal(status, 502);
  assert.equal(doc.error, 'too_many_redirects');
  assert.equal(fetchImpl.calls.length, 6);
});

test('a body of unknown length goes up in equal parts', async () => {
  const e = env();
  const data = bytes(40); // parts of 16: 16 + 16 + 8
  const { status } = await call(order(), e, { [SOURCE]: () => fileResponse(data, { length: false }) });
  assert.equal(status, 200);
  const [upload] = e.R2_BUCKET.multipart;
  assert.equal(upload.completed, true);
  assert.deepEqual([...upload.parts.values()].map((p) => p.length), [16, 16, 8]);
  assert.deepEqual(e.R2_BUCKET.objects.get(KEY).bytes, data);
});

test('a small body of unknown length is one put', async () => {
  const e = env();
  await call(order(), e, { [SOURCE]: () => fileResponse(bytes(10), { length: false }) });
  assert.equal(e.R2_BUCKET.multipart.length, 0);
  assert.deepEqual(e.R2_BUCKET.objects.get(KEY).bytes, bytes(10));
});

test('a declared length over MAX_BYTES is refused before reading', async () => {
  const e = env({ MAX_BYTES: '30' });
  const { status, doc } = await call(order(), e, { [SOURCE]: () => fileResponse(bytes(40)) });
  assert.equal(status, 413);
  assert.equal(doc.error, 'too_large');
  assert.equal(e.R2_BUCKET.objects.size, 0);
});

test('a stream over MAX_BYTES aborts its multipart upload', async () => {
  const e = env({ MAX_BYTES: '40' }); // parts of 16: two go up, the third crosses the cap
  const { doc } = await call(order(), e, { [SOURCE]: () => fileResponse(bytes(60), { length: false }) });
  assert.equal(doc.error, 'too_large');
  assert.equal(e.R2_BUCKET.multipart[0].aborted, true);
  assert.equal(e.R2_BUCKET.objects.size, 0);
});

for (const [response, reason] of [
  [() => new Response('gone', { status: 404 }), 'source_http_404'],
  [() => fileResponse(new TextEncoder().encode('<html>'), { type: 'text/html' }), 'not_a_file'],
]) {
  test(`a failing source is reported: ${reason}`, async () => {
    const e = env();
    const { status, doc } = await call(order(), e, { [SOURCE]: response });
    assert.equal(status, 502);
    assert.equal(doc.error, reason);
    assert.equal(e.R2_BUCKET.objects.size, 0);
  });
}

test('a source that never answers times out', async () => {
  const hang = (url, init) =>
    new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
  const keepAlive = setTimeout(() => {}, 5000); // AbortSignal.timeout's timer does not hold the loop
  const response = await handleFetch(request(order()), env({ SOURCE_TIMEOUT_SECONDS: '0.05' }), {
    fetch: hang,
  });
  clearTimeout(keepAlive);
  assert.equal(response.status, 504);
  assert.equal((await response.json()).error, 'timeout');
});

test('file names come from Content-Disposition, without paths', () => {
  assert.equal(filenameFromDisposition("attachment; filename*=UTF-8''%C3%89t%C3%A9.pdf"), 'Été.pdf');
  assert.equal(filenameFromDisposition('attachment; filename="../../etc/passwd"'), 'passwd');
  assert.equal(filenameFromDisposition('attachment; filename=".."'), null);
  assert.equal(filenameFromDisposition(null), null);
});

test('hosts match exactly or as true subdomains', () => {
  assert.equal(hostAllowed('dl.dropboxusercontent.com', 'dropbox'), true);
  assert.equal(hostAllowed('WWW.DROPBOX.COM.', 'dropbox'), true);
  assert.equal(hostAllowed('notdropbox.com', 'dropbox'), false);
  assert.equal(hostAllowed('we.tl', 'dropbox'), false);
});

test('tokens compare by value', async () => {
  assert.equal(await tokenMatches(TOKEN, TOKEN), true);
  assert.equal(await tokenMatches('short', TOKEN), false);
  assert.equal(await tokenMatches(TOKEN, undefined), false);
});

test('the cron deletes our objects older than RETENTION_HOURS only', async () => {
  const e = env({ RETENTION_HOURS: '24' });
  const bucket = e.R2_BUCKET;
  const now = Date.parse('2026-11-20T12:00:00Z');
  const at = (hoursAgo) => new Date(now - hoursAgo * 3600 * 1000);
  const put = (key, hoursAgo) => bucket.objects.set(key, { bytes: new Uint8Array(1), uploaded: at(hoursAgo) });
  put('dropbox/aaaa1111/bbbb2222/old.pdf', 25);
  put('wetransfer/cccc3333/dddd4444/file', 30);
  put('dropbox/eeee5555/ffff6666/new.pdf', 2);
  put('backups/keep.tar', 100);
  const waited = [];
  await worker.scheduled({ scheduledTime: now }, e, { waitUntil: (p) => waited.push(p) });
  assert.equal(await waited[0], 2);
  assert.deepEqual([...bucket.objects.keys()].sort(), ['backups/keep.tar', 'dropbox/eeee5555/ffff6666/new.pdf']);
});

test('the cron pages through long listings', async () => {
  const e = env();
  const now = Date.now();
  for (let i = 0; i < 2500; i += 1) {
    e.R2_BUCKET.objects.set(`dropbox/${String(i).padStart(8, '0')}/00000000/f`, {
      uploaded: new Date(now - 48 * 3600 * 1000),
    });
  }
  assert.equal(await cleanup(e, now), 2500);
  assert.equal(e.R2_BUCKET.objects.size, 0);
});
