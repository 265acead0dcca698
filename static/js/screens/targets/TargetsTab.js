// Targets: the webhook receivers. The screen's state and wiring: the list (TargetList.js),
// the form to create or edit one (TargetForm.js), the test send (TestPanel.js), switching
// on/off, deleting (with what still routes to it), rotating the secret (SecretDialog.js).

import { api, withQuery } from '../../api.js';
import { h, replace } from '../../dom.js';
import { URLS, invalidateTargets, urlFor } from '../../endpoints.js';
import { t } from '../../i18n.js';
import { canLeave, confirmDialog, isDirty, loadInto, notify, runAction, setDirty } from '../../ui.js';
import { showSecret } from './SecretDialog.js';
import { targetForm } from './TargetForm.js';
import { targetTable } from './TargetList.js';
import { statsCard } from './TargetStats.js';
import { testPanel } from './TestPanel.js';
import { createBody, inUseBy, patchBody, useMessage } from './targetsLogic.js';
import './messages.js';

const SCREEN = 'targets';

/**
 * @typedef {import('./targetsLogic.js').Target} Target
 * @typedef {import('./targetsLogic.js').TargetForm} TargetFormValues
 * @typedef {import('./targetsLogic.js').RouteSource} RouteSource
 * @typedef {{items: Target[], source: RouteSource, selected: string|null, list: HTMLElement, detail: HTMLElement,
 *   load: () => Promise<void>, select: (id: string|null) => Promise<void>, render: () => void}} Screen
 *   selected: a target id, '' for the create form, null for none
 */

/** @param {Screen} s @param {Target} target @param {HTMLElement} b */
async function toggle(s, target, b) {
  const off = target.enabled;
  if (off && !(await confirmDialog(t('targets.confirm_disable', { name: target.name }), { danger: true, confirmLabel: t('targets.disable') }))) return;
  const done = await runAction(b, () => api.patch(urlFor.target(target.id), { enabled: !off }), {
    success: () => (off ? t('targets.switched_off') : t('targets.switched_on')),
  });
  if (done) await s.load();
}

/** @param {Screen} s @param {Target} target @param {HTMLElement} b */
async function rotate(s, target, b) {
  if (!(await confirmDialog(t('targets.confirm_rotate', { name: target.name }), { confirmLabel: t('targets.rotate') }))) return;
  const result = await runAction(b, () => api.post(urlFor.targetRotateSecret(target.id)), { silent: true });
  if (!result) return;
  await s.load();
  await showSecret(result.target, result.secret);
}

/**
 * Rules or the default route still name the target: say which, and offer to remove it from
 * them before deleting.
 * @param {Target} target @param {import('./targetsLogic.js').TargetUse[]} usedBy @param {HTMLElement} b
 */
async function detachAndDelete(target, usedBy, b) {
  const uses = h(
    'ul',
    { class: 'target-uses' },
    usedBy.map((use) => {
      const { key, params } = useMessage(use);
      return h('li', { text: t(key, params) });
    }),
  );
  const content = h('div', {}, uses, h('p', { class: 'help', text: t('targets.in_use.help') }));
  const confirmed = await confirmDialog(t('targets.in_use', { name: target.name }), { danger: true, confirmLabel: t('targets.detach_delete'), content });
  if (!confirmed) return undefined;
  return runAction(b, () => api.del(withQuery(urlFor.target(target.id), { detach: true })), { success: t('targets.deleted_detached') });
}

/** @param {Screen} s @param {Target} target @param {HTMLElement} b */
async function remove(s, target, b) {
  if (!(await confirmDialog(t('targets.confirm_delete', { name: target.name }), { danger: true, confirmLabel: t('targets.delete') }))) return;
  /** @type {import('./targetsLogic.js').TargetUse[]|null} */
  let usedBy = null;
  const refusedInUse = (/** @type {unknown} */ err) => {
    usedBy = inUseBy(err);
    if (!usedBy) throw err;
    return null;
  };
  let done = await runAction(b, () => api.del(urlFor.target(target.id)).catch(refusedInUse), { silent: true });
  if (usedBy) done = await detachAndDelete(target, usedBy, b);
  else if (done) notify(t('targets.deleted'), 'success');
  if (!done) return;
  if (s.selected === target.id) {
    setDirty(SCREEN, false);
    s.selected = null;
  }
  await s.load();
}

/** @param {Screen} s @param {TargetFormValues} values @param {HTMLElement} button */
async function create(s, values, button) {
  const result = await runAction(button, () => api.post(URLS.targets, createBody(values)), {
    success: (r) => t('targets.created', { name: r.target.name }),
  });
  if (!result) return false;
  setDirty(SCREEN, false);
  s.selected = result.target.id;
  await s.load();
  await showSecret(result.target, result.secret);
  return true;
}

/** @param {Screen} s @param {Target} target @param {TargetFormValues} values @param {HTMLElement} button */
async function saveChanges(s, target, values, button) {
  const body = patchBody(target, values);
  if (!Object.keys(body).length) {
    notify(t('targets.nothing'), 'info');
    return true;
  }
  const saved = await runAction(button, () => api.patch(urlFor.target(target.id), body), { success: t('targets.saved') });
  if (!saved) return false;
  setDirty(SCREEN, false);
  await s.load();
  return true;
}

/** @param {Screen} s */
function renderDetail(s) {
  if (s.selected === null) {
    replace(s.detail, h('p', { class: 'card help', text: t('targets.select') }));
    return;
  }
  const target = s.selected ? s.items.find((x) => x.id === s.selected) || null : null;
  const form = targetForm(
    target,
    { targets: s.items, source: s.source },
    {
      cancel: () => {
        s.selected = null;
        s.render();
      },
      submit: (values, button) => (target ? saveChanges(s, target, values, button) : create(s, values, button)),
    },
  );
  replace(s.detail, target ? statsCard(target) : null, h('div', { class: 'card' }, form), target ? testPanel(target) : null);
}

/**
 * @param {HTMLElement} el
 * @param {import('../../app.js').ScreenContext} _ctx
 */
export function TargetsTab(el, _ctx) {
  /** @type {Screen} */
  const s = {
    items: [],
    source: 'option',
    selected: null,
    list: h('div', { class: 'targets-list' }),
    detail: h('div', { class: 'targets-detail' }),
    load,
    select,
    render,
  };
  const actions = {
    select: (/** @type {string} */ id) => select(id),
    toggle: (/** @type {Target} */ x, /** @type {HTMLElement} */ b) => toggle(s, x, b),
    rotate: (/** @type {Target} */ x, /** @type {HTMLElement} */ b) => rotate(s, x, b),
    remove: (/** @type {Target} */ x, /** @type {HTMLElement} */ b) => remove(s, x, b),
  };
  const newButton = h('button', { type: 'button', class: 'primary', text: t('targets.new'), onclick: () => select('') });
  const head = h('div', { class: 'row' }, h('h2', { text: t('targets.title') }), h('span', { class: 'spacer' }), newButton);
  replace(el, h('div', { class: 'card config-head' }, head, h('p', { class: 'help', text: t('targets.intro') })), h('div', { class: 'split targets-split' }, s.list, s.detail));

  function render() {
    replace(s.list, targetTable(s.items, s.selected, actions));
    renderDetail(s);
  }

  /** @param {string|null} id */
  async function select(id) {
    if (id !== s.selected && !(await canLeave(SCREEN))) return;
    s.selected = id;
    render();
    /** @type {HTMLElement|null} */ (s.detail.querySelector('input:not([disabled])'))?.focus();
  }

  async function load() {
    invalidateTargets();
    await loadInto(s.list, async () => {
      const page = await api.get(URLS.targets);
      s.items = page.items;
      s.source = page.default_route?.source || 'option';
      return [];
    });
    if (s.selected && !s.items.some((x) => x.id === s.selected)) s.selected = null;
    replace(s.list, targetTable(s.items, s.selected, actions));
    if (!isDirty(SCREEN)) renderDetail(s);
  }

  return { update: load, show: () => load(), hide() {} };
}
