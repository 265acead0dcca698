// The targets table: name with its badges (environment, in the default route), the URL cut
// only between its parts, the state (on or off, and the receiver's health) and the actions.
// Below 760 px each row is drawn as a card (config.css).

import { h } from '../../dom.js';
import { formatNumber, formatPercent } from '../../formatLogic.js';
import { getLang, t, tc } from '../../i18n.js';
import { say } from '../../outcomeWords.js';
import { healthBadge, healthHistory } from '../../statusLogic.js';
import { when } from './SecretDialog.js';
import { millis } from './TargetStats.js';
import { daySummary, rateTone } from './statsLogic.js';
import { urlParts } from './targetsLogic.js';
import './messages.js';

/**
 * @typedef {import('./targetsLogic.js').Target} Target
 * @typedef {{select: (id: string) => void, toggle: (target: Target, button: HTMLElement) => unknown,
 *   rotate: (target: Target, button: HTMLElement) => unknown, remove: (target: Target, button: HTMLElement) => unknown}} RowActions
 */

/**
 * A URL that wraps only between its parts: the host never breaks, the path may wrap before
 * each `/` (a `<wbr>`), and a very long segment inside itself as a last resort.
 * @param {string} url
 */
export function urlText(url) {
  const { host, rest } = urlParts(url);
  return h(
    'span',
    { class: 'url-text', title: url },
    host ? h('span', { class: 'url-host', text: host }) : null,
    rest.map((piece) => [h('wbr'), h('span', { class: 'url-part', text: piece })]),
  );
}

/**
 * The badges beside a target's name: where it comes from, whether it gets unclaimed mail.
 * @param {Target} target
 */
export function targetBadges(target) {
  return [
    target.managed_by_env ? h('span', { class: 'badge env-badge', title: t('targets.env.title'), text: t('targets.env') }) : null,
    target.in_default_route
      ? h('span', { class: 'badge info route-badge', title: t('targets.in_default.title'), text: t('targets.in_default') })
      : null,
  ];
}

/**
 * A target's health from its last real attempt, in words: the badge, then the last success.
 * @param {import('../../statusLogic.js').Health|undefined} health
 */
function healthCell(health) {
  const badge = healthBadge(health);
  const history = healthHistory(health);
  return [
    h('span', { class: `badge ${badge.tone}`, dataset: { health: health?.state || 'untested' }, text: say(badge.phrase) }),
    history ? h('span', { class: 'help block', text: say(history) }) : null,
  ];
}

/**
 * The last 24 hours in one line: how many attempts, how many succeeded, how fast.
 * @param {Target} target
 */
function dayLine(target) {
  const lang = getLang();
  const day = daySummary(target.last_24h);
  const params = { count: day.attempts || 0, attempts: formatNumber(day.attempts || 0, lang), rate: formatPercent(day.rate, lang), p95: millis(day.p95) };
  const tone = day.attempts ? rateTone(day.rate) : '';
  return h('span', { class: `help block target-day ${tone}`, dataset: { attempts: String(day.attempts || 0) }, text: tc(day.key, params) });
}

/**
 * @param {Target} target
 * @param {RowActions} actions
 */
function rowActions(target, actions) {
  /** @param {string} key @param {(b: HTMLElement) => unknown} fn @param {string} [cls] */
  const button = (key, fn, cls = 'small') =>
    h('button', {
      type: 'button',
      class: cls,
      text: t(key),
      'aria-label': `${t(key)} — ${target.name}`,
      onclick: (/** @type {Event} */ e) => fn(/** @type {HTMLElement} */ (e.currentTarget)),
    });
  const fixed = Boolean(target.managed_by_env);
  return h(
    'div',
    { class: 'row target-actions' },
    button('targets.edit', () => actions.select(target.id)),
    button(target.enabled ? 'targets.disable' : 'targets.enable', (b) => actions.toggle(target, b)),
    fixed ? null : button('targets.rotate', (b) => actions.rotate(target, b)),
    fixed ? null : button('targets.delete', (b) => actions.remove(target, b), 'small danger'),
  );
}

/** @param {Target} target */
function urlCell(target) {
  return h(
    'td',
    { class: 'target-url' },
    h('span', { class: 'mono' }, urlText(target.url)),
    h('span', { class: 'help block', text: t('targets.secret_hint', { hint: target.secret_hint }) }),
    target.rotation_until ? h('span', { class: 'help block', text: t('targets.rotation_until', { until: when(target.rotation_until) }) }) : null,
  );
}

/**
 * @param {Target} target
 * @param {boolean} selected
 * @param {RowActions} actions
 */
function row(target, selected, actions) {
  return h(
    'tr',
    { 'aria-selected': String(selected), dataset: { target: target.id } },
    h('th', { scope: 'row' }, h('span', { class: 'target-name', text: target.name }), h('span', { class: 'target-badges' }, targetBadges(target))),
    urlCell(target),
    h(
      'td',
      { class: 'target-state' },
      h('span', { class: `badge ${target.enabled ? 'green' : 'red'}`, text: target.enabled ? t('targets.enabled') : t('targets.disabled') }),
      h('span', { class: 'target-health' }, healthCell(target.health)),
      dayLine(target),
    ),
    h('td', {}, rowActions(target, actions)),
  );
}

/**
 * The whole list, or the empty state.
 * @param {Target[]} items
 * @param {string|null} selected
 * @param {RowActions} actions
 */
export function targetTable(items, selected, actions) {
  if (!items.length) return h('p', { class: 'card', text: t('targets.empty') });
  const head = ['name', 'url', 'state', 'actions'].map((c) => h('th', { scope: 'col', text: t(`targets.col.${c}`) }));
  return h(
    'div',
    { class: 'table-wrap card' },
    h(
      'table',
      { class: 'targets-table' },
      h('thead', {}, h('tr', {}, head)),
      h('tbody', {}, items.map((target) => row(target, selected === target.id, actions))),
    ),
  );
}
