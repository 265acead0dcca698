'use strict';
/**
 * The HTTP half of the synchronous UrlFetchApp fake: it runs in a worker thread, makes each request
 * it is sent with node's http client, posts the result back, then wakes the blocked main thread.
 */

const http = require('http');
const https = require('https');
const { workerData } = require('worker_threads');

const { signal, port } = workerData;

function reply(result) {
  port.postMessage(result);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

port.on('message', (request) => {
  const url = new URL(request.url);
  const client = url.protocol === 'https:' ? https : http;
  const req = client.request(
    url,
    { method: request.method, headers: request.headers, timeout: request.timeoutMs },
    (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        reply({ status: res.statusCode, rawHeaders: res.rawHeaders, body: new Uint8Array(body) });
      });
      res.on('error', (err) => reply({ error: err.code || err.message }));
    },
  );
  req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
  req.on('error', (err) => reply({ error: err.code || err.message }));
  req.end(Buffer.from(request.body));
});
