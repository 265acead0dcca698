// Pure helpers of a target's success and latency over time (GET /api/targets/<id>/stats):
// the chart rows, the summary's values and the list row's one-line summary.

/**
 * @typedef {{count: number, avg_ms: number|null, p50_ms: number|null, p95_ms: number|null}} Latency
 * @typedef {{attempts: number, ok: number, failed: number, success_rate: number|null, latency: Latency}} Summary
 * @typedef {Summary & {start: number}} Bucket
 * @typedef {{target_id: string, range: '24h'|'7d', bucket_seconds: number, now: number, buckets: Bucket[], total: Summary}} TargetStats
 * @typedef {{hour: number, ok: number, failed: number, p50: number, p95: number, p50_ms: number, p95_ms: number, attempts: number}} StatsRow
 *   `p95` is what p95 adds above p50 (the bars stack), `p95_ms` the value itself
 */

export const RANGES = /** @type {const} */ (['24h', '7d']);
export const ATTEMPT_SERIES = /** @type {const} */ (['ok', 'failed']);
export const LATENCY_SERIES = /** @type {const} */ (['p50', 'p95']);

/**
 * One chart row per bucket, oldest first: successes and failures, and latency as p50 with
 * what p95 adds on top (a bucket without a timed attempt has no latency bar).
 * @param {Bucket[]} buckets
 * @returns {StatsRow[]}
 */
export function statsRows(buckets) {
  return buckets.map((b) => {
    const p50 = b.latency.p50_ms || 0;
    const p95 = Math.max(p50, b.latency.p95_ms || 0);
    return { hour: b.start, ok: b.ok, failed: b.failed, attempts: b.attempts, p50, p95: p95 - p50, p50_ms: p50, p95_ms: p95 };
  });
}

/**
 * Whether anything was attempted in the range (else the screen says so instead of charts).
 * @param {TargetStats|null|undefined} stats
 */
export function hasAttempts(stats) {
  return Boolean(stats && stats.total && stats.total.attempts > 0);
}

/**
 * The tone of a success rate: green from 99 %, amber from 90 %, red below; none without attempts.
 * @param {number|null|undefined} rate
 * @returns {'green'|'amber'|'red'|''}
 */
export function rateTone(rate) {
  if (rate === null || rate === undefined) return '';
  if (rate >= 0.99) return 'green';
  return rate >= 0.9 ? 'amber' : 'red';
}

/**
 * The list row's summary of the last 24 hours, as a message key and its raw values.
 * @param {Summary|undefined} day
 * @returns {{key: string, rate?: number, attempts?: number, p95?: number|null}}
 */
export function daySummary(day) {
  if (!day || !day.attempts) return { key: 'targets.stats.row_none' };
  const p95 = day.latency ? day.latency.p95_ms : null;
  return { key: p95 == null ? 'targets.stats.row_no_latency' : 'targets.stats.row', rate: day.success_rate ?? 0, attempts: day.attempts, p95 };
}
