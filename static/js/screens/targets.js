// Targets: the webhook receivers. List with state, create (secret shown once), edit,
// switch on/off, delete, rotate the secret (shown once), test send with the request preview.

import { api, withQuery } from '../api.js';
import { field, h, replace, uid } from '../dom.js';
import { addMessages, getLang, t } from '../i18n.js';
import { formatDateTime } from '../formatLogic.js';
import { formErrors, formFromTarget, inUseBy, optionsOf, patchBody, useMessage } from '../targetsLogic.js';
import { say } from '../outcomeWords.js';
import { healthBadge, healthHistory } from '../statusLogic.js';
import { switchField } from '../configWidgets.js';
import { canLeave, confirmDialog, isDirty, loadInto, notify, runAction, setDirty, showDialog } from '../ui.js';

addMessages({
  en: {
    'targets.title': 'Webhook targets',
    'targets.intro': 'Where deliveries go. Each target signs its webhooks with its own secret (Standard Webhooks headers).',
    'targets.new': 'New target',
    'targets.col.name': 'Name',
    'targets.col.url': 'URL',
    'targets.col.state': 'State',
    'targets.col.health': 'Receiver health',
    'targets.col.actions': 'Actions',
    'targets.enabled': 'On',
    'targets.disabled': 'Off',
    'targets.env': 'from the environment',
    'targets.env.help': 'This target comes from WEBHOOK_URL and WEBHOOK_SECRET: its URL and secret are changed there (not here), and it cannot be deleted. Its name, switch and options can be changed.',
    'targets.edit': 'Edit',
    'targets.enable': 'Switch on',
    'targets.disable': 'Switch off',
    'targets.delete': 'Delete',
    'targets.rotate': 'Rotate secret',
    'targets.test': 'Test',
    'targets.empty': 'No target yet: create one to receive webhooks.',
    'targets.form.create': 'Create a target',
    'targets.form.edit': 'Edit “{name}”',
    'targets.name': 'Name',
    'targets.name.help': 'Shown in the dashboard and in routing rules.',
    'targets.url': 'URL',
    'targets.url.help': 'Where webhooks are POSTed: https and a public host (private addresses only if the server allows them). A Make.com address may be given as token@hook.eu2.make.com.',
    'targets.url.env': 'Set by WEBHOOK_URL: change it in the environment.',
    'targets.enabled_field': 'Enabled',
    'targets.enabled_field.help': 'Off: nothing is delivered to this target; its deliveries wait in the queue.',
    'targets.default': 'Part of the default route',
    'targets.default.help': 'On: receives the emails that no routing rule claimed.',
    'targets.require_success_json': 'Require {"success": true}',
    'targets.require_success_json.help': 'On: only a 2xx answer whose JSON body has "success": true counts as delivered (the old router’s contract); anything else is retried.',
    'targets.timeout': 'Timeout (seconds)',
    'targets.timeout.help': 'How long this receiver may take to answer; empty: the preferences’ timeout. At most 300.',
    'targets.headers': 'Custom headers',
    'targets.headers.help': 'Sent with every delivery (an API key the receiver checks…). Stored values are never shown: leave a stored value empty to keep it.',
    'targets.header.name': 'Header name',
    'targets.header.value': 'Value',
    'targets.header.kept': 'stored value kept',
    'targets.header.add': 'Add a header',
    'targets.header.remove': 'Remove header {name}',
    'targets.err.required': 'Required.',
    'targets.err.range': 'More than 0 and at most 300.',
    'targets.err.name': 'Letters, digits and - only.',
    'targets.err.reserved': 'Set by Relais: cannot be overridden.',
    'targets.err.duplicate': 'Already in the list.',
    'targets.err.value': 'A new header needs a value.',
    'targets.err.fix': 'Fix the marked fields first.',
    'targets.create': 'Create',
    'targets.save': 'Save',
    'targets.cancel': 'Cancel',
    'targets.created': 'Target “{name}” created.',
    'targets.saved': 'Target saved.',
    'targets.nothing': 'Nothing changed.',
    'targets.switched_on': 'Target switched on.',
    'targets.switched_off': 'Target switched off.',
    'targets.deleted': 'Target deleted.',
    'targets.confirm_delete': 'Delete the target “{name}”? Its queued deliveries are held, never dropped.',
    'targets.in_use': 'Routing still sends to “{name}”:',
    'targets.in_use.rule_named': 'Rule “{name}” ({id})',
    'targets.in_use.rule': 'Rule {id}',
    'targets.in_use.default_route': 'The default route',
    'targets.in_use.help': 'Removing it from them switches off a rule left with no other target (the rule is kept, to point elsewhere); a default route left with none sends to the targets marked “default”.',
    'targets.detach_delete': 'Remove it from them and delete',
    'targets.deleted_detached': 'Target deleted and removed from the routing that named it.',
    'targets.confirm_disable': 'Switch off “{name}”? Nothing will be delivered to it until it is switched on again.',
    'targets.confirm_rotate': 'Rotate the secret of “{name}”? A new secret is created; the current one keeps signing for 24 hours.',
    'targets.secret_title': 'Signing secret of “{name}”',
    'targets.secret_once': 'This secret is shown only this once. Copy it now into the receiver’s configuration.',
    'targets.secret_grace': 'The previous secret stays valid until {until}: meanwhile every webhook carries both signatures, so the receiver can switch without losing one.',
    'targets.copy': 'Copy',
    'targets.copied': 'Copied to the clipboard.',
    'targets.copy_select': 'Copy blocked by the browser: the secret is selected, press Ctrl+C.',
    'targets.secret_hint': 'Secret {hint}',
    'targets.rotation_until': 'previous secret valid until {until}',
    'targets.test.title': 'Test send',
    'targets.test.help': 'A sample email, signed like a real delivery. Preview shows the request without sending it; Send posts it to the receiver.',
    'targets.test.preview': 'Preview',
    'targets.test.send': 'Send test',
    'targets.test.request': 'Request',
    'targets.test.headers': 'Headers',
    'targets.test.body': 'Body',
    'targets.test.response': 'Response',
    'targets.test.not_sent': 'Preview only: nothing was sent.',
    'targets.test.ok': 'Delivered: HTTP {status} in {ms} ms.',
    'targets.test.failed': 'Not delivered: {error} (HTTP {status}) in {ms} ms.',
    'targets.test.snippet': 'Response body (start)',
    'targets.select': 'Pick a target in the list to edit or test it.',
  },
  fr: {
    'targets.title': 'Cibles des webhooks',
    'targets.intro': 'Là où partent les livraisons. Chaque cible signe ses webhooks avec son propre secret (en-têtes Standard Webhooks).',
    'targets.new': 'Nouvelle cible',
    'targets.col.name': 'Nom',
    'targets.col.url': 'URL',
    'targets.col.state': 'État',
    'targets.col.health': 'Santé du destinataire',
    'targets.col.actions': 'Actions',
    'targets.enabled': 'Activée',
    'targets.disabled': 'Désactivée',
    'targets.env': 'définie par l’environnement',
    'targets.env.help': 'Cette cible vient de WEBHOOK_URL et WEBHOOK_SECRET : son URL et son secret se changent là (pas ici), et elle ne peut pas être supprimée. Son nom, son interrupteur et ses options restent modifiables.',
    'targets.edit': 'Modifier',
    'targets.enable': 'Activer',
    'targets.disable': 'Désactiver',
    'targets.delete': 'Supprimer',
    'targets.rotate': 'Renouveler le secret',
    'targets.test': 'Tester',
    'targets.empty': 'Aucune cible : créez-en une pour recevoir des webhooks.',
    'targets.form.create': 'Créer une cible',
    'targets.form.edit': 'Modifier « {name} »',
    'targets.name': 'Nom',
    'targets.name.help': 'Affiché dans le tableau de bord et dans les règles de routage.',
    'targets.url': 'URL',
    'targets.url.help': 'Où les webhooks sont envoyés (POST) : https et un hôte public (adresses privées seulement si le serveur les autorise). Une adresse Make.com peut s’écrire jeton@hook.eu2.make.com.',
    'targets.url.env': 'Définie par WEBHOOK_URL : à changer dans l’environnement.',
    'targets.enabled_field': 'Activée',
    'targets.enabled_field.help': 'Désactivée : rien n’est livré à cette cible ; ses livraisons attendent dans la file.',
    'targets.default': 'Dans la route par défaut',
    'targets.default.help': 'Activé : reçoit les e-mails qu’aucune règle de routage n’a pris.',
    'targets.require_success_json': 'Exiger {"success": true}',
    'targets.require_success_json.help': 'Activé : seule une réponse 2xx dont le JSON contient "success": true compte comme livrée (le contrat de l’ancien routeur) ; sinon, nouvelle tentative.',
    'targets.timeout': 'Délai d’attente (secondes)',
    'targets.timeout.help': 'Temps laissé à ce destinataire pour répondre ; vide : celui des préférences. Au plus 300.',
    'targets.headers': 'En-têtes personnalisés',
    'targets.headers.help': 'Envoyés avec chaque livraison (une clé d’API vérifiée par le destinataire…). Les valeurs enregistrées ne sont jamais affichées : laissez vide pour garder la valeur enregistrée.',
    'targets.header.name': 'Nom de l’en-tête',
    'targets.header.value': 'Valeur',
    'targets.header.kept': 'valeur enregistrée conservée',
    'targets.header.add': 'Ajouter un en-tête',
    'targets.header.remove': 'Retirer l’en-tête {name}',
    'targets.err.required': 'Obligatoire.',
    'targets.err.range': 'Plus de 0 et au plus 300.',
    'targets.err.name': 'Lettres, chiffres et - seulement.',
    'targets.err.reserved': 'Fixé par Relais : ne peut pas être remplacé.',
    'targets.err.duplicate': 'Déjà dans la liste.',
    'targets.err.value': 'Un nouvel en-tête a besoin d’une valeur.',
    'targets.err.fix': 'Corrigez d’abord les champs signalés.',
    'targets.create': 'Créer',
    'targets.save': 'Enregistrer',
    'targets.cancel': 'Annuler',
    'targets.created': 'Cible « {name} » créée.',
    'targets.saved': 'Cible enregistrée.',
    'targets.nothing': 'Rien n’a changé.',
    'targets.switched_on': 'Cible activée.',
    'targets.switched_off': 'Cible désactivée.',
    'targets.deleted': 'Cible supprimée.',
    'targets.confirm_delete': 'Supprimer la cible « {name} » ? Ses livraisons en attente sont retenues, jamais perdues.',
    'targets.in_use': 'Le routage envoie encore à « {name} » :',
    'targets.in_use.rule_named': 'Règle « {name} » ({id})',
    'targets.in_use.rule': 'Règle {id}',
    'targets.in_use.default_route': 'La route par défaut',
    'targets.in_use.help': 'La retirer désactive une règle qui n’a plus d’autre cible (la règle est gardée, à rediriger) ; une route par défaut qui n’en a plus envoie aux cibles marquées « par défaut ».',
    'targets.detach_delete': 'La retirer du routage et supprimer',
    'targets.deleted_detached': 'Cible supprimée et retirée du routage qui la nommait.',
    'targets.confirm_disable': 'Désactiver « {name} » ? Rien ne lui sera livré jusqu’à sa réactivation.',
    'targets.confirm_rotate': 'Renouveler le secret de « {name} » ? Un nouveau secret est créé ; l’actuel continue de signer pendant 24 heures.',
    'targets.secret_title': 'Secret de signature de « {name} »',
    'targets.secret_once': 'Ce secret n’est affiché qu’une seule fois. Copiez-le maintenant dans la configuration du destinataire.',
    'targets.secret_grace': 'L’ancien secret reste valable jusqu’au {until} : entre-temps chaque webhook porte les deux signatures, le destinataire peut basculer sans en perdre.',
    'targets.copy': 'Copier',
    'targets.copied': 'Copié dans le presse-papiers.',
    'targets.copy_select': 'Copie bloquée par le navigateur : le secret est sélectionné, faites Ctrl+C.',
    'targets.secret_hint': 'Secret {hint}',
    'targets.rotation_until': 'ancien secret valable jusqu’au {until}',
    'targets.test.title': 'Envoi de test',
    'targets.test.help': 'Un e-mail d’exemple, signé comme une vraie livraison. L’aperçu montre la requête sans l’envoyer ; « Envoyer » la poste au destinataire.',
    'targets.test.preview': 'Aperçu',
    'targets.test.send': 'Envoyer le test',
    'targets.test.request': 'Requête',
    'targets.test.headers': 'En-têtes',
    'targets.test.body': 'Corps',
    'targets.test.response': 'Réponse',
    'targets.test.not_sent': 'Aperçu seulement : rien n’a été envoyé.',
    'targets.test.ok': 'Livré : HTTP {status} en {ms} ms.',
    'targets.test.failed': 'Non livré : {error} (HTTP {status}) en {ms} ms.',
    'targets.test.snippet': 'Corps de la réponse (début)',
    'targets.select': 'Choisissez une cible dans la liste pour la modifier ou la tester.',
  },
});

/** @param {number|null} ts */
const when = (ts) => formatDateTime(ts, getLang());

/**
 * Copy a secret; when the clipboard is refused, select the text so the user can copy it.
 * @param {string} secret
 * @param {HTMLElement} code
 * @param {HTMLElement} status
 */
async function copySecret(secret, code, status) {
  try {
    await navigator.clipboard.writeText(secret);
    status.textContent = t('targets.copied');
  } catch {
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    status.textContent = t('targets.copy_select');
  }
}

/**
 * The secret, shown once in a modal with a copy button.
 * @param {any} target
 * @param {string} secret
 */
function showSecret(target, secret) {
  const code = h('code', { class: 'secret', 'data-secret': '', text: secret });
  const status = h('p', { class: 'help', role: 'status' });
  const content = h(
    'div',
    { class: 'secret-dialog' },
    h('p', { class: 'banner amber', text: t('targets.secret_once') }),
    h(
      'div',
      { class: 'secret-box' },
      code,
      h('button', { type: 'button', text: t('targets.copy'), onclick: () => copySecret(secret, code, status) }),
    ),
    status,
    target.rotation_until ? h('p', { text: t('targets.secret_grace', { until: when(target.rotation_until) }) }) : null,
  );
  return showDialog(t('targets.secret_title', { name: target.name }), content);
}

/**
 * The edit/create form. `onSubmit(form)` resolves true once saved.
 * @param {any|null} target null: create
 * @param {{submit: (form: import('../targetsLogic.js').TargetForm, button: HTMLElement) => Promise<boolean>, cancel: () => void}} handlers
 */
function targetForm(target, handlers) {
  const form = formFromTarget(target);
  const env = Boolean(target?.managed_by_env);
  /** @type {Record<string, HTMLElement>} */
  const errorNodes = {};
  const dirty = () => setDirty('targets', true);

  /** @param {string} key @param {HTMLElement} control */
  const withError = (key, control) => {
    const node = h('p', { class: 'field-error', id: uid('err'), hidden: true });
    control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby') || ''} ${node.id}`.trim());
    errorNodes[key] = node;
    return node;
  };

  const text = (/** @type {'name'|'url'|'timeout'} */ key, attrs = {}) => {
    const input = /** @type {HTMLInputElement} */ (h('input', { type: 'text', value: form[key], ...attrs }));
    input.addEventListener('input', () => {
      form[key] = input.value;
      dirty();
    });
    const wrap = field(t(`targets.${key}`), input, key === 'url' && env ? t('targets.url.env') : t(`targets.${key}.help`));
    wrap.appendChild(withError(key, input));
    return wrap;
  };

  const headerList = h('div', { class: 'header-rows' });
  const renderHeaders = () => {
    for (const key of Object.keys(errorNodes)) if (key.startsWith('header.')) delete errorNodes[key];
    replace(
      headerList,
      form.headers.map((row, i) => {
        const name = /** @type {HTMLInputElement} */ (h('input', { type: 'text', value: row.name, 'aria-label': t('targets.header.name'), placeholder: 'X-Api-Key' }));
        const value = /** @type {HTMLInputElement} */ (
          h('input', { type: 'password', value: row.value, autocomplete: 'off', 'aria-label': t('targets.header.value'), placeholder: row.stored ? t('targets.header.kept') : '' })
        );
        name.addEventListener('input', () => {
          row.name = name.value;
          row.stored = false; // a renamed header has no stored value
          value.placeholder = '';
          dirty();
        });
        value.addEventListener('input', () => {
          row.value = value.value;
          dirty();
        });
        const remove = h('button', {
          type: 'button',
          class: 'small',
          text: '×',
          'aria-label': t('targets.header.remove', { name: row.name || String(i + 1) }),
          onclick: () => {
            form.headers.splice(i, 1);
            dirty();
            renderHeaders();
          },
        });
        return h('div', { class: 'header-row' }, h('div', { class: 'row' }, name, value, remove), withError(`header.${i}`, name));
      }),
    );
  };
  renderHeaders();

  const submit = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'primary', text: target ? t('targets.save') : t('targets.create') }));
  const fixNote = h('p', { class: 'field-error', role: 'alert', hidden: true, text: t('targets.err.fix') });
  const node = h(
    'form',
    {
      class: 'target-form',
      novalidate: true,
      onsubmit: async (/** @type {Event} */ event) => {
        event.preventDefault();
        const errors = formErrors(form);
        for (const [key, el] of Object.entries(errorNodes)) {
          el.hidden = !errors[key];
          el.textContent = errors[key] ? t(`targets.err.${errors[key]}`) : '';
          const control = /** @type {HTMLElement|null} */ (node.querySelector(`[aria-describedby~="${el.id}"]`));
          if (errors[key]) control?.setAttribute('aria-invalid', 'true');
          else control?.removeAttribute('aria-invalid');
        }
        fixNote.hidden = !Object.keys(errors).length;
        if (Object.keys(errors).length) {
          /** @type {HTMLElement|null} */ (node.querySelector('[aria-invalid="true"]'))?.focus();
          return;
        }
        if (await handlers.submit(form, submit)) setDirty('targets', false);
      },
    },
    h('h3', { text: target ? t('targets.form.edit', { name: target.name }) : t('targets.form.create') }),
    env ? h('p', { class: 'banner amber', text: t('targets.env.help') }) : null,
    text('name', { maxlength: 200 }),
    text('url', { maxlength: 2000, disabled: env, inputmode: 'url', autocomplete: 'off' }),
    switchField(t('targets.enabled_field'), t('targets.enabled_field.help'), form.enabled, (v) => {
      form.enabled = v;
      dirty();
    }),
    switchField(t('targets.default'), t('targets.default.help'), form.default, (v) => {
      form.default = v;
      dirty();
    }),
    switchField(t('targets.require_success_json'), t('targets.require_success_json.help'), form.require_success_json, (v) => {
      form.require_success_json = v;
      dirty();
    }),
    text('timeout', { inputmode: 'decimal' }),
    h(
      'fieldset',
      { class: 'headers' },
      h('legend', { text: t('targets.headers') }),
      h('p', { class: 'help', text: t('targets.headers.help') }),
      headerList,
      h('button', {
        type: 'button',
        class: 'small',
        text: t('targets.header.add'),
        onclick: () => {
          form.headers.push({ name: '', value: '', stored: false });
          dirty();
          renderHeaders();
        },
      }),
    ),
    fixNote,
    h(
      'div',
      { class: 'actions' },
      h('button', {
        type: 'button',
        text: t('targets.cancel'),
        onclick: () => {
          setDirty('targets', false);
          handlers.cancel();
        },
      }),
      submit,
    ),
  );
  return node;
}

/**
 * A target's health from its last real attempt, in words: the badge, then the last success.
 * @param {import('../statusLogic.js').Health|undefined} health
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
 * Preview or send a test webhook; show the request and the answer.
 * @param {any} target
 */
function testPanel(target) {
  const out = h('div', { class: 'test-result', role: 'status', 'aria-live': 'polite' });
  /** @param {'preview'|'send'} mode @param {HTMLElement} button */
  const run = (mode, button) =>
    runAction(
      button,
      async () => {
        const result = await api.post(`/api/targets/${encodeURIComponent(target.id)}/test`, { mode });
        replace(out, resultView(result));
        return result;
      },
      { silent: true },
    );
  const preview = h('button', { type: 'button', text: t('targets.test.preview'), onclick: (/** @type {Event} */ e) => run('preview', /** @type {HTMLElement} */ (e.currentTarget)) });
  const send = h('button', { type: 'button', class: 'primary', text: t('targets.test.send'), onclick: (/** @type {Event} */ e) => run('send', /** @type {HTMLElement} */ (e.currentTarget)) });
  return h(
    'section',
    { class: 'card test-panel', 'aria-label': t('targets.test.title') },
    h('h3', { text: t('targets.test.title') }),
    h('p', { class: 'help', text: t('targets.test.help') }),
    h('div', { class: 'row' }, preview, send),
    out,
  );
}

/** @param {any} result */
function resultView(result) {
  const r = result.result;
  const outcome = !r
    ? h('p', { class: 'banner', text: t('targets.test.not_sent') })
    : h('p', {
        class: `banner ${r.ok ? 'green' : 'red'} test-outcome`,
        text: r.ok
          ? t('targets.test.ok', { status: r.status_code, ms: r.duration_ms })
          : t('targets.test.failed', { error: r.error || '—', status: r.status_code ?? '—', ms: r.duration_ms }),
      });
  return h(
    'div',
    { class: 'stack' },
    outcome,
    h('h4', { text: t('targets.test.request') }),
    h('p', { class: 'mono break', text: `POST ${result.request.url}` }),
    h('h4', { text: t('targets.test.headers') }),
    h('pre', { text: JSON.stringify(result.request.headers, null, 2) }),
    h('h4', { text: t('targets.test.body') }),
    h('pre', { text: JSON.stringify(result.request.body, null, 2) }),
    r && r.response_snippet ? [h('h4', { text: t('targets.test.snippet') }), h('pre', { text: r.response_snippet })] : null,
  );
}

/**
 * @param {HTMLElement} el
 * @param {import('../app.js').ScreenContext} _ctx
 */
export function TargetsTab(el, _ctx) {
  /** @type {any[]} */
  let items = [];
  /** @type {string|null} */
  let selected = null; // a target id, or '' for the create form
  const list = h('div', { class: 'targets-list' });
  const detail = h('div', { class: 'targets-detail' });
  const newButton = h('button', { type: 'button', class: 'primary', text: t('targets.new'), onclick: () => select('') });

  replace(
    el,
    h('div', { class: 'card config-head' }, h('div', { class: 'row' }, h('h2', { text: t('targets.title') }), h('span', { class: 'spacer' }), newButton), h('p', { class: 'help', text: t('targets.intro') })),
    h('div', { class: 'split targets-split' }, list, detail),
  );

  /** @param {string|null} id */
  async function select(id) {
    if (id !== selected && !(await canLeave('targets'))) return;
    selected = id;
    renderDetail();
    renderList();
    /** @type {HTMLElement|null} */ (detail.querySelector('input:not([disabled])'))?.focus();
  }

  async function load() {
    await loadInto(list, async () => {
      items = (await api.get('/api/targets')).items;
      return [];
    });
    if (selected && !items.some((x) => x.id === selected)) selected = null;
    renderList();
    if (!isDirty('targets')) renderDetail();
  }

  function renderList() {
    if (!items.length) {
      replace(list, h('p', { class: 'card', text: t('targets.empty') }));
      return;
    }
    replace(
      list,
      h(
        'div',
        { class: 'table-wrap card' },
        h(
          'table',
          { class: 'targets-table' },
          h(
            'thead',
            {},
            h('tr', {}, ['name', 'url', 'state', 'health', 'actions'].map((c) => h('th', { scope: 'col', text: t(`targets.col.${c}`) }))),
          ),
          h('tbody', {}, items.map((target) => row(target))),
        ),
      ),
    );
  }

  /** @param {any} target */
  function row(target) {
    return h(
      'tr',
      { 'aria-selected': String(selected === target.id), dataset: { target: target.id } },
      h(
        'th',
        { scope: 'row' },
        h('span', { class: 'target-name', text: target.name }),
        h('span', { class: 'help block mono', text: target.id }),
        target.managed_by_env ? h('span', { class: 'badge', text: t('targets.env') }) : null,
      ),
      h(
        'td',
        { class: 'target-url' },
        h('span', { class: 'mono break', text: target.url }),
        h('span', { class: 'help block', text: t('targets.secret_hint', { hint: target.secret_hint }) }),
        target.rotation_until ? h('span', { class: 'help block', text: t('targets.rotation_until', { until: when(target.rotation_until) }) }) : null,
      ),
      h(
        'td',
        {},
        h('span', { class: `badge ${target.enabled ? 'green' : 'red'}`, text: target.enabled ? t('targets.enabled') : t('targets.disabled') }),
      ),
      h('td', { class: 'target-health' }, healthCell(target.health)),
      h('td', {}, rowActions(target)),
    );
  }

  /** @param {any} target */
  function rowActions(target) {
    const label = (/** @type {string} */ key) => `${t(key)} — ${target.name}`;
    const button = (/** @type {string} */ key, /** @type {(b: HTMLElement) => unknown} */ fn, cls = 'small') =>
      h('button', { type: 'button', class: cls, text: t(key), 'aria-label': label(key), onclick: (/** @type {Event} */ e) => fn(/** @type {HTMLElement} */ (e.currentTarget)) });
    return h(
      'div',
      { class: 'row target-actions' },
      button('targets.edit', () => select(target.id)),
      button(target.enabled ? 'targets.disable' : 'targets.enable', (b) => toggle(target, b)),
      target.managed_by_env ? null : button('targets.rotate', (b) => rotate(target, b)),
      target.managed_by_env ? null : button('targets.delete', (b) => remove(target, b), 'small danger'),
    );
  }

  /** @param {any} target @param {HTMLElement} b */
  async function toggle(target, b) {
    if (target.enabled && !(await confirmDialog(t('targets.confirm_disable', { name: target.name }), { danger: true, confirmLabel: t('targets.disable') }))) return;
    const done = await runAction(b, () => api.patch(`/api/targets/${encodeURIComponent(target.id)}`, { enabled: !target.enabled }), {
      success: () => (target.enabled ? t('targets.switched_off') : t('targets.switched_on')),
    });
    if (done) await load();
  }

  /** @param {any} target @param {HTMLElement} b */
  async function rotate(target, b) {
    if (!(await confirmDialog(t('targets.confirm_rotate', { name: target.name }), { confirmLabel: t('targets.rotate') }))) return;
    const result = await runAction(b, () => api.post(`/api/targets/${encodeURIComponent(target.id)}/rotate_secret`), { silent: true });
    if (!result) return;
    await load();
    await showSecret(result.target, result.secret);
  }

  /**
   * Delete; when rules or the default route still name the target (409), say which and
   * offer to remove it from them first.
   * @param {any} target @param {HTMLElement} b
   */
  async function remove(target, b) {
    if (!(await confirmDialog(t('targets.confirm_delete', { name: target.name }), { danger: true, confirmLabel: t('targets.delete') }))) return;
    const path = `/api/targets/${encodeURIComponent(target.id)}`;
    /** @type {import('../targetsLogic.js').TargetUse[]|null} */
    let usedBy = null;
    const refusedInUse = (/** @type {unknown} */ err) => {
      usedBy = inUseBy(err);
      if (!usedBy) throw err;
      return null;
    };
    let done = await runAction(b, () => api.del(path).catch(refusedInUse), { silent: true });
    if (usedBy) done = await detachAndDelete(target, path, usedBy, b);
    else if (done) notify(t('targets.deleted'), 'success');
    if (!done) return;
    if (selected === target.id) {
      setDirty('targets', false);
      selected = null;
    }
    await load();
  }

  /**
   * @param {any} target @param {string} path
   * @param {import('../targetsLogic.js').TargetUse[]} usedBy @param {HTMLElement} b
   */
  async function detachAndDelete(target, path, usedBy, b) {
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
    return runAction(b, () => api.del(withQuery(path, { detach: true })), { success: t('targets.deleted_detached') });
  }

  function renderDetail() {
    if (selected === null) {
      replace(detail, h('p', { class: 'card help', text: t('targets.select') }));
      return;
    }
    const target = selected ? items.find((x) => x.id === selected) : null;
    const close = () => {
      selected = null;
      renderDetail();
      renderList();
    };
    const form = targetForm(target, {
      cancel: close,
      submit: async (values, button) => {
        if (!target) return create(values, button);
        const body = patchBody(target, values);
        if (!Object.keys(body).length) {
          notify(t('targets.nothing'), 'info');
          return true;
        }
        const saved = await runAction(button, () => api.patch(`/api/targets/${encodeURIComponent(target.id)}`, body), { success: t('targets.saved') });
        if (!saved) return false;
        setDirty('targets', false);
        await load();
        return true;
      },
    });
    replace(detail, h('div', { class: 'card' }, form), target ? testPanel(target) : null);
  }

  /** @param {import('../targetsLogic.js').TargetForm} values @param {HTMLElement} button */
  async function create(values, button) {
    const result = await runAction(
      button,
      () => api.post('/api/targets', { name: values.name.trim(), url: values.url.trim(), enabled: values.enabled, options: optionsOf(values) }),
      { success: (r) => t('targets.created', { name: r.target.name }) },
    );
    if (!result) return false;
    setDirty('targets', false);
    selected = result.target.id;
    await load();
    await showSecret(result.target, result.secret);
    return true;
  }

  return {
    update: load,
    show: () => load(),
    hide() {},
  };
}
