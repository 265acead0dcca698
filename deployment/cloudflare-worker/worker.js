/**
 * Relais R2 fetch Worker: copies a file-transfer link into an R2 bucket.
 *
 * Protocol (unchanged from the old router, so existing deployments keep working):
 *   POST /  headers Content-Type: application/json, X-R2-FETCH-TOKEN: <R2_FETCH_TOKEN>
 *   body    {"source_url", "object_key", "bucket", "provider", "email_id"}
 *   200     {"success": true, "r2_url": "<public url>", "original_filename": "<name>"}
 *   else    {"success": false, "error": "<reason>"} with a 4xx/5xx status.
 *
 * The source and every redirect hop (at most 5) must be https on a host of the
 * link's provider; the body is streamed into the R2 binding (multipart when its
 * length is unknown), capped at MAX_BYTES. A cron trigger deletes objects older
 * than RETENTION_HOURS under the provider prefixes.
 */

export const PROVIDER_HOSTS = {
  dropbox: ['dropbox.com', 'dropboxusercontent.com'],
  wetransfer: ['wetransfer.com', 'we.tl', 'wetransfer.net'],
  swisstransfer: ['swisstransfer.com'],
  fromsmash: ['fromsmash.com', 'fromsmash.co'],
};
export const MAX_REDIRECTS = 5;
const KEY_PATTERN = /^(dropbox|wetransfer|swisstransfer|fromsmash)\/[0-9a-f]{8}\/[0-9a-f]{8}\/[^/]{1,255}$/;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULTS = { MAX_BYTES: 512 * 1024 * 1024, RETENTION_HOURS: 24, SOURCE_TIMEOUT_SECONDS: 110 };
const PART_BYTES = 10 * 1024 * 1024; // R2 multipart: equal parts of at least 5 MiB

/** A refusal or failure the caller sees as `{"success": false, "error": reason}`. */
export class Refused extends Error {
  /** @param {number} status @param {string} reason */
  constructor(status, reason) {
    super(reason);
    this.status = status;
    this.reason = reason;
  }
}

/** @param {unknown} value @param {number} fallback */
function numberSetting(value, fallback) {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}

/** @param {number} status @param {object} doc */
function json(status, doc) {
  return new Response(JSON.stringify(doc), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

/**
 * Whether `host` is one of the provider's domains or a true subdomain of one.
 * @param {string} host @param {string} provider
 */
export function hostAllowed(host, provider) {
  const domains = PROVIDER_HOSTS[provider] || [];
  const name = host.toLowerCase().replace(/\.$/, '');
  return domains.some((domain) => name === domain || name.endsWith(`.${domain}`));
}

/**
 * The URL of one hop, or Refused: https, no credentials, a host of the provider.
 * @param {string} raw @param {string} provider @returns {URL}
 */
export function checkUrl(raw, provider) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new Refused(400, 'invalid_url');
  }
  if (url.protocol !== 'https:' || url.username || url.password) {
    throw new Refused(400, 'invalid_url');
  }
  if (!hostAllowed(url.hostname, provider)) throw new Refused(403, 'host_not_allowed');
  return url;
}

/**
 * Constant-time comparison of the token (both sides hashed first, so lengths do not leak).
 * @param {string | null} given @param {string | undefined} expected
 */
export async function tokenMatches(given, expected) {
  if (!given || !expected) return false;
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all(
    [given, expected].map((v) => crypto.subtle.digest('SHA-256', encoder.encode(v))),
  );
  const left = new Uint8Array(a);
  const right = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < left.length; i += 1) diff |= left[i] ^ right[i];
  return diff === 0;
}

/**
 * The file name of a Content-Disposition header, `filename*=` preferred, no directories.
 * @param {string | null} header @returns {string | null}
 */
export function filenameFromDisposition(header) {
  if (!header) return null;
  let name = null;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (extended) {
    try {
      name = decodeURIComponent(extended[2].trim());
    } catch {
      name = null;
    }
  }
  if (!name) {
    const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(header);
    name = plain ? (plain[1] ?? plain[2]).trim() : null;
  }
  if (!name) return null;
  // eslint-disable-next-line no-control-regex
  const base = name.replace(/\\/g, '/').split('/').pop().replace(/[\x00-\x1f\x7f]/g, '').trim();
  return base && base !== '.' && base !== '..' ? base.slice(0, 255) : null;
}

/**
 * GET the source, following at most MAX_REDIRECTS redirects, each hop re-checked.
 * @param {string} raw @param {string} provider @param {typeof fetch} fetchImpl
 * @param {AbortSignal} signal @returns {Promise<Response>}
 */
export async function fetchSource(raw, provider, fetchImpl, signal) {
  let url = checkUrl(raw, provider);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const response = await fetchImpl(url.toString(), { redirect: 'manual', signal });
    const location = REDIRECT_STATUSES.has(response.status) && response.headers.get('location');
    if (!location) return response;
    await response.body?.cancel();
    url = checkUrl(new URL(location, url).toString(), provider);
  }
  throw new Refused(502, 'too_many_redirects');
}

/**
 * Re-cut a byte stream into `size`-byte parts (the last one shorter), at most `max` bytes.
 * @param {ReadableStream<Uint8Array>} stream @param {number} size @param {number} max
 */
async function* fixedParts(stream, size, max) {
  const reader = stream.getReader();
  let buffer = new Uint8Array(size);
  let used = 0;
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new Refused(413, 'too_large');
    }
    let offset = 0;
    while (offset < value.byteLength) {
      const n = Math.min(size - used, value.byteLength - offset);
      buffer.set(value.subarray(offset, offset + n), used);
      used += n;
      offset += n;
      if (used === size) {
        yield buffer;
        buffer = new Uint8Array(size);
        used = 0;
      }
    }
  }
  if (used > 0) yield buffer.subarray(0, used);
}

/**
 * Store a body of unknown length: one put when it fits in a part, else a multipart upload.
 * @param {R2Bucket} bucket @param {string} key @param {ReadableStream<Uint8Array>} body
 * @param {object} options @param {{max: number, partBytes: number}} limits
 */
async function putStream(bucket, key, body, options, limits) {
  const parts = fixedParts(body, limits.partBytes, limits.max);
  const first = await parts.next();
  const second = first.done ? first : await parts.next();
  if (second.done) {
    await bucket.put(key, first.done ? new Uint8Array(0) : first.value, options);
    return;
  }
  const upload = await bucket.createMultipartUpload(key, options);
  try {
    const uploaded = [await upload.uploadPart(1, first.value), await upload.uploadPart(2, second.value)];
    for await (const part of parts) uploaded.push(await upload.uploadPart(uploaded.length + 1, part));
    await upload.complete(uploaded);
  } catch (error) {
    await upload.abort();
    throw error;
  }
}

/**
 * Stream the source's answer into the bucket.
 * @param {R2Bucket} bucket @param {string} key @param {Response} response
 * @param {object} options @param {{max: number, partBytes: number}} limits
 */
export async function storeObject(bucket, key, response, options, limits) {
  const declared = response.headers.get('content-length');
  const length = declared && /^\d+$/.test(declared) ? Number(declared) : null;
  if (length !== null && length > limits.max) throw new Refused(413, 'too_large');
  // A known, uncompressed length streams straight in; anything else goes part by part.
  if (length !== null && !response.headers.get('content-encoding')) {
    await bucket.put(key, response.body, options);
    return;
  }
  await putStream(bucket, key, response.body, options, limits);
}

/**
 * Validate the request body of the protocol.
 * @param {Request} request @param {object} env
 */
async function readOrder(request, env) {
  let order;
  try {
    order = await request.json();
  } catch {
    throw new Refused(400, 'invalid_json');
  }
  const { source_url: source, object_key: key, provider } = order || {};
  if (typeof source !== 'string' || typeof key !== 'string' || !PROVIDER_HOSTS[provider]) {
    throw new Refused(400, 'invalid_request');
  }
  if (!KEY_PATTERN.test(key) || !key.startsWith(`${provider}/`)) {
    throw new Refused(400, 'invalid_object_key');
  }
  if (env.R2_BUCKET_NAME && order.bucket !== env.R2_BUCKET_NAME) {
    throw new Refused(400, 'wrong_bucket');
  }
  return { source, key, provider, emailId: String(order.email_id || '') };
}

/** @param {string} base @param {string} key */
function publicUrl(base, key) {
  return `${base.replace(/\/+$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Copy one source; the answer of the protocol.
 * @param {{source: string, key: string, provider: string, emailId: string}} order
 * @param {object} env @param {{fetch?: typeof fetch, partBytes?: number}} deps
 */
async function copy(order, env, deps) {
  const timeout = numberSetting(env.SOURCE_TIMEOUT_SECONDS, DEFAULTS.SOURCE_TIMEOUT_SECONDS);
  const signal = AbortSignal.timeout(timeout * 1000);
  const response = await fetchSource(order.source, order.provider, deps.fetch ?? fetch, signal);
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Refused(502, `source_http_${response.status}`);
  }
  const contentType = response.headers.get('content-type') || 'application/octet-stream';
  if (contentType.toLowerCase().startsWith('text/html')) {
    await response.body?.cancel();
    throw new Refused(502, 'not_a_file');
  }
  const filename =
    filenameFromDisposition(response.headers.get('content-disposition')) || order.key.split('/').pop();
  const options = {
    httpMetadata: {
      contentType,
      contentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
    },
    customMetadata: { provider: order.provider, email_id: order.emailId },
  };
  const limits = {
    max: numberSetting(env.MAX_BYTES, DEFAULTS.MAX_BYTES),
    partBytes: deps.partBytes ?? PART_BYTES,
  };
  await storeObject(env.R2_BUCKET, order.key, response, options, limits);
  return { success: true, r2_url: publicUrl(env.R2_PUBLIC_BASE_URL, order.key), original_filename: filename };
}

/**
 * The Worker's HTTP handler; `deps` replaces `fetch` (and the part size) in tests.
 * @param {Request} request @param {object} env @param {{fetch?: typeof fetch, partBytes?: number}} [deps]
 */
export async function handleFetch(request, env, deps = {}) {
  if (request.method !== 'POST') return json(405, { success: false, error: 'method_not_allowed' });
  if (!(await tokenMatches(request.headers.get('X-R2-FETCH-TOKEN'), env.R2_FETCH_TOKEN))) {
    return json(401, { success: false, error: 'unauthorized' });
  }
  try {
    const order = await readOrder(request, env);
    return json(200, await copy(order, env, deps));
  } catch (error) {
    if (error instanceof Refused) return json(error.status, { success: false, error: error.reason });
    if (error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return json(504, { success: false, error: 'timeout' });
    }
    console.error('r2 fetch failed:', error && error.name);
    return json(500, { success: false, error: 'internal_error' });
  }
}

/**
 * Delete objects older than RETENTION_HOURS under the provider prefixes; returns the count.
 * @param {object} env @param {number} now epoch milliseconds
 */
export async function cleanup(env, now) {
  const hours = numberSetting(env.RETENTION_HOURS, DEFAULTS.RETENTION_HOURS);
  const cutoff = now - hours * 3600 * 1000;
  let deleted = 0;
  for (const provider of Object.keys(PROVIDER_HOSTS)) {
    let cursor;
    do {
      const page = await env.R2_BUCKET.list({ prefix: `${provider}/`, cursor, limit: 1000 });
      const old = page.objects.filter((o) => o.uploaded.getTime() < cutoff).map((o) => o.key);
      if (old.length) await env.R2_BUCKET.delete(old);
      deleted += old.length;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }
  return deleted;
}

export default {
  fetch: (request, env) => handleFetch(request, env),
  scheduled: (event, env, ctx) => ctx.waitUntil(cleanup(env, event.scheduledTime)),
};
