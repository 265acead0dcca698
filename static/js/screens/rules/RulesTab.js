// The Rules screen: its state and wiring. The ordered list and the default route
// (RuleList.js) save each change at once; the editor (RuleEditor.js) saves with "Save rule";
// the dry run (DryRun.js) tries the rules shown here without saving. Saves go one after
// the other with the version last read; a 409 keeps the change on screen and offers a reload.

import { ApiError, api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { URLS, targets as loadTargets } from '../../endpoints.js';
import { t } from '../../i18n.js';
import { confirmDialog, errorText, notify, runAction, setDirty } from '../../ui.js';
import { dryRunCard } from './DryRun.js';
import { RuleEditor } from './RuleEditor.js';
import { defaultRouteSection, ruleItems, ruleName } from './RuleList.js';
import { blankRule, moveItem, normalizeRule, sameJson } from './ruleModel.js';
import { placeServerErrors, ruleIndexInMessage, validateRule } from './ruleChecks.js';
import './messages.js';
import './dryrun.messages.js';

const SCREEN = 'rules';

/**
 * @typedef {import('./ruleModel.js').Rule} Rule
 * @typedef {import('./ruleModel.js').RuleSet} RuleSet
 * @typedef {import('./RuleEditor.js').TargetChoice & {inRoute?: boolean}} TargetChoice
 * @typedef {import('./RuleList.js').ServerErrors} ServerErrors
 * @typedef {{version: number, document: any}} Saved
 * @typedef {{index: number|null, editor: ReturnType<typeof RuleEditor>, start: Rule, current: Rule}} Editing
 * @typedef {{live: HTMLElement, status: HTMLElement, conflictBox: HTMLElement, errorBox: HTMLElement,
 *   list: HTMLElement, defaultHost: HTMLElement, editorHost: HTMLElement, newButton: HTMLElement}} Elements
 * @typedef {{saved: Saved|null, draft: RuleSet, targets: TargetChoice[], editing: Editing|null, errors: ServerErrors,
 *   conflict: boolean, queue: Promise<unknown>, drag: {from: number|null}, els: Elements}} State
 */

/** @param {any} doc @returns {RuleSet} */
function normalizeSet(doc) {
  const route = doc.default_route || {};
  return {
    rules: (doc.rules || []).map(normalizeRule),
    default_route: { action: route.action || 'default_targets', targets: (route.targets || []).slice() },
  };
}

const noErrors = () => ({ rules: {}, other: [] });

/** @param {State} s */
const savedSet = (s) => normalizeSet(s.saved ? s.saved.document : {});

/** @param {State} s whether anything on screen differs from the saved rules */
function isChanged(s) {
  const editorChanged = s.editing !== null && !sameJson(s.editing.start, s.editing.current);
  return editorChanged || !sameJson(s.draft, savedSet(s));
}

/** @param {State} s */
function markDirty(s) {
  const changed = isChanged(s);
  setDirty(SCREEN, changed);
  s.els.status.className = changed ? 'badge warn rules-status' : 'badge ok rules-status';
  s.els.status.textContent = changed ? t('rules.unsaved') : t('rules.up_to_date', { version: s.saved ? s.saved.version : 0 });
}

/** The rule set to save or try: the list with the rule being edited applied. @param {State} s */
function workingSet(s) {
  const set = structuredClone(s.draft);
  if (!s.editing) return set;
  const rule = normalizeRule(s.editing.current);
  if (s.editing.index === null) set.rules.push(rule);
  else set.rules[s.editing.index] = rule;
  return set;
}

/** @param {ApiError} err */
function serverPlacement(err) {
  const placed = placeServerErrors(/** @type {any} */ (err.body.details) || []);
  const named = ruleIndexInMessage(err.message);
  if (named !== null) (placed.rules[named] ||= { messages: [], conditions: {} }).messages.push(err.message);
  else if (!err.body.details) placed.other.push(err.message);
  return placed;
}

/** @param {State} s */
function renderConflict(s) {
  const box = s.els.conflictBox;
  box.hidden = !s.conflict;
  if (!s.conflict) return replace(box);
  const reload = h('button', { type: 'button', class: 'danger', text: t('rules.reload') });
  reload.addEventListener('click', () => runAction(reload, () => load(s), { success: t('rules.reloaded') }));
  replace(box, h('div', { class: 'banner amber', role: 'alert' }, h('p', { text: t('rules.conflict') }), h('div', { class: 'row' }, reload)));
}

/** Everything but the editor, the focus kept on the control that had it. @param {State} s */
function render(s) {
  const focused = document.activeElement?.id;
  renderConflict(s);
  s.els.errorBox.hidden = s.errors.other.length === 0;
  replace(s.els.errorBox, h('div', { class: 'banner red' }, s.errors.other.map((m) => h('p', { text: m }))));
  renderList(s);
  renderDefault(s);
  markDirty(s);
  if (focused && !document.activeElement?.id) document.getElementById(focused)?.focus();
}

/** @param {State} s */
function renderList(s) {
  const handlers = {
    move: (/** @type {number} */ from, /** @type {number} */ to, /** @type {'handle'|'up'|'down'|null} */ focus) => move(s, from, to, focus),
    toggle: (/** @type {number} */ i, /** @type {HTMLInputElement} */ box) => toggleRule(s, i, box),
    edit: (/** @type {number} */ i) => openEditor(s, i),
    remove: (/** @type {number} */ i, /** @type {HTMLButtonElement} */ b) => deleteRule(s, i, b),
  };
  replace(s.els.list, ruleItems({ rules: s.draft.rules, errors: s.errors, targets: s.targets, handlers, drag: s.drag, list: s.els.list }));
}

/** @param {State} s */
function renderDefault(s) {
  replace(
    s.els.defaultHost,
    defaultRouteSection(s.draft.default_route, s.targets, (route, control) => {
      if (busyEditing(s)) return renderDefault(s);
      s.draft.default_route = route;
      renderDefault(s);
      save(s, control, (r) => t('rules.default.saved', { version: r.version }));
    }),
  );
}

/** @param {State} s */
async function load(s) {
  const [doc, items] = await Promise.all([api.get(URLS.routingRules), loadTargets({ fresh: true })]);
  s.targets = items.map((x) => ({ id: x.id, name: x.name || x.id, env: Boolean(x.managed_by_env), inRoute: /** @type {any} */ (x.options)?.default !== false }));
  Object.assign(s, { saved: doc, draft: normalizeSet(doc.document), errors: noErrors(), conflict: false });
  closeEditor(s);
  render(s);
}

/**
 * PUT a set with the version last read. 409: the conflict banner, the change kept on screen;
 * 422: the details placed on the rules. Errors are rethrown for runAction.
 * @param {State} s @param {RuleSet} set @param {RuleSet} draftAtStart
 */
async function saveSet(s, set, draftAtStart) {
  try {
    const before = s.saved ? s.saved.version : null;
    const result = await api.put(URLS.routingRules, { version: before, document: set });
    s.saved = result;
    // A change made while this save was on its way stays on screen (its own save follows).
    if (sameJson(s.draft, draftAtStart)) s.draft = savedSet(s);
    Object.assign(s, { errors: noErrors(), conflict: false });
    return { ...result, unchanged: result.version === before };
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) s.conflict = true;
    if (err instanceof ApiError && err.status === 422) s.errors = serverPlacement(err);
    throw err;
  } finally {
    render(s);
  }
}

/**
 * Save after the saves already on their way (each reads the version the previous one left).
 * @param {State} s
 * @param {HTMLElement|null} control busy meanwhile
 * @param {(r: {version: number}) => string} success
 * @param {() => RuleSet} [makeSet] the set to save, taken when its turn comes
 */
async function save(s, control, success, makeSet = () => structuredClone(s.draft)) {
  const run = s.queue.then(() => saveSet(s, makeSet(), structuredClone(s.draft)));
  s.queue = run.catch(() => undefined);
  // A 409 is told by the conflict banner (with its reload button), not by a second notice.
  const conflict = (/** @type {unknown} */ err) => {
    if (err instanceof ApiError && err.status === 409) return null;
    throw err;
  };
  const result = await runAction(control, () => run.catch(conflict), { silent: true });
  if (result) notify(result.unchanged ? t('rules.nothing') : success(result), result.unchanged ? 'info' : 'success');
  return result || undefined;
}

/** The list waits while a rule is being edited (its save takes the list with it). @param {State} s */
function busyEditing(s) {
  if (!s.editing) return false;
  notify(t('rules.editor_open'), 'info');
  s.editing.editor.focus();
  return true;
}

/**
 * @param {State} s @param {number} from @param {number} to
 * @param {'handle'|'up'|'down'|null} focus which control of the moved rule gets the focus
 */
function move(s, from, to, focus) {
  if (busyEditing(s)) return;
  const rule = s.draft.rules[from];
  s.draft.rules = moveItem(s.draft.rules, from, to);
  s.errors = { rules: {}, other: s.errors.other };
  renderList(s);
  markDirty(s);
  const landed = s.draft.rules.indexOf(rule);
  s.els.live.textContent = t('rules.moved', { name: ruleName(rule), position: landed + 1 });
  const wanted = focus ? document.getElementById(`rules-${focus}-${landed}`) : null;
  const target = wanted && !(/** @type {HTMLButtonElement} */ (wanted).disabled) ? wanted : document.getElementById(`rules-handle-${landed}`);
  if (focus) target?.focus();
  save(s, null, (r) => t('rules.saved', { version: r.version }));
}

/** @param {State} s @param {number} index @param {HTMLInputElement} box */
async function toggleRule(s, index, box) {
  if (busyEditing(s)) {
    box.checked = !box.checked;
    return;
  }
  const rule = s.draft.rules[index];
  rule.enabled = box.checked;
  const state = box.checked ? t('rules.state.on') : t('rules.state.off');
  await save(s, box, () => t('rules.toggle_saved', { name: ruleName(rule), state }));
  document.getElementById(`rules-enabled-${index}`)?.focus();
}

/** @param {State} s @param {number} index @param {HTMLButtonElement} button */
async function deleteRule(s, index, button) {
  if (busyEditing(s)) return;
  const name = ruleName(s.draft.rules[index]);
  if (!(await confirmDialog(t('rules.delete_confirm', { name }), { confirmLabel: t('rules.delete'), danger: true }))) return;
  s.draft.rules.splice(index, 1);
  render(s);
  await save(s, button, () => t('rules.deleted', { name }));
  /** @type {HTMLElement|null} */ (s.els.list.querySelector('button'))?.focus();
}

/** @param {State} s @param {number|null} index null for a new rule */
function openEditor(s, index) {
  if (busyEditing(s)) return;
  const ids = s.draft.rules.map((r) => r.id);
  const start = index === null ? blankRule(ids, s.targets.map((tg) => tg.id)) : structuredClone(s.draft.rules[index]);
  s.els.editorHost.hidden = false;
  const editor = RuleEditor(s.els.editorHost, {
    rule: start,
    isNew: index === null,
    targets: s.targets,
    otherIds: ids.filter((_, i) => i !== index),
    onChange: (rule) => {
      if (s.editing) s.editing.current = rule;
      markDirty(s);
    },
    onSave: (_rule, button) => saveEditor(s, button),
    onCancel: () => {
      closeEditor(s);
      markDirty(s);
      (index === null ? s.els.newButton : document.getElementById(`rules-handle-${index}`))?.focus();
    },
  });
  s.editing = { index, editor, start: structuredClone(start), current: structuredClone(start) };
  if (index !== null && s.errors.rules[index]) editor.setServerErrors(s.errors.rules[index]);
  markDirty(s);
  s.els.editorHost.scrollIntoView?.({ block: 'nearest' });
  editor.focus();
}

/** @param {State} s */
function closeEditor(s) {
  s.editing = null;
  s.els.editorHost.hidden = true;
  replace(s.els.editorHost);
}

/**
 * "Save rule": checked in the page first (nothing is sent when a field is wrong), then the
 * rules are saved with it.
 * @param {State} s @param {HTMLButtonElement} button
 */
async function saveEditor(s, button) {
  const session = s.editing;
  if (!session) return;
  if (!session.editor.validate()) {
    s.els.live.textContent = t('rules.form.has_errors');
    return;
  }
  const index = session.index ?? s.draft.rules.length;
  const result = await save(s, button, (r) => t('rules.saved', { version: r.version }), () => workingSet(s));
  if (result) {
    closeEditor(s);
    markDirty(s);
    document.getElementById(`rules-handle-${index}`)?.focus();
  } else if (s.editing === session && s.errors.rules[index]) session.editor.setServerErrors(s.errors.rules[index]);
}

/** What the dry run needs from the screen. @param {State} s @returns {import('./DryRun.js').DryRunContext} */
function dryRunContext(s) {
  const names = () => new Map([...savedSet(s).rules, ...workingSet(s).rules].map((r) => [r.id, ruleName(r)]));
  return {
    draft() {
      const editing = s.editing;
      const others = s.draft.rules.filter((_, i) => i !== editing?.index).map((r) => r.id);
      if (editing && validateRule(editing.current, others)) {
        editing.editor.validate();
        notify(t('rules.dry.fix_editor'), 'error');
        return null;
      }
      return workingSet(s);
    },
    placeErrors(err) {
      if (!(err instanceof ApiError && err.status === 422 && err.body.details)) return;
      s.errors = serverPlacement(err);
      renderList(s);
      const index = s.editing ? (s.editing.index ?? s.draft.rules.length) : null;
      if (s.editing && index !== null && s.errors.rules[index]) s.editing.editor.setServerErrors(s.errors.rules[index]);
    },
    hasEdits: () => isChanged(s),
    targetName: (id) => s.targets.find((x) => x.id === id)?.name || id,
    ruleName: (id) => names().get(id) || id,
  };
}

/**
 * Mount the Rules screen.
 * @param {HTMLElement} el
 * @param {any} _ctx
 */
export function RulesTab(el, _ctx) {
  /** @type {State} */
  const s = {
    saved: null,
    draft: normalizeSet({}),
    targets: [],
    editing: null,
    errors: noErrors(),
    conflict: false,
    queue: Promise.resolve(),
    drag: { from: null },
    els: {
      live: h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' }),
      status: h('span', { class: 'rules-status' }),
      conflictBox: h('div', { hidden: true }),
      errorBox: h('div', { hidden: true }),
      list: h('ol', { class: 'sortable rules-list', 'aria-label': t('rules.list_label') }),
      defaultHost: h('div', { class: 'rules-default' }),
      editorHost: h('div', { class: 'card rules-editor', hidden: true }),
      newButton: h('button', { type: 'button', class: 'primary', text: t('rules.new') }),
    },
  };
  const { els } = s;
  els.newButton.addEventListener('click', () => openEditor(s, null));
  const main = h(
    'section',
    { class: 'card', 'aria-labelledby': 'rules-title' },
    h('h2', { id: 'rules-title', text: t('rules.title') }),
    h('p', { class: 'help', id: 'rules-intro', text: t('rules.intro') }),
    els.conflictBox,
    els.errorBox,
    h('div', { class: 'toolbar rules-toolbar' }, els.newButton, els.status),
    els.list,
    els.live,
    els.defaultHost,
  );
  replace(el, h('div', { class: 'split rules-split' }, h('div', { class: 'rules-main' }, main, els.editorHost), dryRunCard(dryRunContext(s))));
  const reload = () => load(s).catch((err) => notify(errorText(err), 'error'));
  return {
    update: reload,
    /** @param {Record<string, string>} params `id` opens that rule in the editor (links from traces) */
    async show(params) {
      // Fresh data each time the tab is shown, unless that would throw away edits.
      if (!s.saved || !isChanged(s)) await reload();
      const index = params?.id ? s.draft.rules.findIndex((r) => r.id === params.id) : -1;
      if (index >= 0 && !s.editing) openEditor(s, index);
    },
    hide() {},
  };
}
