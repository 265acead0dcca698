// The first-run checklist on the Overview: add a target, send a test, connect the Apps Script
// (its ingress address and where its token is), a first email through, Gmail push (optional).
// Each step ticks itself from what the server reports; the card goes once every required step
// is done, and can be hidden before that (remembered in this browser).

import { copyBox } from '../../accessWidgets.js';
import { h, replace } from '../../dom.js';
import { URLS, absoluteUrl } from '../../endpoints.js';
import { t } from '../../i18n.js';
import { setupPending } from '../../overviewLogic.js';
import { routeHash } from '../../screens.js';

/** @typedef {import('../../overviewLogic.js').SetupStep} SetupStep */

const DISMISSED_KEY = 'relais.setup.hidden';

/** Where each step is done. */
const LINKS = /** @type {Record<string, string>} */ ({ target: 'targets', test: 'targets', first_email: 'emails', gmail: 'mailboxes' });

/** @returns {boolean} */
export function setupHidden() {
  try {
    return globalThis.localStorage?.getItem(DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

/** @param {boolean} hidden */
function rememberHidden(hidden) {
  try {
    if (hidden) globalThis.localStorage?.setItem(DISMISSED_KEY, '1');
    else globalThis.localStorage?.removeItem(DISMISSED_KEY);
  } catch {
    // Private mode: hidden for this page only.
  }
}

/** The Apps Script step's details: the address to paste and where the token is. */
function ingressDetails() {
  const origin = globalThis.location?.origin || '';
  return [
    h('p', { text: t('setup.ingress.text', { origin }) }),
    copyBox(t('setup.ingress.url'), absoluteUrl(URLS.ingressGmail, origin)),
    h('p', { class: 'help', text: t('setup.ingress.token') }),
  ];
}

/**
 * A step's badge: done, to do, or optional.
 * @param {SetupStep} step
 */
function stepBadge(step) {
  if (step.done) return h('span', { class: 'badge ok', text: t('setup.done') });
  return h('span', { class: `badge ${step.optional ? '' : 'warn'}`.trim(), text: t(step.optional ? 'setup.optional' : 'setup.todo') });
}

/**
 * What to do for a step not done yet, and where.
 * @param {SetupStep} step
 */
function stepHelp(step) {
  if (step.done) return null;
  const link = LINKS[step.id];
  const text = t(`setup.${step.id}.${step.waiting ? 'waiting' : 'text'}`);
  return [
    step.id === 'ingress' ? ingressDetails() : h('p', { text }),
    link ? h('a', { href: routeHash(link), text: t(`setup.${step.id}.link`) }) : null,
  ];
}

/** @param {SetupStep} step */
function stepItem(step) {
  const state = step.done ? 'done' : 'todo';
  return h(
    'li',
    { class: `setup-step ${state}`, dataset: { step: step.id, state } },
    h('span', { class: 'setup-mark', 'aria-hidden': 'true', text: step.done ? '✓' : '' }),
    h('div', { class: 'setup-body' }, h('p', { class: 'setup-head' }, h('strong', { text: t(`setup.${step.id}.title`) }), ' ', stepBadge(step)), stepHelp(step)),
  );
}

/**
 * The checklist's place on the Overview: `show(steps)` draws it, or a small "show the steps"
 * button when it was hidden, or nothing once every required step is done.
 * @returns {{node: HTMLElement, show: (steps: SetupStep[]) => void}}
 */
export function checklist() {
  const node = h('div', { class: 'setup-slot' });
  /** @type {SetupStep[]} */
  let last = [];

  function render() {
    if (!setupPending(last)) return replace(node);
    if (setupHidden()) {
      return replace(node, h('p', { class: 'setup-again' }, h('button', { type: 'button', class: 'link', text: t('setup.show'), onclick: () => toggle(false) })));
    }
    const required = last.filter((s) => !s.optional);
    const done = required.filter((s) => s.done).length;
    return replace(
      node,
      h(
        'section',
        { class: 'card setup', 'aria-labelledby': 'setup-title' },
        h(
          'div',
          { class: 'row setup-top' },
          h('h3', { id: 'setup-title', text: t('setup.title') }),
          h('span', { class: 'help', text: t('setup.progress', { done, total: required.length }) }),
          h('span', { class: 'spacer' }),
          h('button', { type: 'button', class: 'small', text: t('setup.dismiss'), onclick: () => toggle(true) }),
        ),
        h('p', { class: 'help', text: t('setup.intro') }),
        h('ol', { class: 'setup-steps' }, last.map(stepItem)),
      ),
    );
  }

  /** @param {boolean} hidden */
  function toggle(hidden) {
    rememberHidden(hidden);
    render();
    /** @type {HTMLElement|null} */ (node.querySelector(hidden ? 'button' : '#setup-title'))?.focus();
  }

  return {
    node,
    show(steps) {
      last = steps;
      render();
    },
  };
}
