// The rule editor: every field and operator, conditions added and removed, actions with
// targets, and inline validation (a bad regex is shown before anything is saved).

import { h, replace, uid } from './dom.js';
import { addMessages, t } from './i18n.js';
import {
  BOOLEAN_FIELDS,
  FIELDS,
  HEADER_PREFIX,
  MAX_CONDITIONS,
  OPERATORS,
  PRIORITIES,
  WINDOW_POLICIES,
  blankCondition,
  coerceCondition,
  conditionProblem,
  isBooleanField,
  parseList,
  splitOperator,
  validateRule,
} from './rulesLogic.js';

addMessages({
  en: {
    'rules.form.new_title': 'New rule',
    'rules.form.edit_title': 'Edit rule “{name}”',
    'rules.form.id': 'Rule id',
    'rules.form.id_help': 'A short unique name used in traces and deliveries.',
    'rules.form.name': 'Name',
    'rules.form.enabled': 'Enabled',
    'rules.form.match': 'Match',
    'rules.form.match.all': 'All conditions (and)',
    'rules.form.match.any': 'Any condition (or)',
    'rules.form.conditions': 'Conditions',
    'rules.form.condition_n': 'Condition {n}',
    'rules.form.field': 'Field',
    'rules.form.header_name': 'Header name',
    'rules.form.operator': 'Operator',
    'rules.form.value': 'Value',
    'rules.form.values': 'Values (one per line)',
    'rules.form.case_sensitive': 'Case sensitive',
    'rules.form.remove_condition': 'Remove condition {n}',
    'rules.form.add_condition': 'Add a condition',
    'rules.form.actions': 'Actions',
    'rules.form.targets': 'Send to',
    'rules.form.no_targets_defined': 'No target exists yet: create one in the Targets tab.',
    'rules.form.stop': 'Stop here (later rules are not tried when this one matches)',
    'rules.form.priority': 'Priority',
    'rules.form.window_policy': 'Outside the delivery window',
    'rules.form.window_policy.none': 'Follow the schedule (no override)',
    'rules.form.save': 'Save rule',
    'rules.form.cancel': 'Cancel',
    'rules.form.has_errors': 'This rule has errors: fix the fields marked in red.',
    'rules.bool.true': 'yes',
    'rules.bool.false': 'no',
    'rules.priority.normal': 'Normal',
    'rules.priority.high': 'High',
    'rules.policy.hold': 'Hold until the window opens',
    'rules.policy.drop': 'Drop',
    'rules.policy.send': 'Send anyway',
    'rules.field.sender': 'Sender address',
    'rules.field.sender_header': 'Sender (whole From header)',
    'rules.field.sender_domain': 'Sender domain',
    'rules.field.subject': 'Subject',
    'rules.field.body': 'Body',
    'rules.field.to': 'To',
    'rules.field.cc': 'Cc',
    'rules.field.detector': 'Detector',
    'rules.field.label': 'Gmail label',
    'rules.field.link_provider': 'Link provider',
    'rules.field.has_links': 'Has links',
    'rules.field.has_attachments': 'Has attachments',
    'rules.field.header': 'Header…',
    'rules.op.equals': 'equals',
    'rules.op.not_equals': 'does not equal',
    'rules.op.contains': 'contains',
    'rules.op.not_contains': 'does not contain',
    'rules.op.starts_with': 'starts with',
    'rules.op.not_starts_with': 'does not start with',
    'rules.op.ends_with': 'ends with',
    'rules.op.not_ends_with': 'does not end with',
    'rules.op.regex': 'matches the regex',
    'rules.op.not_regex': 'does not match the regex',
    'rules.op.in': 'is one of',
    'rules.op.not_in': 'is none of',
    'rules.err.id_required': 'Give the rule an id.',
    'rules.err.id_too_long': 'The id is too long (100 characters at most).',
    'rules.err.id_taken': 'Another rule already has this id.',
    'rules.err.no_conditions': 'A rule needs at least one condition.',
    'rules.err.too_many_conditions': 'At most 20 conditions per rule.',
    'rules.err.no_targets': 'Choose at least one target.',
    'rules.err.header_name': 'Give a valid header name (letters, digits, dashes).',
    'rules.err.operator': 'Choose an operator.',
    'rules.err.boolean': 'This field takes yes or no.',
    'rules.err.list_empty': 'Give at least one value, one per line.',
    'rules.err.too_long': 'The value is too long (1,000 characters at most).',
    'rules.err.value': 'Give a value.',
    'rules.err.value_empty': 'Give a value.',
    'rules.err.regex_syntax': 'Invalid regular expression.',
    'rules.err.regex_lookaround': 'Look-arounds such as (?=…) are not supported (RE2).',
    'rules.err.regex_backreference': 'Back-references such as \\1 are not supported (RE2).',
    'rules.err.regex_empty': 'Give a regular expression.',
  },
  fr: {
    'rules.form.new_title': 'Nouvelle règle',
    'rules.form.edit_title': 'Modifier la règle « {name} »',
    'rules.form.id': 'Identifiant de la règle',
    'rules.form.id_help': 'Un nom court et unique, repris dans les traces et les livraisons.',
    'rules.form.name': 'Nom',
    'rules.form.enabled': 'Active',
    'rules.form.match': 'Correspondance',
    'rules.form.match.all': 'Toutes les conditions (et)',
    'rules.form.match.any': 'Au moins une condition (ou)',
    'rules.form.conditions': 'Conditions',
    'rules.form.condition_n': 'Condition {n}',
    'rules.form.field': 'Champ',
    'rules.form.header_name': "Nom de l'en-tête",
    'rules.form.operator': 'Opérateur',
    'rules.form.value': 'Valeur',
    'rules.form.values': 'Valeurs (une par ligne)',
    'rules.form.case_sensitive': 'Sensible à la casse',
    'rules.form.remove_condition': 'Supprimer la condition {n}',
    'rules.form.add_condition': 'Ajouter une condition',
    'rules.form.actions': 'Actions',
    'rules.form.targets': 'Envoyer à',
    'rules.form.no_targets_defined': "Aucune cible n'existe encore : créez-en une dans l'onglet Cibles.",
    'rules.form.stop': "S'arrêter ici (les règles suivantes ne sont pas essayées si celle-ci correspond)",
    'rules.form.priority': 'Priorité',
    'rules.form.window_policy': 'En dehors de la plage de livraison',
    'rules.form.window_policy.none': 'Suivre les horaires (pas de dérogation)',
    'rules.form.save': 'Enregistrer la règle',
    'rules.form.cancel': 'Annuler',
    'rules.form.has_errors': 'Cette règle contient des erreurs : corrigez les champs en rouge.',
    'rules.bool.true': 'oui',
    'rules.bool.false': 'non',
    'rules.priority.normal': 'Normale',
    'rules.priority.high': 'Haute',
    'rules.policy.hold': "Retenir jusqu'à l'ouverture de la plage",
    'rules.policy.drop': 'Abandonner',
    'rules.policy.send': 'Envoyer quand même',
    'rules.field.sender': "Adresse de l'expéditeur",
    'rules.field.sender_header': 'Expéditeur (en-tête From complet)',
    'rules.field.sender_domain': "Domaine de l'expéditeur",
    'rules.field.subject': 'Objet',
    'rules.field.body': 'Corps',
    'rules.field.to': 'À',
    'rules.field.cc': 'Cc',
    'rules.field.detector': 'Détecteur',
    'rules.field.label': 'Libellé Gmail',
    'rules.field.link_provider': 'Fournisseur de lien',
    'rules.field.has_links': 'Contient des liens',
    'rules.field.has_attachments': 'Contient des pièces jointes',
    'rules.field.header': 'En-tête…',
    'rules.op.equals': 'est égal à',
    'rules.op.not_equals': "n'est pas égal à",
    'rules.op.contains': 'contient',
    'rules.op.not_contains': 'ne contient pas',
    'rules.op.starts_with': 'commence par',
    'rules.op.not_starts_with': 'ne commence pas par',
    'rules.op.ends_with': 'se termine par',
    'rules.op.not_ends_with': 'ne se termine pas par',
    'rules.op.regex': "correspond à l'expression régulière",
    'rules.op.not_regex': "ne correspond pas à l'expression régulière",
    'rules.op.in': "est l'une des valeurs",
    'rules.op.not_in': "n'est aucune des valeurs",
    'rules.err.id_required': 'Donnez un identifiant à la règle.',
    'rules.err.id_too_long': "L'identifiant est trop long (100 caractères au plus).",
    'rules.err.id_taken': 'Une autre règle a déjà cet identifiant.',
    'rules.err.no_conditions': 'Une règle a besoin d’au moins une condition.',
    'rules.err.too_many_conditions': 'Au plus 20 conditions par règle.',
    'rules.err.no_targets': 'Choisissez au moins une cible.',
    'rules.err.header_name': "Donnez un nom d'en-tête valide (lettres, chiffres, tirets).",
    'rules.err.operator': 'Choisissez un opérateur.',
    'rules.err.boolean': 'Ce champ prend oui ou non.',
    'rules.err.list_empty': 'Donnez au moins une valeur, une par ligne.',
    'rules.err.too_long': 'La valeur est trop longue (1 000 caractères au plus).',
    'rules.err.value': 'Donnez une valeur.',
    'rules.err.value_empty': 'Donnez une valeur.',
    'rules.err.regex_syntax': 'Expression régulière invalide.',
    'rules.err.regex_lookaround': 'Les assertions comme (?=…) ne sont pas prises en charge (RE2).',
    'rules.err.regex_backreference': 'Les références arrière comme \\1 ne sont pas prises en charge (RE2).',
    'rules.err.regex_empty': 'Donnez une expression régulière.',
  },
});

/**
 * @typedef {import('./rulesLogic.js').Rule} Rule
 * @typedef {import('./rulesLogic.js').Condition} Condition
 * @typedef {{id: string, name: string}} TargetChoice
 * @typedef {{messages: string[], conditions: Record<number, string>}} ServerSlot
 * @typedef {{
 *   rule: Rule, isNew: boolean, targets: TargetChoice[], otherIds: string[],
 *   onChange: (rule: Rule) => void, onSave: (rule: Rule, button: HTMLButtonElement) => void, onCancel: () => void,
 * }} EditorOptions
 */

/** @param {string} op */
export function operatorLabel(op) {
  return t(`rules.op.${op}`);
}

/**
 * @param {string} label
 * @param {HTMLElement} control
 */
function checkField(label, control) {
  if (!control.id) control.id = uid('f');
  return h('div', { class: 'field inline' }, control, h('label', { for: control.id, text: label }));
}

/**
 * @param {string} value
 * @param {Array<[string, string]>} options value, label
 * @param {Record<string, any>} [attrs]
 */
function select(value, options, attrs = {}) {
  return /** @type {HTMLSelectElement} */ (
    h('select', attrs, options.map(([v, label]) => h('option', { value: v, selected: v === value, text: label })))
  );
}

/**
 * Mount the editor in `host`.
 * @param {HTMLElement} host
 * @param {EditorOptions} options
 * @returns {{getRule: () => Rule, validate: () => boolean, setServerErrors: (slot: ServerSlot|undefined) => void, focus: () => void}}
 */
export function RuleEditor(host, options) {
  /** @type {Rule} */
  const rule = structuredClone(options.rule);
  /** @type {ServerSlot} */
  let server = { messages: [], conditions: {} };
  let showAll = false; // after a save attempt, every problem is shown, not only touched ones
  /** @type {Set<number>} */
  const touched = new Set();
  const prefix = uid('rule-form');
  /** @type {Record<number, HTMLElement>} */
  let errorNodes = {};
  /** @type {Record<number, HTMLElement>} */
  let valueNodes = {};
  const summary = h('p', { class: 'field-error', role: 'alert', hidden: true, text: t('rules.form.has_errors') });
  const serverBox = h('div', { class: 'rules-server-errors' });

  const changed = () => options.onChange(structuredClone(rule));

  /** @param {number} index */
  function conditionMessage(index) {
    const problem = conditionProblem(rule.conditions[index]);
    if (problem && (showAll || touched.has(index))) return t(`rules.err.${problem}`);
    return server.conditions[index] || '';
  }

  /** @param {number} index */
  function refreshCondition(index) {
    const node = errorNodes[index];
    const control = valueNodes[index];
    if (!node) return;
    const message = conditionMessage(index);
    node.textContent = message;
    node.hidden = !message;
    if (control) control.setAttribute('aria-invalid', String(Boolean(message)));
  }

  /**
   * Rebuild after a structural change, keeping the focus on the same control.
   * @param {string} [focusId]
   */
  function rerender(focusId) {
    const active = focusId || (document.activeElement && document.activeElement.id);
    render();
    if (active) document.getElementById(active)?.focus();
  }

  /**
   * @param {number} index
   * @param {Partial<Condition>} change
   * @param {boolean} structural
   */
  function updateCondition(index, change, structural) {
    rule.conditions[index] = coerceCondition({ ...rule.conditions[index], ...change });
    delete server.conditions[index];
    touched.add(index);
    changed();
    if (structural) rerender();
    else refreshCondition(index);
  }

  /** @param {Condition} condition @param {number} index */
  function valueControl(condition, index) {
    const id = `${prefix}-c${index}-value`;
    const errId = `${prefix}-c${index}-error`;
    const [base] = splitOperator(condition.operator);
    /** @type {HTMLElement} */
    let control;
    let label = t('rules.form.value');
    if (isBooleanField(condition.field)) {
      control = select(String(condition.value), [
        ['true', t('rules.bool.true')],
        ['false', t('rules.bool.false')],
      ]);
      control.addEventListener('change', (e) =>
        updateCondition(index, { value: /** @type {HTMLSelectElement} */ (e.target).value === 'true' }, false),
      );
    } else if (base === 'in') {
      label = t('rules.form.values');
      control = h('textarea', { rows: 3, value: Array.isArray(condition.value) ? condition.value.join('\n') : '' });
      control.addEventListener('input', (e) =>
        updateCondition(index, { value: parseList(/** @type {HTMLTextAreaElement} */ (e.target).value) }, false),
      );
    } else {
      control = h('input', { type: 'text', value: String(condition.value ?? ''), spellcheck: 'false', autocomplete: 'off' });
      if (base === 'regex') control.classList.add('mono');
      control.addEventListener('input', (e) =>
        updateCondition(index, { value: /** @type {HTMLInputElement} */ (e.target).value }, false),
      );
    }
    control.id = id;
    control.setAttribute('aria-describedby', errId);
    valueNodes[index] = control;
    return h('div', { class: 'field rules-value' }, h('label', { for: id, text: label }), control);
  }

  /** @param {Condition} condition @param {number} index */
  function conditionRow(condition, index) {
    const n = index + 1;
    const isHeader = condition.field.startsWith(HEADER_PREFIX);
    const fieldChoice = isHeader ? 'header' : condition.field;
    const fieldSelect = select(
      fieldChoice,
      FIELDS.map((f) => [f, t(`rules.field.${f}`)]),
      { id: `${prefix}-c${index}-field` },
    );
    fieldSelect.addEventListener('change', () => {
      const v = fieldSelect.value;
      updateCondition(index, { field: v === 'header' ? HEADER_PREFIX : v }, true);
    });
    const ops = BOOLEAN_FIELDS.includes(condition.field) ? ['equals', 'not_equals'] : OPERATORS;
    const opSelect = select(
      condition.operator,
      ops.map((op) => [op, operatorLabel(op)]),
      { id: `${prefix}-c${index}-op` },
    );
    opSelect.addEventListener('change', () => updateCondition(index, { operator: opSelect.value }, true));
    const headerInput = isHeader
      ? h('input', {
          type: 'text',
          id: `${prefix}-c${index}-header`,
          value: condition.field.slice(HEADER_PREFIX.length),
          placeholder: 'List-Id',
          oninput: (/** @type {Event} */ e) =>
            updateCondition(index, { field: HEADER_PREFIX + /** @type {HTMLInputElement} */ (e.target).value.trim() }, false),
        })
      : null;
    const caseBox = isBooleanField(condition.field)
      ? null
      : checkField(
          t('rules.form.case_sensitive'),
          h('input', {
            type: 'checkbox',
            id: `${prefix}-c${index}-case`,
            checked: Boolean(condition.case_sensitive),
            onchange: (/** @type {Event} */ e) =>
              updateCondition(index, { case_sensitive: /** @type {HTMLInputElement} */ (e.target).checked }, false),
          }),
        );
    const error = h('p', { class: 'field-error', id: `${prefix}-c${index}-error`, hidden: true });
    errorNodes[index] = error;
    const remove = h('button', {
      type: 'button',
      class: 'small',
      id: `${prefix}-c${index}-remove`,
      text: '✕',
      'aria-label': t('rules.form.remove_condition', { n }),
      title: t('rules.form.remove_condition', { n }),
      disabled: rule.conditions.length <= 1,
      onclick: () => {
        rule.conditions.splice(index, 1);
        server = { ...server, conditions: {} };
        touched.clear();
        changed();
        const next = Math.min(index, rule.conditions.length - 1);
        rerender(`${prefix}-c${next}-field`);
      },
    });
    return h(
      'fieldset',
      { class: 'rules-condition' },
      h('legend', { text: t('rules.form.condition_n', { n }) }),
      h(
        'div',
        { class: 'rules-condition-grid' },
        h('div', { class: 'field' }, h('label', { for: fieldSelect.id, text: t('rules.form.field') }), fieldSelect),
        headerInput
          ? h('div', { class: 'field' }, h('label', { for: headerInput.id, text: t('rules.form.header_name') }), headerInput)
          : null,
        h('div', { class: 'field' }, h('label', { for: opSelect.id, text: t('rules.form.operator') }), opSelect),
        valueControl(condition, index),
        caseBox,
        h('div', { class: 'rules-remove' }, remove),
      ),
      error,
    );
  }

  function targetsFieldset() {
    const errors = showAll ? validateRule(rule, options.otherIds) : null;
    const message = errors && errors.targets ? t(`rules.err.${errors.targets}`) : '';
    const boxes = options.targets.map((target) =>
      checkField(
        target.name && target.name !== target.id ? `${target.name} (${target.id})` : target.id,
        h('input', {
          type: 'checkbox',
          id: `${prefix}-target-${target.id}`,
          checked: rule.actions.targets.includes(target.id),
          onchange: (/** @type {Event} */ e) => {
            const on = /** @type {HTMLInputElement} */ (e.target).checked;
            const others = rule.actions.targets.filter((id) => id !== target.id);
            rule.actions.targets = on ? [...others, target.id] : others;
            changed();
          },
        }),
      ),
    );
    // Targets named by the rule that no longer exist stay visible (the server will refuse them).
    const unknown = rule.actions.targets.filter((id) => !options.targets.some((tg) => tg.id === id));
    return h(
      'fieldset',
      { class: 'rules-targets' },
      h('legend', { text: t('rules.form.targets') }),
      options.targets.length ? boxes : h('p', { class: 'help', text: t('rules.form.no_targets_defined') }),
      unknown.map((id) => h('p', { class: 'field-error', text: `${id} ?` })),
      message ? h('p', { class: 'field-error', text: message }) : null,
    );
  }

  function ruleErrorsText() {
    const errors = showAll ? validateRule(rule, options.otherIds) : null;
    const local = errors && errors.rule ? errors.rule.map((k) => t(`rules.err.${k}`)) : [];
    return [...local, ...server.messages];
  }

  function render() {
    errorNodes = {};
    valueNodes = {};
    const errors = showAll ? validateRule(rule, options.otherIds) : null;
    const idInput = h('input', {
      type: 'text',
      id: `${prefix}-id`,
      value: rule.id,
      required: true,
      autocomplete: 'off',
      'aria-invalid': String(Boolean(errors && errors.id)),
      oninput: (/** @type {Event} */ e) => {
        rule.id = /** @type {HTMLInputElement} */ (e.target).value;
        changed();
      },
    });
    const nameInput = h('input', {
      type: 'text',
      id: `${prefix}-name`,
      value: rule.name || '',
      oninput: (/** @type {Event} */ e) => {
        rule.name = /** @type {HTMLInputElement} */ (e.target).value;
        changed();
      },
    });
    const matchSelect = select(
      rule.match || 'all',
      [
        ['all', t('rules.form.match.all')],
        ['any', t('rules.form.match.any')],
      ],
      { id: `${prefix}-match` },
    );
    matchSelect.addEventListener('change', () => {
      rule.match = /** @type {'all'|'any'} */ (matchSelect.value);
      changed();
    });
    const priority = select(
      rule.actions.priority || 'normal',
      PRIORITIES.map((p) => [p, t(`rules.priority.${p}`)]),
      { id: `${prefix}-priority` },
    );
    priority.addEventListener('change', () => {
      rule.actions.priority = /** @type {'normal'|'high'} */ (priority.value);
      changed();
    });
    const policy = select(
      rule.actions.window_policy || '',
      [['', t('rules.form.window_policy.none')], ...WINDOW_POLICIES.map((p) => /** @type {[string, string]} */ ([p, t(`rules.policy.${p}`)]))],
      { id: `${prefix}-policy` },
    );
    policy.addEventListener('change', () => {
      rule.actions.window_policy = /** @type {any} */ (policy.value || null);
      changed();
    });
    const saveButton = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'submit', class: 'primary', text: t('rules.form.save') })
    );
    const form = h(
      'form',
      {
        class: 'rules-form',
        novalidate: true,
        'aria-labelledby': `${prefix}-title`,
        onsubmit: (/** @type {Event} */ e) => {
          e.preventDefault();
          options.onSave(structuredClone(rule), saveButton);
        },
      },
      h('h3', {
        id: `${prefix}-title`,
        text: options.isNew ? t('rules.form.new_title') : t('rules.form.edit_title', { name: options.rule.name || options.rule.id }),
      }),
      summary,
      serverBox,
      h(
        'div',
        { class: 'rules-form-grid' },
        h(
          'div',
          { class: 'field' },
          h('label', { for: idInput.id, text: t('rules.form.id') }),
          idInput,
          h('p', { class: 'help', text: t('rules.form.id_help') }),
          errors && errors.id ? h('p', { class: 'field-error', text: t(`rules.err.${errors.id}`) }) : null,
        ),
        h('div', { class: 'field' }, h('label', { for: nameInput.id, text: t('rules.form.name') }), nameInput),
        h('div', { class: 'field' }, h('label', { for: matchSelect.id, text: t('rules.form.match') }), matchSelect),
        checkField(
          t('rules.form.enabled'),
          h('input', {
            type: 'checkbox',
            id: `${prefix}-enabled`,
            checked: rule.enabled !== false,
            onchange: (/** @type {Event} */ e) => {
              rule.enabled = /** @type {HTMLInputElement} */ (e.target).checked;
              changed();
            },
          }),
        ),
      ),
      h(
        'fieldset',
        { class: 'rules-conditions' },
        h('legend', { text: t('rules.form.conditions') }),
        rule.conditions.map(conditionRow),
        h('button', {
          type: 'button',
          id: `${prefix}-add`,
          disabled: rule.conditions.length >= MAX_CONDITIONS,
          text: t('rules.form.add_condition'),
          onclick: () => {
            rule.conditions.push(blankCondition());
            changed();
            rerender(`${prefix}-c${rule.conditions.length - 1}-field`);
          },
        }),
      ),
      h(
        'fieldset',
        { class: 'rules-actions' },
        h('legend', { text: t('rules.form.actions') }),
        targetsFieldset(),
        checkField(
          t('rules.form.stop'),
          h('input', {
            type: 'checkbox',
            id: `${prefix}-stop`,
            checked: rule.actions.stop !== false,
            onchange: (/** @type {Event} */ e) => {
              rule.actions.stop = /** @type {HTMLInputElement} */ (e.target).checked;
              changed();
            },
          }),
        ),
        h(
          'div',
          { class: 'rules-form-grid' },
          h('div', { class: 'field' }, h('label', { for: priority.id, text: t('rules.form.priority') }), priority),
          h('div', { class: 'field' }, h('label', { for: policy.id, text: t('rules.form.window_policy') }), policy),
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', text: t('rules.form.cancel'), onclick: () => options.onCancel() }),
        saveButton,
      ),
    );
    replace(host, form);
    rule.conditions.forEach((_, index) => refreshCondition(index));
    const messages = ruleErrorsText();
    replace(serverBox, messages.map((m) => h('p', { class: 'field-error', text: m })));
  }

  render();
  return {
    getRule: () => structuredClone(rule),
    validate() {
      showAll = true;
      const errors = validateRule(rule, options.otherIds);
      rerender();
      summary.hidden = !errors;
      if (errors) {
        const first = host.querySelector('[aria-invalid="true"]');
        if (first instanceof HTMLElement) first.focus();
      }
      return !errors;
    },
    setServerErrors(slot) {
      server = slot ? { messages: slot.messages.slice(), conditions: { ...slot.conditions } } : { messages: [], conditions: {} };
      rerender();
      summary.hidden = !slot;
      const first = host.querySelector('[aria-invalid="true"]');
      if (slot && first instanceof HTMLElement) first.focus();
    },
    focus() {
      document.getElementById(`${prefix}-id`)?.focus();
    },
  };
}
