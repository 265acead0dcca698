// The dashboard's screens, in tab order. Each module exports a mount function
// `Name(el, ctx)` returning `{update(), show?(), hide?()}`; it is imported the
// first time its tab opens.

import { addMessages } from './i18n.js';

// The Mailboxes tab's name (the shell, app.js, names the tabs as `tab.<id>`).
addMessages({ en: { 'tab.mailboxes': 'Mailboxes' }, fr: { 'tab.mailboxes': 'Boîtes mail' } });

/** @typedef {{id: string, module: string, mount: string}} ScreenSpec */

/** @type {ScreenSpec[]} */
export const SCREENS = [
  { id: 'overview', module: './screens/overview.js', mount: 'OverviewTab' },
  { id: 'deliveries', module: './screens/records/DeliveriesTab.js', mount: 'DeliveriesTab' },
  { id: 'emails', module: './screens/records/EmailsTab.js', mount: 'EmailsTab' },
  { id: 'rules', module: './screens/rules/RulesTab.js', mount: 'RulesTab' },
  { id: 'targets', module: './screens/targets/TargetsTab.js', mount: 'TargetsTab' },
  { id: 'mailboxes', module: './screens/mailboxes/MailboxesTab.js', mount: 'MailboxesTab' },
  { id: 'schedule', module: './screens/schedule/ScheduleTab.js', mount: 'ScheduleTab' },
  { id: 'preferences', module: './screens/preferences.js', mount: 'PreferencesTab' },
  { id: 'flags', module: './screens/flags.js', mount: 'FlagsTab' },
  { id: 'access', module: './screens/access/AccessTab.js', mount: 'AccessTab' },
  { id: 'tools', module: './screens/tools/ToolsTab.js', mount: 'ToolsTab' },
];

/**
 * Whether a hash is a screen route (`#/...`) rather than an in-page anchor (`#main`).
 * @param {string} hash
 */
export function isRoute(hash) {
  return hash === '' || hash === '#' || hash.startsWith('#/');
}

/**
 * `#/rules?id=r1` -> {screen: 'rules', params: {id: 'r1'}}; unknown screens fall back to the first.
 * @param {string} hash
 * @param {string[]} known
 * @returns {{screen: string, params: Record<string, string>}}
 */
export function parseRoute(hash, known) {
  const text = hash.replace(/^#\/?/, '');
  const [name, query = ''] = text.split('?');
  const params = Object.fromEntries(new URLSearchParams(query));
  return { screen: known.includes(name) ? name : known[0], params };
}

/**
 * @param {string} screen
 * @param {Record<string, string>} [params]
 */
export function routeHash(screen, params) {
  const query = new URLSearchParams(params || {}).toString();
  return `#/${screen}${query ? `?${query}` : ''}`;
}

/**
 * The tab to focus for an arrow/Home/End key in a tab list (ARIA tabs pattern).
 * @param {string} key
 * @param {number} index current tab
 * @param {number} count number of tabs
 * @returns {number|null}
 */
export function nextTabIndex(key, index, count) {
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return (index + 1) % count;
    case 'ArrowLeft':
    case 'ArrowUp':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}
