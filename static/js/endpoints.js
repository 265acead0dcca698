// Every API URL the dashboard calls, written once, plus the lists several screens share
// (the targets) loaded once for the screens that open together: forgotten whenever a screen
// is opened, and reused by a screen's own refreshes for a few seconds at most.
// Screens import the URL builders from here instead of writing '/api/...' themselves;
// api.js stays the one module that calls fetch.

import { api } from './api.js';

/** @param {string} id */
const seg = (id) => encodeURIComponent(id);

/** Fixed URLs. */
export const URLS = Object.freeze({
  session: '/api/auth/session',
  login: '/api/auth/login',
  logout: '/api/auth/logout',
  logoutAll: '/api/auth/logout_all',
  magicLinks: '/api/magic_links',
  stats: '/api/stats',
  audit: '/api/audit',
  detectors: '/api/detectors',
  configExport: '/api/config/export',
  configImport: '/api/config/import',
  emails: '/api/emails',
  emailsReroute: '/api/emails/reroute',
  deliveries: '/api/deliveries',
  deliveriesReplay: '/api/deliveries/replay',
  deliveriesRelease: '/api/deliveries/release',
  targets: '/api/targets',
  routingRules: '/api/routing_rules',
  routingRulesTest: '/api/routing_rules/test',
  timeWindows: '/api/time_windows',
  runtimeFlags: '/api/runtime_flags',
  preferences: '/api/preferences',
  gmailConnect: '/api/gmail/connect',
  gmailMailboxes: '/api/gmail/mailboxes',
  gmailOAuthCallback: '/api/gmail/oauth/callback',
  ingressGmail: '/api/ingress/gmail',
  ingressPubsub: '/api/ingress/pubsub',
});

/** URLs with an id in them. */
export const urlFor = Object.freeze({
  /** @param {string} id */
  magicLink: (id) => `${URLS.magicLinks}/${seg(id)}`,
  /** @param {string} id */
  email: (id) => `${URLS.emails}/${seg(id)}`,
  /** @param {string} id */
  emailReroute: (id) => `${URLS.emails}/${seg(id)}/reroute`,
  /** @param {string} id */
  delivery: (id) => `${URLS.deliveries}/${seg(id)}`,
  /** @param {string} id */
  deliveryReplay: (id) => `${URLS.deliveries}/${seg(id)}/replay`,
  /** @param {string} id */
  deliveryRelease: (id) => `${URLS.deliveries}/${seg(id)}/release`,
  /** @param {string} id */
  target: (id) => `${URLS.targets}/${seg(id)}`,
  /** @param {string} id */
  targetTest: (id) => `${URLS.targets}/${seg(id)}/test`,
  /** @param {string} id */
  targetRotateSecret: (id) => `${URLS.targets}/${seg(id)}/rotate_secret`,
  /** @param {string} id */
  targetStats: (id) => `${URLS.targets}/${seg(id)}/stats`,
  /** @param {string} address */
  mailbox: (address) => `${URLS.gmailMailboxes}/${seg(address)}`,
  /** @param {string} address */
  mailboxSync: (address) => `${URLS.gmailMailboxes}/${seg(address)}/sync`,
});

/**
 * The full address Apps Script posts to (shown in onboarding and on Mailboxes).
 * @param {string} path
 * @param {string} [origin] defaults to this page's origin
 */
export function absoluteUrl(path, origin = globalThis.location?.origin || '') {
  return `${origin}${path}`;
}

/**
 * @typedef {{id: string, name: string, url?: string, enabled?: boolean, [k: string]: unknown}} TargetItem
 */

/**
 * How long a loaded targets list is reused. Short: it only spares the screens that open
 * together a request each, while a change made elsewhere (another admin, the API, the
 * command line) shows within seconds.
 */
export const TARGETS_MAX_AGE_MS = 5000;

/** @type {Promise<Array<TargetItem>> | null} */
let targetsPromise = null;
let targetsLoadedAt = 0;

/**
 * The targets list, shared by every screen that needs names or ids, reused for at most
 * TARGETS_MAX_AGE_MS. A failed load is not cached. Pass `{fresh: true}` to force a reload.
 * @param {{fresh?: boolean}} [options]
 * @returns {Promise<Array<TargetItem>>}
 */
export function targets(options = {}) {
  const stale = Date.now() - targetsLoadedAt > TARGETS_MAX_AGE_MS;
  if (options.fresh || stale || !targetsPromise) {
    const loading = api.get(URLS.targets).then((page) => /** @type {Array<TargetItem>} */ (page?.items || []));
    targetsPromise = loading;
    targetsLoadedAt = Date.now();
    loading.catch(() => {
      if (targetsPromise === loading) targetsPromise = null;
    });
  }
  return targetsPromise;
}

/** Forget the cached targets (call after creating, editing or deleting one). */
export function invalidateTargets() {
  targetsPromise = null;
}

/**
 * The targets as an id → name map.
 * @returns {Promise<Map<string, string>>}
 */
export async function targetNames() {
  const items = await targets();
  return new Map(items.map((item) => [item.id, item.name || item.id]));
}
