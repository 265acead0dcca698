'use strict';
/**
 * A fake UrlFetchApp that makes REAL HTTP requests, synchronously like the real one: the request
 * goes to a worker thread and the script's thread blocks on Atomics.wait until the answer is in.
 *
 * Only loopback addresses may be fetched (tests never reach the internet). Each request is
 * recorded (method, url, status or error) for the harness report.
 */

const path = require('path');
const { Worker, MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { toBuffer, toByteArray } = require('./services');

const TIMEOUT_MS = 60000;
const MAX_REDIRECTS = 5;
const USER_AGENT =
  'Mozilla/5.0 (compatible; Google-Apps-Script; beanserver; +https://script.google.com; id: test)';
const KNOWN_PARAMS = new Set([
  'method',
  'headers',
  'contentType',
  'payload',
  'muteHttpExceptions',
  'followRedirects',
  'validateHttpsCertificates',
  'escaping',
  'useIntranet',
]);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

class SyncHttp {
  constructor() {
    this.signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(path.join(__dirname, 'fetch_worker.js'), {
      workerData: { signal: this.signal, port: port2 },
      transferList: [port2],
    });
    this.worker.unref();
  }

  request(request) {
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage(request);
    const woke = Atomics.wait(this.signal, 0, 0, TIMEOUT_MS + 5000);
    const message = receiveMessageOnPort(this.port);
    if (woke === 'timed-out' || !message) {
      return { error: 'TIMEOUT' };
    }
    return message.message;
  }

  close() {
    return this.worker.terminate();
  }
}

function formEncode(object) {
  return Object.entries(object)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

function requestBody(params) {
  const payload = params.payload;
  if (payload === undefined || payload === null) return { body: Buffer.alloc(0), type: null };
  const raw = typeof payload === 'string' || Array.isArray(payload);
  if (raw || typeof payload.getBytes === 'function') {
    return { body: toBuffer(payload), type: 'application/x-www-form-urlencoded' };
  }
  return { body: Buffer.from(formEncode(payload)), type: 'application/x-www-form-urlencoded' };
}

function headersOf(rawHeaders) {
  const single = {};
  const all = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const [name, value] = [rawHeaders[i], rawHeaders[i + 1]];
    single[name] = value;
    all[name] = name in all ? [].concat(all[name], value) : value;
  }
  return { single, all };
}

function makeResponse(status, rawHeaders, body) {
  const { single, all } = headersOf(rawHeaders);
  const bytes = Buffer.from(body);
  return {
    getResponseCode: () => status,
    getContentText: () => bytes.toString('utf8'),
    getContent: () => toByteArray(bytes),
    getHeaders: () => ({ ...single }),
    getAllHeaders: () => ({ ...all }),
  };
}

function makeUrlFetchApp(http, record, clock) {
  const fetchOnce = (url, params) => {
    const target = new URL(url);
    if (!LOOPBACK.has(target.hostname)) {
      throw new Error(`fake UrlFetchApp: only loopback may be fetched, not ${target.hostname}`);
    }
    const method = String(params.method || 'get').toUpperCase();
    const { body, type } = requestBody(params);
    const headers = { 'User-Agent': USER_AGENT, ...(params.headers || {}) };
    if (body.length || method === 'POST' || method === 'PUT' || method === 'PATCH') {
      headers['Content-Type'] = params.contentType || type || 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(body.length);
    }
    const entry = { method, url, status: null, error: null };
    record.push(entry);
    const result = http.request({
      url,
      method,
      headers,
      body: new Uint8Array(body),
      timeoutMs: TIMEOUT_MS,
    });
    clock.afterFetch();
    if (result.error) {
      entry.error = result.error;
      throw new Error(`Address unavailable: ${url} (${result.error})`);
    }
    entry.status = result.status;
    return makeResponse(result.status, result.rawHeaders, result.body);
  };

  return {
    fetch(url, params = {}) {
      for (const key of Object.keys(params)) {
        if (!KNOWN_PARAMS.has(key)) throw new Error(`fake UrlFetchApp: unknown parameter ${key}`);
      }
      let current = String(url);
      let currentParams = params;
      for (let hop = 0; ; hop += 1) {
        const response = fetchOnce(current, currentParams);
        const code = response.getResponseCode();
        const location = response.getHeaders().Location || response.getHeaders().location;
        const redirect = code >= 300 && code < 400 && location;
        if (redirect && params.followRedirects !== false && hop < MAX_REDIRECTS) {
          current = new URL(location, current).toString();
          if (code !== 307 && code !== 308) {
            currentParams = { ...params, method: 'get', payload: undefined };
          }
          continue;
        }
        if (code >= 400 && !params.muteHttpExceptions) {
          const text = response.getContentText().slice(0, 200);
          throw new Error(
            `Request failed for ${current} returned code ${code}. ` +
              `Truncated server response: ${text} ` +
              '(use muteHttpExceptions option to examine full response)',
          );
        }
        return response;
      }
    },
  };
}

module.exports = { SyncHttp, makeUrlFetchApp };
