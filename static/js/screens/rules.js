// The Rules screen: the ordered rules with enable switches, reordering by drag-and-drop
// and by keyboard, the editor, saving with version-conflict handling, and the dry run.

import { ApiError, api } from '../api.js';
import { h, replace, uid } from '../dom.js';
import { addMessages, t } from '../i18n.js';
import { RuleEditor, operatorLabel } from '../rulesForm.js';
import {
  blankRule,
  conditionText,
  dropIndex,
  keyboardMove,
  moveItem,
  normalizeRule,
  placeServerErrors,
  replayRows,
  ruleIndexInMessage,
  sameJson,
  sampleEmail,
  validateRule,
} from '../rulesLogic.js';
import { confirmDialog, errorText, notify, runAction, setDirty } from '../ui.js';

addMessages({
  en: {
    'rules.title': 'Routing rules',
    'rules.intro': 'Rules are tried from top to bottom. Drag a rule by its handle, or focus the handle and press Alt+↑ / Alt+↓, to change the order.',
    'rules.list_label': 'Rules, in the order they are tried',
    'rules.empty': 'No rule yet: every email goes to the default route.',
    'rules.new': 'New rule',
    'rules.save': 'Save rules',
    'rules.discard': 'Discard changes',
    'rules.discard_confirm': 'Discard every change not saved yet?',
    'rules.saved': 'Rules saved (version {version}).',
    'rules.unsaved': 'Unsaved changes',
    'rules.up_to_date': 'Saved, version {version}',
    'rules.handle': 'Move rule “{name}” (Alt+arrow keys)',
    'rules.move_up': 'Move “{name}” up',
    'rules.move_down': 'Move “{name}” down',
    'rules.moved': 'Rule “{name}” moved to position {position}.',
    'rules.enabled': 'Enabled',
    'rules.enable_label': 'Rule “{name}” enabled',
    'rules.toggle_saved': 'Rule “{name}” is now {state}.',
    'rules.state.on': 'on',
    'rules.state.off': 'off',
    'rules.edit': 'Edit',
    'rules.edit_label': 'Edit rule “{name}”',
    'rules.delete': 'Delete',
    'rules.delete_label': 'Delete rule “{name}”',
    'rules.delete_confirm': 'Delete the rule “{name}”? This saves the rules.',
    'rules.deleted': 'Rule “{name}” deleted.',
    'rules.disabled_badge': 'off',
    'rules.and': ' and ',
    'rules.or': ' or ',
    'rules.arrow_targets': '→ {targets}',
    'rules.continue': 'then continue',
    'rules.conflict': 'Someone else saved these rules meanwhile. Your edits are still shown below; to see theirs, reload (this discards your edits).',
    'rules.reload': 'Reload their version (discard mine)',
    'rules.reloaded': 'Rules reloaded.',
    'rules.invalid': 'The server refused these rules: see the messages next to the rules.',
    'rules.default.title': 'When no rule matches',
    'rules.default.action': 'Default route',
    'rules.default.default_targets': 'Send to the default targets',
    'rules.default.drop': 'Drop the email',
    'rules.default.targets': 'Default targets',
    'rules.default.targets_help': 'None checked: the targets marked “default” in Targets.',
    'rules.editor_open': 'Finish or cancel the rule being edited first.',
    'rules.dry.title': 'Dry run',
    'rules.dry.intro': 'Runs the rules as edited here, saved or not, without sending anything.',
    'rules.dry.source': 'Email to test',
    'rules.dry.paste': 'Paste an email',
    'rules.dry.pick': 'Pick a recent email',
    'rules.dry.recent': 'Recent email',
    'rules.dry.no_recent': 'No email received yet.',
    'rules.dry.sender': 'Sender',
    'rules.dry.subject': 'Subject',
    'rules.dry.body': 'Body',
    'rules.dry.to': 'To',
    'rules.dry.cc': 'Cc',
    'rules.dry.labels': 'Gmail labels (comma-separated)',
    'rules.dry.headers': 'Headers (one “Name: value” per line)',
    'rules.dry.attachment': 'Has attachments',
    'rules.dry.run': 'Run the dry run',
    'rules.dry.sender_required': 'Give a sender.',
    'rules.dry.fix_editor': 'The rule being edited has errors: fix them before a dry run.',
    'rules.dry.result': 'Result',
    'rules.dry.status': 'Status',
    'rules.dry.targets': 'Targets',
    'rules.dry.matched': 'Matched rules',
    'rules.dry.default_used': 'Default route used',
    'rules.dry.dropped': 'Dropped',
    'rules.dry.priority': 'Priority',
    'rules.dry.window_policy': 'Window policy',
    'rules.dry.yes': 'yes',
    'rules.dry.no': 'no',
    'rules.dry.none': 'none',
    'rules.dry.trace': 'Trace, rule by rule',
    'rules.dry.col.rule': 'Rule',
    'rules.dry.col.result': 'Result',
    'rules.dry.col.reason': 'Why',
    'rules.dry.matched_badge': 'matched',
    'rules.dry.not_matched': 'no match',
    'rules.dry.skipped': 'skipped',
    'rules.dry.no_trace': 'No rule was tried.',
    'rules.dry.ran': 'Dry run done.',
    'rules.replay.title': 'What would change on the last emails',
    'rules.replay.count': 'Number of recent emails',
    'rules.replay.run': 'Show what would change',
    'rules.replay.summary': '{evaluated} emails evaluated, {changed} would change.',
    'rules.replay.stopped': 'Stopped after {evaluated} of {requested} emails (time limit): the older ones were not evaluated.',
    'rules.replay.none': 'No decision would change.',
    'rules.replay.col.email': 'Email',
    'rules.replay.col.before': 'Current decision',
    'rules.replay.col.after': 'With the edited rules',
    'rules.replay.changed': 'changed',
    'rules.replay.caption': 'Decisions before and after the edits',
    'rules.replay.unchanged': 'unchanged',
    'rules.replay.part.status': 'status',
    'rules.replay.part.targets': 'targets',
    'rules.replay.part.rules': 'rules',
  },
  fr: {
    'rules.title': 'Règles de routage',
    'rules.intro': "Les règles sont essayées de haut en bas. Faites glisser une règle par sa poignée, ou placez le focus sur la poignée et appuyez sur Alt+↑ / Alt+↓, pour changer l'ordre.",
    'rules.list_label': "Règles, dans leur ordre d'essai",
    'rules.empty': 'Aucune règle : tous les e-mails suivent la route par défaut.',
    'rules.new': 'Nouvelle règle',
    'rules.save': 'Enregistrer les règles',
    'rules.discard': 'Annuler les modifications',
    'rules.discard_confirm': 'Abandonner toutes les modifications non enregistrées ?',
    'rules.saved': 'Règles enregistrées (version {version}).',
    'rules.unsaved': 'Modifications non enregistrées',
    'rules.up_to_date': 'Enregistré, version {version}',
    'rules.handle': 'Déplacer la règle « {name} » (Alt+flèches)',
    'rules.move_up': 'Monter « {name} »',
    'rules.move_down': 'Descendre « {name} »',
    'rules.moved': 'Règle « {name} » déplacée en position {position}.',
    'rules.enabled': 'Active',
    'rules.enable_label': 'Règle « {name} » active',
    'rules.toggle_saved': 'La règle « {name} » est maintenant {state}.',
    'rules.state.on': 'active',
    'rules.state.off': 'désactivée',
    'rules.edit': 'Modifier',
    'rules.edit_label': 'Modifier la règle « {name} »',
    'rules.delete': 'Supprimer',
    'rules.delete_label': 'Supprimer la règle « {name} »',
    'rules.delete_confirm': 'Supprimer la règle « {name} » ? Les règles seront enregistrées.',
    'rules.deleted': 'Règle « {name} » supprimée.',
    'rules.disabled_badge': 'désactivée',
    'rules.and': ' et ',
    'rules.or': ' ou ',
    'rules.arrow_targets': '→ {targets}',
    'rules.continue': 'puis continuer',
    'rules.conflict': "Quelqu'un d'autre a enregistré ces règles entre-temps. Vos modifications restent affichées ci-dessous ; pour voir les siennes, rechargez (vos modifications seront perdues).",
    'rules.reload': 'Recharger sa version (abandonner la mienne)',
    'rules.reloaded': 'Règles rechargées.',
    'rules.invalid': 'Le serveur a refusé ces règles : voyez les messages à côté des règles.',
    'rules.default.title': "Quand aucune règle ne s'applique",
    'rules.default.action': 'Route par défaut',
    'rules.default.default_targets': 'Envoyer aux cibles par défaut',
    'rules.default.drop': "Abandonner l'e-mail",
    'rules.default.targets': 'Cibles par défaut',
    'rules.default.targets_help': 'Aucune cochée : les cibles marquées « par défaut » dans Cibles.',
    'rules.editor_open': "Terminez ou annulez d'abord la règle en cours de modification.",
    'rules.dry.title': 'Essai à blanc',
    'rules.dry.intro': 'Applique les règles telles que modifiées ici, enregistrées ou non, sans rien envoyer.',
    'rules.dry.source': 'E-mail à tester',
    'rules.dry.paste': 'Coller un e-mail',
    'rules.dry.pick': 'Choisir un e-mail récent',
    'rules.dry.recent': 'E-mail récent',
    'rules.dry.no_recent': "Aucun e-mail reçu pour l'instant.",
    'rules.dry.sender': 'Expéditeur',
    'rules.dry.subject': 'Objet',
    'rules.dry.body': 'Corps',
    'rules.dry.to': 'À',
    'rules.dry.cc': 'Cc',
    'rules.dry.labels': 'Libellés Gmail (séparés par des virgules)',
    'rules.dry.headers': 'En-têtes (un « Nom: valeur » par ligne)',
    'rules.dry.attachment': 'Contient des pièces jointes',
    'rules.dry.run': "Lancer l'essai",
    'rules.dry.sender_required': 'Indiquez un expéditeur.',
    'rules.dry.fix_editor': "La règle en cours de modification contient des erreurs : corrigez-les avant l'essai.",
    'rules.dry.result': 'Résultat',
    'rules.dry.status': 'Statut',
    'rules.dry.targets': 'Cibles',
    'rules.dry.matched': 'Règles appliquées',
    'rules.dry.default_used': 'Route par défaut utilisée',
    'rules.dry.dropped': 'Abandonné',
    'rules.dry.priority': 'Priorité',
    'rules.dry.window_policy': 'Politique hors plage',
    'rules.dry.yes': 'oui',
    'rules.dry.no': 'non',
    'rules.dry.none': 'aucune',
    'rules.dry.trace': 'Trace, règle par règle',
    'rules.dry.col.rule': 'Règle',
    'rules.dry.col.result': 'Résultat',
    'rules.dry.col.reason': 'Pourquoi',
    'rules.dry.matched_badge': 'appliquée',
    'rules.dry.not_matched': 'non applicable',
    'rules.dry.skipped': 'ignorée',
    'rules.dry.no_trace': "Aucune règle n'a été essayée.",
    'rules.dry.ran': 'Essai terminé.',
    'rules.replay.title': 'Ce qui changerait sur les derniers e-mails',
    'rules.replay.count': "Nombre d'e-mails récents",
    'rules.replay.run': 'Voir ce qui changerait',
    'rules.replay.summary': '{evaluated} e-mails évalués, {changed} changeraient.',
    'rules.replay.stopped': 'Arrêté après {evaluated} e-mails sur {requested} (limite de temps) : les plus anciens n’ont pas été évalués.',
    'rules.replay.none': 'Aucune décision ne changerait.',
    'rules.replay.col.email': 'E-mail',
    'rules.replay.col.before': 'Décision actuelle',
    'rules.replay.col.after': 'Avec les règles modifiées',
    'rules.replay.changed': 'modifié',
    'rules.replay.caption': 'Décisions avant et après les modifications',
    'rules.replay.unchanged': 'inchangé',
    'rules.replay.part.status': 'statut',
    'rules.replay.part.targets': 'cibles',
    'rules.replay.part.rules': 'règles',
  },
});

const SCREEN = 'rules';
const PATH = '/api/routing_rules';

/**
 * @typedef {import('../rulesLogic.js').Rule} Rule
 * @typedef {import('../rulesLogic.js').RuleSet} RuleSet
 * @typedef {{id: string, name: string}} TargetChoice
 */

/** @param {any} doc @returns {RuleSet} */
function normalizeSet(doc) {
  return {
    rules: (doc.rules || []).map(normalizeRule),
    default_route: {
      action: doc.default_route?.action || 'default_targets',
      targets: (doc.default_route?.targets || []).slice(),
    },
  };
}

/** @param {Rule} rule */
function ruleName(rule) {
  return rule.name || rule.id;
}

/**
 * Mount the Rules screen.
 * @param {HTMLElement} el
 * @param {any} _ctx
 */
export function RulesTab(el, _ctx) {
  /** @type {{version: number, document: RuleSet}|null} */
  let saved = null;
  /** @type {RuleSet} */
  let draft = { rules: [], default_route: { action: 'default_targets', targets: [] } };
  /** @type {TargetChoice[]} */
  let targets = [];
  /** @type {{index: number|null, editor: ReturnType<typeof RuleEditor>, start: Rule, current: Rule}|null} */
  let editing = null;
  /** @type {ReturnType<typeof placeServerErrors>} */
  let serverErrors = { rules: {}, other: [] };
  let conflict = false;
  /** @type {number|null} */
  let dragFrom = null;

  const live = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const status = h('span', { class: 'rules-status' });
  const conflictBox = h('div', { hidden: true });
  const errorBox = h('div', { hidden: true });
  const list = h('ol', { class: 'sortable rules-list', 'aria-label': t('rules.list_label') });
  const defaultHost = h('div', { class: 'rules-default' });
  const editorHost = h('div', { class: 'card rules-editor', hidden: true });
  const newButton = h('button', { type: 'button', text: t('rules.new'), onclick: () => openEditor(null) });
  const saveButton = h('button', {
    type: 'button',
    class: 'primary',
    text: t('rules.save'),
    onclick: (/** @type {Event} */ e) => saveFrom(/** @type {HTMLButtonElement} */ (e.currentTarget)),
  });
  const discardButton = h('button', { type: 'button', text: t('rules.discard'), onclick: discard });
  const dry = dryRunCard();

  replace(
    el,
    h(
      'div',
      { class: 'split rules-split' },
      h(
        'div',
        { class: 'rules-main' },
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'rules-title' },
          h('h2', { id: 'rules-title', text: t('rules.title') }),
          h('p', { class: 'help', id: 'rules-intro', text: t('rules.intro') }),
          conflictBox,
          errorBox,
          h('div', { class: 'toolbar rules-toolbar' }, newButton, saveButton, discardButton, status),
          list,
          live,
          defaultHost,
        ),
        editorHost,
      ),
      dry.element,
    ),
  );

  // ---- state helpers ------------------------------------------------------------------------

  function savedSet() {
    return saved ? normalizeSet(saved.document) : normalizeSet({});
  }

  function isChanged() {
    const editorChanged = editing !== null && !sameJson(editing.start, editing.current);
    return editorChanged || !sameJson(draft, savedSet());
  }

  function markDirty() {
    const changed = isChanged();
    setDirty(SCREEN, changed);
    status.className = changed ? 'badge warn rules-status' : 'badge ok rules-status';
    status.textContent = changed ? t('rules.unsaved') : t('rules.up_to_date', { version: saved ? saved.version : 0 });
    discardButton.disabled = !changed;
  }

  /** The rule set to save or test: the draft with the rule being edited applied. */
  function workingSet() {
    if (!editing) return structuredClone(draft);
    const set = structuredClone(draft);
    const rule = normalizeRule(editing.current);
    if (editing.index === null) set.rules.push(rule);
    else set.rules[editing.index] = rule;
    return set;
  }

  // ---- loading ------------------------------------------------------------------------------

  async function load() {
    const [doc, targetPage] = await Promise.all([api.get(PATH), api.get('/api/targets')]);
    targets = (targetPage.items || []).map((/** @type {any} */ tg) => ({ id: tg.id, name: tg.name || tg.id }));
    saved = doc;
    draft = savedSet();
    serverErrors = { rules: {}, other: [] };
    conflict = false;
    closeEditor();
    render();
  }

  // ---- rendering ----------------------------------------------------------------------------

  function render() {
    renderConflict();
    renderErrors();
    renderList();
    renderDefault();
    markDirty();
  }

  function renderConflict() {
    conflictBox.hidden = !conflict;
    if (!conflict) return replace(conflictBox);
    const reload = h('button', {
      type: 'button',
      class: 'danger',
      text: t('rules.reload'),
      onclick: (/** @type {Event} */ e) =>
        runAction(/** @type {HTMLButtonElement} */ (e.currentTarget), load, { success: t('rules.reloaded') }),
    });
    replace(
      conflictBox,
      h('div', { class: 'banner amber', role: 'alert' }, h('p', { text: t('rules.conflict') }), h('div', { class: 'row' }, reload)),
    );
  }

  function renderErrors() {
    const messages = serverErrors.other;
    errorBox.hidden = messages.length === 0;
    replace(errorBox, h('div', { class: 'banner red' }, messages.map((m) => h('p', { text: m }))));
  }

  /** @param {Rule} rule */
  function summaryOf(rule) {
    const joiner = rule.match === 'any' ? t('rules.or') : t('rules.and');
    const conditions = rule.conditions.map((c) => conditionText(c, operatorLabel)).join(joiner);
    const targetsText = t('rules.arrow_targets', { targets: rule.actions.targets.join(', ') });
    const more = rule.actions.stop === false ? ` (${t('rules.continue')})` : '';
    return `${conditions} ${targetsText}${more}`;
  }

  /**
   * @param {Rule} rule
   * @param {number} index
   */
  function ruleItem(rule, index) {
    const name = ruleName(rule);
    const count = draft.rules.length;
    const handle = h('button', {
      type: 'button',
      class: 'handle',
      id: `rules-handle-${index}`,
      'aria-label': t('rules.handle', { name }),
      'aria-describedby': 'rules-intro',
      title: t('rules.handle', { name }),
      text: '⠿',
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (!e.altKey) return;
        const to = keyboardMove(e.key, index, count);
        if (to === null) return;
        e.preventDefault();
        move(index, to, 'handle');
      },
    });
    const slot = serverErrors.rules[index];
    const messages = slot ? [...slot.messages, ...Object.values(slot.conditions)] : [];
    const toggle = h('input', {
      type: 'checkbox',
      id: `rules-enabled-${index}`,
      checked: rule.enabled !== false,
      'aria-label': t('rules.enable_label', { name }),
      onchange: (/** @type {Event} */ e) => toggleRule(index, /** @type {HTMLInputElement} */ (e.target)),
    });
    const li = h(
      'li',
      { draggable: 'true', dataset: { index: String(index) }, class: rule.enabled === false ? 'rule-off' : '' },
      handle,
      h('span', { class: 'rule-pos', 'aria-hidden': 'true', text: `${index + 1}.` }),
      h(
        'div',
        { class: 'rule-main' },
        h(
          'div',
          { class: 'rule-head' },
          h('strong', { class: 'rule-name', text: name }),
          rule.name ? h('code', { class: 'rule-id', text: rule.id }) : null,
          rule.enabled === false ? h('span', { class: 'badge warn', text: t('rules.disabled_badge') }) : null,
          rule.actions.priority === 'high' ? h('span', { class: 'badge', text: t('rules.priority.high') }) : null,
        ),
        h('p', { class: 'rule-summary', text: summaryOf(rule) }),
        messages.map((m) => h('p', { class: 'field-error', text: m })),
      ),
      h(
        'div',
        { class: 'rule-controls' },
        h('label', { class: 'rule-switch', for: toggle.id }, toggle, h('span', { 'aria-hidden': 'true', text: t('rules.enabled') })),
        h('button', {
          type: 'button',
          class: 'small',
          id: `rules-up-${index}`,
          text: '↑',
          title: t('rules.move_up', { name }),
          'aria-label': t('rules.move_up', { name }),
          disabled: index === 0,
          onclick: () => move(index, index - 1, 'up'),
        }),
        h('button', {
          type: 'button',
          class: 'small',
          id: `rules-down-${index}`,
          text: '↓',
          title: t('rules.move_down', { name }),
          'aria-label': t('rules.move_down', { name }),
          disabled: index === count - 1,
          onclick: () => move(index, index + 1, 'down'),
        }),
        h('button', {
          type: 'button',
          class: 'small',
          text: t('rules.edit'),
          'aria-label': t('rules.edit_label', { name }),
          onclick: () => openEditor(index),
        }),
        h('button', {
          type: 'button',
          class: 'small danger',
          text: t('rules.delete'),
          'aria-label': t('rules.delete_label', { name }),
          onclick: (/** @type {Event} */ e) => deleteRule(index, /** @type {HTMLButtonElement} */ (e.currentTarget)),
        }),
      ),
    );
    wireDrag(li, index);
    return li;
  }

  /** @param {HTMLElement} li @param {number} index */
  function wireDrag(li, index) {
    li.addEventListener('dragstart', (e) => {
      dragFrom = index;
      li.classList.add('dragging');
      if (e.dataTransfer) {
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', draft.rules[index].id);
      }
    });
    li.addEventListener('dragover', (e) => {
      if (dragFrom === null) return;
      e.preventDefault();
      const box = li.getBoundingClientRect();
      const after = e.clientY > box.top + box.height / 2;
      li.classList.toggle('drop-after', after);
      li.classList.toggle('drop-before', !after);
    });
    li.addEventListener('dragleave', () => li.classList.remove('drop-before', 'drop-after'));
    li.addEventListener('drop', (e) => {
      e.preventDefault();
      const after = li.classList.contains('drop-after');
      li.classList.remove('drop-before', 'drop-after');
      if (dragFrom === null) return;
      const from = dragFrom;
      dragFrom = null;
      const to = dropIndex(from, index, after);
      if (to !== from) move(from, to, null);
    });
    li.addEventListener('dragend', () => {
      dragFrom = null;
      li.classList.remove('dragging');
      for (const item of list.querySelectorAll('.drop-before, .drop-after')) item.classList.remove('drop-before', 'drop-after');
    });
  }

  function renderList() {
    if (!draft.rules.length) {
      replace(list, h('li', { class: 'rules-empty', text: t('rules.empty') }));
      return;
    }
    replace(list, draft.rules.map(ruleItem));
  }

  function renderDefault() {
    const route = draft.default_route;
    const action = /** @type {HTMLSelectElement} */ (
      h(
        'select',
        { id: 'rules-default-action' },
        ['default_targets', 'drop'].map((a) => h('option', { value: a, selected: route.action === a, text: t(`rules.default.${a}`) })),
      )
    );
    action.addEventListener('change', () => {
      draft.default_route.action = /** @type {'default_targets'|'drop'} */ (action.value);
      renderDefault();
      markDirty();
    });
    const boxes = targets.map((tg) => {
      const box = h('input', {
        type: 'checkbox',
        id: `rules-default-${tg.id}`,
        checked: route.targets.includes(tg.id),
        onchange: (/** @type {Event} */ e) => {
          const on = /** @type {HTMLInputElement} */ (e.target).checked;
          const others = draft.default_route.targets.filter((id) => id !== tg.id);
          draft.default_route.targets = on ? [...others, tg.id] : others;
          markDirty();
        },
      });
      return h('div', { class: 'field inline' }, box, h('label', { for: box.id, text: tg.name === tg.id ? tg.id : `${tg.name} (${tg.id})` }));
    });
    replace(
      defaultHost,
      h('h3', { text: t('rules.default.title') }),
      h('div', { class: 'field' }, h('label', { for: action.id, text: t('rules.default.action') }), action),
      route.action === 'default_targets'
        ? h(
            'fieldset',
            { class: 'rules-default-targets' },
            h('legend', { text: t('rules.default.targets') }),
            h('p', { class: 'help', text: t('rules.default.targets_help') }),
            boxes,
          )
        : null,
    );
  }

  // ---- moving -------------------------------------------------------------------------------

  /**
   * @param {number} from
   * @param {number} to
   * @param {'handle'|'up'|'down'|null} focus which control of the moved rule gets the focus
   */
  function move(from, to, focus) {
    if (editing) {
      notify(t('rules.editor_open'), 'info');
      return;
    }
    const rule = draft.rules[from];
    draft.rules = moveItem(draft.rules, from, to);
    serverErrors = { rules: {}, other: serverErrors.other };
    renderList();
    markDirty();
    const landed = draft.rules.indexOf(rule);
    live.textContent = t('rules.moved', { name: ruleName(rule), position: landed + 1 });
    if (focus) {
      const wanted = document.getElementById(`rules-${focus}-${landed}`);
      const target = wanted && !(/** @type {HTMLButtonElement} */ (wanted).disabled) ? wanted : document.getElementById(`rules-handle-${landed}`);
      target?.focus();
    }
  }

  // ---- saving -------------------------------------------------------------------------------

  /**
   * PUT the set with the version it was read at. 409: the conflict banner, edits kept.
   * 422: the details placed on rules and conditions. Errors are rethrown for runAction.
   * @param {RuleSet} set
   */
  async function saveSet(set) {
    try {
      const result = await api.put(PATH, { version: saved ? saved.version : null, document: set });
      saved = result;
      draft = savedSet();
      serverErrors = { rules: {}, other: [] };
      conflict = false;
      return result;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) conflict = true;
      if (err instanceof ApiError && err.status === 422) serverErrors = serverPlacement(err);
      throw err;
    } finally {
      render();
    }
  }

  /** @param {ApiError} err */
  function serverPlacement(err) {
    const placed = placeServerErrors(/** @type {any} */ (err.body.details) || []);
    const named = ruleIndexInMessage(err.message);
    if (named !== null) (placed.rules[named] ||= { messages: [], conditions: {} }).messages.push(err.message);
    else if (!err.body.details) placed.other.push(err.message);
    return placed;
  }

  /** @param {HTMLButtonElement} button */
  async function saveFrom(button) {
    if (editing) {
      notify(t('rules.editor_open'), 'info');
      editing.editor.focus();
      return;
    }
    await runAction(button, () => saveSet(structuredClone(draft)), {
      success: (r) => t('rules.saved', { version: r.version }),
    });
  }

  /**
   * @param {number} index
   * @param {HTMLInputElement} box
   */
  async function toggleRule(index, box) {
    if (editing) {
      box.checked = !box.checked;
      notify(t('rules.editor_open'), 'info');
      return;
    }
    const rule = draft.rules[index];
    rule.enabled = box.checked;
    const name = ruleName(rule);
    const state = box.checked ? t('rules.state.on') : t('rules.state.off');
    await runAction(box, () => saveSet(structuredClone(draft)), { success: t('rules.toggle_saved', { name, state }) });
    document.getElementById(`rules-enabled-${index}`)?.focus();
  }

  /**
   * @param {number} index
   * @param {HTMLButtonElement} button
   */
  async function deleteRule(index, button) {
    if (editing) {
      notify(t('rules.editor_open'), 'info');
      return;
    }
    const name = ruleName(draft.rules[index]);
    const ok = await confirmDialog(t('rules.delete_confirm', { name }), { confirmLabel: t('rules.delete'), danger: true });
    if (!ok) return;
    const set = structuredClone(draft);
    set.rules.splice(index, 1);
    draft = set;
    render();
    await runAction(button, () => saveSet(structuredClone(set)), { success: t('rules.deleted', { name }) });
    list.querySelector('button')?.focus();
  }

  async function discard() {
    if (!(await confirmDialog(t('rules.discard_confirm'), { danger: true, confirmLabel: t('rules.discard') }))) return;
    draft = savedSet();
    serverErrors = { rules: {}, other: [] };
    closeEditor();
    render();
  }

  // ---- the editor ---------------------------------------------------------------------------

  /** @param {number|null} index null for a new rule */
  function openEditor(index) {
    if (editing) {
      notify(t('rules.editor_open'), 'info');
      editing.editor.focus();
      return;
    }
    const start =
      index === null
        ? blankRule(
            draft.rules.map((r) => r.id),
            targets.map((tg) => tg.id),
          )
        : structuredClone(draft.rules[index]);
    const otherIds = draft.rules.filter((_, i) => i !== index).map((r) => r.id);
    editorHost.hidden = false;
    const editor = RuleEditor(editorHost, {
      rule: start,
      isNew: index === null,
      targets,
      otherIds,
      onChange: (rule) => {
        if (editing) editing.current = rule;
        markDirty();
      },
      onSave: (rule, button) => saveEditor(rule, button),
      onCancel: () => {
        closeEditor();
        markDirty();
        list.querySelector(`#rules-handle-${index ?? draft.rules.length - 1}`)?.focus?.();
        if (index === null) newButton.focus();
      },
    });
    editing = { index, editor, start: structuredClone(start), current: structuredClone(start) };
    if (index !== null && serverErrors.rules[index]) editor.setServerErrors(serverErrors.rules[index]);
    markDirty();
    editorHost.scrollIntoView?.({ block: 'nearest' });
    editor.focus();
  }

  function closeEditor() {
    editing = null;
    editorHost.hidden = true;
    replace(editorHost);
  }

  /**
   * Validate in the page first (nothing is sent when a regex or a field is wrong), then save.
   * @param {Rule} _rule the editor's rule (also in `editing.current`)
   * @param {HTMLButtonElement} button
   */
  async function saveEditor(_rule, button) {
    if (!editing) return;
    const session = editing;
    if (!session.editor.validate()) {
      live.textContent = t('rules.form.has_errors');
      return;
    }
    const set = workingSet();
    const index = session.index === null ? set.rules.length - 1 : session.index;
    const result = await runAction(button, () => saveSet(set), { success: (r) => t('rules.saved', { version: r.version }) });
    if (result) {
      closeEditor();
      markDirty();
      document.getElementById(`rules-handle-${index}`)?.focus();
      return;
    }
    if (editing === session && serverErrors.rules[index]) session.editor.setServerErrors(serverErrors.rules[index]);
  }

  // ---- the dry run --------------------------------------------------------------------------

  function dryRunCard() {
    const result = h('div', { class: 'rules-dry-result', role: 'status', 'aria-live': 'polite' });
    const replayResult = h('div', { class: 'rules-replay-result', role: 'status', 'aria-live': 'polite' });
    const sourceName = uid('dry-source');
    const pasteRadio = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: sourceName, id: uid('dry-paste'), value: 'paste', checked: true }));
    const pickRadio = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: sourceName, id: uid('dry-pick'), value: 'pick' }));
    const recent = /** @type {HTMLSelectElement} */ (h('select', { id: uid('dry-recent'), disabled: true }));
    /** @param {string} id @param {string} [type] */
    const input = (id, type = 'text') => /** @type {HTMLInputElement} */ (h('input', { type, id: uid(id), autocomplete: 'off' }));
    const sender = input('dry-sender');
    const subject = input('dry-subject');
    const body = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: uid('dry-body'), rows: 4 }));
    const to = input('dry-to');
    const cc = input('dry-cc');
    const labels = input('dry-labels');
    const headers = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: uid('dry-headers'), rows: 2, placeholder: 'List-Id: <news.example.com>' }));
    const attachment = input('dry-attachment', 'checkbox');
    const senderError = h('p', { class: 'field-error', id: uid('dry-sender-err'), hidden: true });
    sender.setAttribute('aria-describedby', senderError.id);
    /** @param {string} label @param {HTMLElement} control */
    const labelled = (label, control) => h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control);
    const pasteFields = h(
      'div',
      { class: 'rules-paste' },
      h('div', { class: 'field' }, h('label', { for: sender.id, text: t('rules.dry.sender') }), sender, senderError),
      labelled(t('rules.dry.subject'), subject),
      labelled(t('rules.dry.body'), body),
      h('div', { class: 'rules-form-grid' }, labelled(t('rules.dry.to'), to), labelled(t('rules.dry.cc'), cc)),
      labelled(t('rules.dry.labels'), labels),
      labelled(t('rules.dry.headers'), headers),
      h('div', { class: 'field inline' }, attachment, h('label', { for: attachment.id, text: t('rules.dry.attachment') })),
    );
    const pickField = labelled(t('rules.dry.recent'), recent);
    pickField.hidden = true;
    const switchSource = () => {
      const pick = pickRadio.checked;
      pasteFields.hidden = pick;
      pickField.hidden = !pick;
      recent.disabled = !pick;
      if (pick) loadRecent();
    };
    pasteRadio.addEventListener('change', switchSource);
    pickRadio.addEventListener('change', switchSource);

    async function loadRecent() {
      try {
        const page = await api.get('/api/emails', { limit: 20 });
        const items = page.items || [];
        replace(
          recent,
          items.length
            ? items.map((/** @type {any} */ m) => h('option', { value: m.email_id, text: `${m.subject || '—'} — ${m.sender_email || m.sender}` }))
            : h('option', { value: '', text: t('rules.dry.no_recent') }),
        );
      } catch (err) {
        notify(errorText(err), 'error');
      }
    }

    /** The draft to test, or null (the editor's errors are shown). */
    function draftForTest() {
      if (editing) {
        const others = draft.rules.filter((_, i) => i !== editing?.index).map((r) => r.id);
        if (validateRule(editing.current, others)) {
          editing.editor.validate();
          notify(t('rules.dry.fix_editor'), 'error');
          return null;
        }
      }
      return workingSet();
    }

    /** @param {unknown} err */
    function placeDraftErrors(err) {
      if (err instanceof ApiError && err.status === 422 && err.body.details) {
        serverErrors = serverPlacement(err);
        renderList();
        const index = editing ? (editing.index ?? draft.rules.length) : null;
        if (editing && index !== null && serverErrors.rules[index]) editing.editor.setServerErrors(serverErrors.rules[index]);
      }
    }

    const runButton = h('button', { type: 'submit', class: 'primary', text: t('rules.dry.run') });
    const form = h(
      'form',
      {
        class: 'rules-dry-form',
        novalidate: true,
        onsubmit: async (/** @type {Event} */ e) => {
          e.preventDefault();
          const rules = draftForTest();
          if (!rules) return;
          /** @type {Record<string, unknown>} */
          const payload = { rules };
          if (pickRadio.checked) {
            if (!recent.value) return;
            payload.email_id = recent.value;
          } else {
            const missing = !sender.value.trim();
            senderError.textContent = missing ? t('rules.dry.sender_required') : '';
            senderError.hidden = !missing;
            sender.setAttribute('aria-invalid', String(missing));
            if (missing) return sender.focus();
            payload.email = sampleEmail(
              {
                sender: sender.value,
                subject: subject.value,
                body: body.value,
                to: to.value,
                cc: cc.value,
                labels: labels.value,
                headers: headers.value,
                attachment: attachment.checked,
              },
              new Date().toUTCString(),
            );
          }
          await runAction(
            runButton,
            async () => {
              try {
                const answer = await api.post(`${PATH}/test`, payload);
                replace(result, decisionView(answer));
              } catch (err) {
                placeDraftErrors(err);
                throw err;
              }
            },
            { success: t('rules.dry.ran') },
          );
        },
      },
      h(
        'fieldset',
        { class: 'rules-source' },
        h('legend', { text: t('rules.dry.source') }),
        h('div', { class: 'row' }, h('div', { class: 'field inline' }, pasteRadio, h('label', { for: pasteRadio.id, text: t('rules.dry.paste') })), h('div', { class: 'field inline' }, pickRadio, h('label', { for: pickRadio.id, text: t('rules.dry.pick') }))),
      ),
      pasteFields,
      pickField,
      h('div', { class: 'actions' }, runButton),
    );

    const count = /** @type {HTMLInputElement} */ (h('input', { type: 'number', id: uid('replay-count'), min: '1', max: '1000', value: '50', inputmode: 'numeric' }));
    const replayButton = h('button', { type: 'submit', class: 'primary', text: t('rules.replay.run') });
    const replayForm = h(
      'form',
      {
        class: 'rules-replay-form',
        novalidate: true,
        onsubmit: async (/** @type {Event} */ e) => {
          e.preventDefault();
          const rules = draftForTest();
          if (!rules) return;
          const n = Math.max(1, Math.min(1000, Number(count.value) || 50));
          count.value = String(n);
          await runAction(
            replayButton,
            async () => {
              try {
                const answer = await api.post(`${PATH}/test`, { replay_last: n, rules, include_unchanged: true });
                replace(replayResult, replayView(answer));
              } catch (err) {
                placeDraftErrors(err);
                throw err;
              }
            },
            { silent: true },
          );
        },
      },
      h('h3', { text: t('rules.replay.title') }),
      h('div', { class: 'toolbar' }, labelled(t('rules.replay.count'), count), replayButton),
    );

    const element = h(
      'section',
      { class: 'card rules-dry', 'aria-labelledby': 'rules-dry-title' },
      h('h2', { id: 'rules-dry-title', text: t('rules.dry.title') }),
      h('p', { class: 'help', text: t('rules.dry.intro') }),
      form,
      result,
      replayForm,
      replayResult,
    );
    return { element };
  }

  /** @param {any} answer */
  function decisionView(answer) {
    const decision = answer.decision || {};
    const yesNo = (/** @type {boolean} */ v) => (v ? t('rules.dry.yes') : t('rules.dry.no'));
    /** @param {string} label @param {string|Node} value */
    const fact = (label, value) => [h('dt', { text: label }), h('dd', {}, value)];
    const trace = decision.trace || [];
    return h(
      'div',
      { class: 'rules-decision' },
      h('h3', { text: t('rules.dry.result') }),
      h(
        'dl',
        { class: 'facts' },
        fact(t('rules.dry.status'), h('span', { class: `badge ${answer.status}`, text: answer.status })),
        fact(t('rules.dry.targets'), (answer.targets || []).join(', ') || t('rules.dry.none')),
        fact(t('rules.dry.matched'), (answer.rules || []).join(', ') || t('rules.dry.none')),
        fact(t('rules.dry.default_used'), yesNo(Boolean(decision.used_default))),
        fact(t('rules.dry.dropped'), yesNo(Boolean(decision.dropped))),
        fact(t('rules.dry.priority'), decision.priority || 'normal'),
        decision.window_policy ? fact(t('rules.dry.window_policy'), decision.window_policy) : null,
        answer.reason ? fact('', answer.reason) : null,
      ),
      h('h4', { text: t('rules.dry.trace') }),
      trace.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'rules-trace' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col', text: '#' }),
                  h('th', { scope: 'col', text: t('rules.dry.col.rule') }),
                  h('th', { scope: 'col', text: t('rules.dry.col.result') }),
                  h('th', { scope: 'col', text: t('rules.dry.col.reason') }),
                ),
              ),
              h(
                'tbody',
                {},
                trace.map((/** @type {any} */ step, /** @type {number} */ i) =>
                  h(
                    'tr',
                    { class: step.matched ? 'trace-hit' : '' },
                    h('td', { class: 'num', text: String(i + 1) }),
                    h('th', { scope: 'row', text: step.name ? `${step.name} (${step.rule_id})` : step.rule_id }),
                    h(
                      'td',
                      {},
                      h('span', {
                        class: `badge ${step.matched ? 'ok' : step.skipped ? 'warn' : ''}`,
                        text: step.matched ? t('rules.dry.matched_badge') : step.skipped ? t('rules.dry.skipped') : t('rules.dry.not_matched'),
                      }),
                    ),
                    h('td', { text: [step.skipped, step.reason].filter(Boolean).join(' — ') }),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'help', text: t('rules.dry.no_trace') }),
    );
  }

  /** @param {any} answer */
  function replayView(answer) {
    const rows = replayRows(answer);
    let summaryText = t('rules.replay.summary', { evaluated: answer.evaluated, changed: answer.changed });
    if (answer.stopped_early) summaryText += ` ${t('rules.replay.stopped', { evaluated: answer.evaluated, requested: answer.requested })}`;
    const summary = h('p', { class: 'rules-replay-summary', text: summaryText });
    if (!rows.length) return [summary];
    if (!answer.changed) summary.append(' ', t('rules.replay.none'));
    return [
      summary,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'rules-replay' },
          h('caption', { class: 'visually-hidden', text: t('rules.replay.caption') }),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col', text: t('rules.replay.col.email') }),
              h('th', { scope: 'col', text: t('rules.replay.col.before') }),
              h('th', { scope: 'col', text: t('rules.replay.col.after') }),
            ),
          ),
          h(
            'tbody',
            {},
            rows.map((row) => {
              const changed = row.changed.length > 0;
              return h(
                'tr',
                { class: changed ? 'changed' : 'same' },
                h('th', { scope: 'row' }, h('span', { text: row.subject || row.emailId }), h('code', { class: 'rules-email-id', text: row.emailId })),
                h('td', { class: 'before', text: row.before }),
                h(
                  'td',
                  { class: 'after' },
                  changed ? h('mark', { text: row.after }) : h('span', { text: row.after }),
                  h('span', {
                    class: changed ? 'badge warn rules-change-badge' : 'visually-hidden',
                    text: changed ? `${t('rules.replay.changed')}: ${row.changed.map((p) => t(`rules.replay.part.${p}`)).join(', ')}` : t('rules.replay.unchanged'),
                  }),
                ),
              );
            }),
          ),
        ),
      ),
    ];
  }

  return {
    update: () => load().catch((err) => notify(errorText(err), 'error')),
    /** @param {Record<string, string>} params `id` opens that rule in the editor (links from traces) */
    async show(params) {
      // Fresh data each time the tab is shown, unless that would throw away edits.
      if (!saved || !isChanged()) await load().catch((err) => notify(errorText(err), 'error'));
      const index = params && params.id ? draft.rules.findIndex((r) => r.id === params.id) : -1;
      if (index >= 0 && !editing) openEditor(index);
    },
    hide() {},
  };
}
