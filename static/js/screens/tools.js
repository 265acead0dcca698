// Tools: export the configuration as a JSON file, import a Relais export or the old router's files
// (preview with a dry run, confirm, then the mapping report).

import { api, withQuery } from '../api.js';
import { copyBox } from '../accessWidgets.js';
import { URLS, invalidateTargets } from '../endpoints.js';
import { field, h, replace, uid } from '../dom.js';
import { LEGACY_NAMES, exportFileName, itemHead, planImport, reportRows } from '../importLogic.js';
import { addMessages, t, tc } from '../i18n.js';
import { confirmDialog, runAction, setDirty } from '../ui.js';

addMessages({
  en: {
    'tools.export.title': 'Export the configuration',
    'tools.export.intro': 'Downloads every setting (targets, rules, schedule, preferences, flags) as one JSON file, to keep as a backup or to load into another Relais.',
    'tools.export.secrets': 'Include secrets',
    'tools.export.secrets_help': 'Target signing secrets and header values. Without them, an import keeps the current secrets or makes new ones.',
    'tools.export.secrets_warning': 'The file will hold every signing secret in clear text: anyone who has it can sign webhooks as Relais. Keep it somewhere safe and delete it when done.',
    'tools.export.download': 'Download export',
    'tools.export.done': 'Export downloaded: {file}',
    'tools.import.title': 'Import a configuration',
    'tools.import.intro': 'Either one Relais export file, or the old router’s files: {names} (one or several, each named after its document, or one file holding them by name).',
    'tools.import.files': 'Files to import',
    'tools.import.files_help': 'JSON files. Nothing is written until you confirm the import.',
    'tools.import.kind.relais': 'A Relais export, with: {docs}',
    'tools.import.kind.legacy': 'The old router’s documents: {docs}',
    'tools.import.nothing': 'No importable document in these files.',
    'tools.import.problem.not_json': '{file}: not valid JSON, left out.',
    'tools.import.problem.not_object': '{file}: not a JSON object, left out.',
    'tools.import.problem.unknown_file': '{file}: neither a Relais export nor an old router document, left out.',
    'tools.import.problem.duplicate': '{file}: the same document was already picked, left out.',
    'tools.import.problem.mixed': 'A Relais export and old router files cannot be imported together: pick one or the other.',
    'tools.import.preview': 'Preview (dry run)',
    'tools.import.run': 'Import',
    'tools.import.clear': 'Clear',
    'tools.import.confirm': 'Import {count} documents? Each one replaces the current settings as a new version (the audit log keeps the old values).',
    'tools.import.confirm_one': 'Import {count} document? It replaces the current settings as a new version (the audit log keeps the old values).',
    'tools.import.done': 'Configuration imported.',
    'tools.import.previewed': 'Dry run done: nothing was written.',
    'tools.report.title': 'Mapping report',
    'tools.report.dry_title': 'Mapping report (dry run: nothing written yet)',
    'tools.report.col.outcome': 'Outcome',
    'tools.report.col.what': 'What',
    'tools.report.outcome.written': 'written',
    'tools.report.outcome.would_write': 'would be written',
    'tools.report.outcome.mapped': 'mapped',
    'tools.report.outcome.not_mapped': 'not mapped',
    'tools.report.outcome.secret': 'new secret',
    'tools.report.secret_for': 'Signing secret of target {id}',
    'tools.report.secret_later': 'Target {id} gets a new signing secret when imported (shown once, then).',
    'tools.report.secret_once': 'New signing secrets are shown only now: copy them into the receivers.',
    'tools.report.empty': 'Nothing to report.',
    'tools.report.summary': 'Documents: {written}. Fields mapped: {mapped}; not mapped: {skipped}.',
    'tools.note.same_meaning': "kept as it was",
    'tools.note.format_kept': "kept as written: webhooks carry it in the same form",
    'tools.note.old_default_not_enforced': "the old router’s default, which it never applied (it retried connection errors anyway): Relais’s default applies",
    'tools.note.never_enforced': "the old router stored it but never enforced it: not applied (set a limit in Preferences if you want one)",
    'tools.note.more_retried': "Relais also retries 5xx and 429 answers, and honours Retry-After",
    'tools.note.require_success': "a 2xx counts as delivered only with \"success\": true, as the old router required",
    'tools.note.sender_address': "a sender condition compares the sender’s address, as the old router did",
    'tools.note.always_verified': "Relais always verifies the receiver’s certificate",
    'tools.note.json_only': "Relais always sends JSON",
    'tools.note.pause_off': "the absence pause was off: no absence day",
    'tools.note.not_applicable': "nothing in Relais uses it",
    'tools.note.unknown_field': "not a field the old router’s documents had",
    'tools.note.wrapper': "the old dashboard’s export wrapper: its document was read",
    'tools.note.rules_problem': "left out of a rule",
    'tools.note.default_kept': "a default target is already set: the old router sent one webhook per email, so this URL does not become a second default",
    'tools.note.not_imported': "could not be imported",
    'tools.note.document_refused': "its document could not be imported",
    'tools.note.overridden': "not used: the export’s time_window gives the window (it is what the old dashboard showed)",
    'tools.note.window_policy': "what happens to this kind of mail outside the window",
    'tools.note.schedule_stored': "the stored schedule now takes precedence over TIMEZONE and WEBHOOKS_TIME_START/END (and their old names) from the environment",
    'tools.effect.title': 'What the imported rules would change',
    'tools.effect.summary': 'On the last {evaluated} emails, the imported rules would route {changed} differently.',
    'tools.effect.none': 'On the last {evaluated} emails, the imported rules would route every one as today.',
    'tools.effect.col.subject': 'Email',
    'tools.effect.col.before': 'Today',
    'tools.effect.col.after': 'With the import',
    'tools.effect.nowhere': 'nowhere',
    'tools.effect.status.ignored': 'ignored',
    'tools.effect.status.parked': 'parked',
  },
  fr: {
    'tools.export.title': 'Exporter la configuration',
    'tools.export.intro': 'Télécharge tous les réglages (cibles, règles, horaires, préférences, interrupteurs) dans un seul fichier JSON, comme sauvegarde ou pour les charger dans un autre Relais.',
    'tools.export.secrets': 'Inclure les secrets',
    'tools.export.secrets_help': "Secrets de signature des cibles et valeurs d'en-têtes. Sans eux, un import garde les secrets actuels ou en crée de nouveaux.",
    'tools.export.secrets_warning': "Le fichier contiendra tous les secrets de signature en clair : quiconque l'a peut signer des webhooks au nom de Relais. Gardez-le en lieu sûr et supprimez-le ensuite.",
    'tools.export.download': "Télécharger l'export",
    'tools.export.done': 'Export téléchargé : {file}',
    'tools.import.title': 'Importer une configuration',
    'tools.import.intro': "Soit un fichier d'export Relais, soit les fichiers de l'ancien routeur : {names} (un ou plusieurs, chacun nommé d'après son document, ou un seul fichier les contenant par nom).",
    'tools.import.files': 'Fichiers à importer',
    'tools.import.files_help': "Fichiers JSON. Rien n'est écrit avant la confirmation de l'import.",
    'tools.import.kind.relais': 'Un export Relais, avec : {docs}',
    'tools.import.kind.legacy': "Les documents de l'ancien routeur : {docs}",
    'tools.import.nothing': 'Aucun document importable dans ces fichiers.',
    'tools.import.problem.not_json': '{file} : JSON invalide, ignoré.',
    'tools.import.problem.not_object': "{file} : n'est pas un objet JSON, ignoré.",
    'tools.import.problem.unknown_file': "{file} : ni un export Relais ni un document de l'ancien routeur, ignoré.",
    'tools.import.problem.duplicate': '{file} : ce document a déjà été choisi, ignoré.',
    'tools.import.problem.mixed': "Un export Relais et des fichiers de l'ancien routeur ne peuvent pas être importés ensemble : choisissez l'un ou l'autre.",
    'tools.import.preview': 'Aperçu (essai à blanc)',
    'tools.import.run': 'Importer',
    'tools.import.clear': 'Effacer',
    'tools.import.confirm': "Importer {count} documents ? Chacun remplace les réglages actuels par une nouvelle version (le journal d'audit garde les anciennes valeurs).",
    'tools.import.confirm_one': "Importer {count} document ? Il remplace les réglages actuels par une nouvelle version (le journal d'audit garde les anciennes valeurs).",
    'tools.import.done': 'Configuration importée.',
    'tools.import.previewed': "Essai à blanc terminé : rien n'a été écrit.",
    'tools.report.title': 'Rapport de correspondance',
    'tools.report.dry_title': "Rapport de correspondance (essai à blanc : rien n'est encore écrit)",
    'tools.report.col.outcome': 'Résultat',
    'tools.report.col.what': 'Quoi',
    'tools.report.outcome.written': 'écrit',
    'tools.report.outcome.would_write': 'sera écrit',
    'tools.report.outcome.mapped': 'repris',
    'tools.report.outcome.not_mapped': 'non repris',
    'tools.report.outcome.secret': 'nouveau secret',
    'tools.report.secret_for': 'Secret de signature de la cible {id}',
    'tools.report.secret_later': "La cible {id} recevra un nouveau secret de signature à l'import (affiché une fois, à ce moment-là).",
    'tools.report.secret_once': "Les nouveaux secrets de signature ne sont affichés que maintenant : copiez-les dans les récepteurs.",
    'tools.report.empty': 'Rien à signaler.',
    'tools.report.summary': 'Documents : {written}. Champs repris : {mapped} ; non repris : {skipped}.',
    'tools.note.same_meaning': "repris tel quel",
    'tools.note.format_kept': "repris tel qu’écrit : les webhooks le portent sous la même forme",
    'tools.note.old_default_not_enforced': "la valeur par défaut de l’ancien routeur, qu’il n’appliquait jamais (il réessayait de toute façon après une erreur de connexion) : celle de Relais s’applique",
    'tools.note.never_enforced': "l’ancien routeur l’enregistrait sans jamais l’appliquer : non appliqué (fixez une limite dans Préférences si vous en voulez une)",
    'tools.note.more_retried': "Relais réessaie aussi après une réponse 5xx ou 429, et respecte Retry-After",
    'tools.note.require_success': "une réponse 2xx ne compte comme livrée qu’avec \"success\": true, comme l’exigeait l’ancien routeur",
    'tools.note.sender_address': "une condition sur l’expéditeur compare son adresse, comme l’ancien routeur",
    'tools.note.always_verified': "Relais vérifie toujours le certificat du destinataire",
    'tools.note.json_only': "Relais envoie toujours du JSON",
    'tools.note.pause_off': "la pause d’absence était désactivée : aucun jour d’absence",
    'tools.note.not_applicable': "rien dans Relais ne s’en sert",
    'tools.note.unknown_field': "ce champ n’existait pas dans les documents de l’ancien routeur",
    'tools.note.wrapper': "l’enveloppe de l’export de l’ancien tableau de bord : son document a été lu",
    'tools.note.rules_problem': "laissé de côté dans une règle",
    'tools.note.default_kept': "une cible par défaut existe déjà : l’ancien routeur envoyait un seul webhook par e-mail, cette URL ne devient donc pas une seconde cible par défaut",
    'tools.note.not_imported': "n’a pas pu être importé",
    'tools.note.document_refused': "son document n’a pas pu être importé",
    'tools.note.overridden': "non utilisé : la plage vient du time_window de l’export (celui qu’affichait l’ancien tableau de bord)",
    'tools.note.window_policy': "ce que devient ce type d’e-mail hors de la plage horaire",
    'tools.note.schedule_stored': "l’horaire enregistré prime désormais sur TIMEZONE et WEBHOOKS_TIME_START/END (et leurs anciens noms) de l’environnement",
    'tools.effect.title': 'Ce que changeraient les règles importées',
    'tools.effect.summary': 'Sur les {evaluated} derniers e-mails, les règles importées en aiguilleraient {changed} autrement.',
    'tools.effect.none': 'Sur les {evaluated} derniers e-mails, les règles importées aiguilleraient chacun comme aujourd’hui.',
    'tools.effect.col.subject': 'E-mail',
    'tools.effect.col.before': "Aujourd'hui",
    'tools.effect.col.after': "Avec l'import",
    'tools.effect.nowhere': 'nulle part',
    'tools.effect.status.ignored': 'ignoré',
    'tools.effect.status.parked': 'en souffrance',
  },
});

const OUTCOME_BADGE = { written: 'ok', mapped: 'ok', not_mapped: 'warn', secret: 'bad' };

/**
 * Save JSON as a file: a Blob behind an object URL, clicked through an `<a download>`
 * (a navigation, which the CSP's connect-src does not govern).
 * @param {unknown} data
 * @param {string} fileName
 */
function downloadJson(data, fileName) {
  const blob = new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: fileName, hidden: true });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * @param {import('../importLogic.js').ImportReport} report
 * @returns {HTMLElement}
 */
function reportView(report) {
  const rows = reportRows(report);
  const titleId = uid('h');
  const count = (/** @type {string} */ o) => rows.filter((r) => r.outcome === o).length;
  const hasSecrets = !report.dry_run && count('secret') > 0;
  return h(
    'section',
    { class: 'import-report', 'aria-labelledby': titleId },
    h('h3', { id: titleId, text: t(report.dry_run ? 'tools.report.dry_title' : 'tools.report.title') }),
    h('p', { text: t('tools.report.summary', { written: count('written'), mapped: count('mapped'), skipped: count('not_mapped') }) }),
    hasSecrets ? h('p', { class: 'banner amber', text: t('tools.report.secret_once') }) : null,
    report.rules_effect ? effectView(report.rules_effect) : null,
    rows.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'report-table' },
            h('caption', { class: 'visually-hidden', text: t('tools.report.title') }),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('tools.report.col.outcome') }), h('th', { scope: 'col', text: t('tools.report.col.what') }))),
            h(
              'tbody',
              {},
              rows.map((row) => {
                const outcome = row.outcome === 'written' && report.dry_run ? 'would_write' : row.outcome;
                let what = /** @type {any} */ (row.item ? itemView(row.item) : h('span', { text: row.text }));
                if (row.outcome === 'secret') {
                  what = row.secret
                    ? h('div', {}, h('span', { text: row.text }), copyBox(t('tools.report.secret_for', { id: row.text }), row.secret))
                    : h('span', { text: t('tools.report.secret_later', { id: row.text }) });
                }
                return h(
                  'tr',
                  { dataset: { outcome: row.outcome } },
                  h('td', {}, h('span', { class: `badge ${OUTCOME_BADGE[row.outcome]}`, text: t(`tools.report.outcome.${outcome}`) })),
                  h('td', {}, what),
                );
              }),
            ),
          ),
        )
      : h('p', { class: 'help', text: t('tools.report.empty') }),
  );
}

/**
 * One field of the old documents: what it was and became, then why in words.
 * @param {import('../importLogic.js').ReportItem} item
 * @returns {HTMLElement}
 */
function itemView(item) {
  const key = `tools.note.${item.note}`;
  const words = t(key);
  const why = words === key ? item.text : item.detail ? `${words} (${item.detail})` : words;
  return h('div', {}, h('code', { text: itemHead(item) }), h('span', { class: 'help', text: ` — ${why}` }));
}

/**
 * @param {import('../importLogic.js').Outcome} outcome
 * @returns {string}
 */
function outcomeText(outcome) {
  if (outcome.status !== 'accepted') return t(`tools.effect.status.${outcome.status}`);
  return outcome.targets.length ? outcome.targets.join(', ') : t('tools.effect.nowhere');
}

/**
 * The imported rules against today's, on recent mail (dry run of the old router's rules).
 * @param {import('../importLogic.js').RulesEffect} effect
 * @returns {HTMLElement}
 */
function effectView(effect) {
  const summary = effect.changed
    ? t('tools.effect.summary', { evaluated: effect.evaluated, changed: effect.changed })
    : t('tools.effect.none', { evaluated: effect.evaluated });
  const rows = effect.changes.map((c) => h('tr', {}, h('td', { text: c.subject || c.email_id }), h('td', { text: outcomeText(c.before) }), h('td', { text: outcomeText(c.after) })));
  const head = h('tr', {}, ['subject', 'before', 'after'].map((col) => h('th', { scope: 'col', text: t(`tools.effect.col.${col}`) })));
  return h(
    'section',
    { class: 'rules-effect' },
    h('h4', { text: t('tools.effect.title') }),
    h('p', { text: summary }),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, head), h('tbody', {}, rows))) : null,
  );
}

/**
 * @param {HTMLElement} el
 * @param {{session: {user: string, csrf_token: string}, navigate: Function}} _ctx
 */
export function ToolsTab(el, _ctx) {
  // -- export ---------------------------------------------------------------------------------
  const secrets = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox' }));
  const secretsWarning = h('p', { class: 'banner amber', role: 'note', hidden: true, text: t('tools.export.secrets_warning') });
  secrets.addEventListener('change', () => {
    secretsWarning.hidden = !secrets.checked;
  });
  const secretsField = field(t('tools.export.secrets'), secrets, t('tools.export.secrets_help'));
  secretsField.classList.add('inline-check');
  const exportButton = h('button', {
    type: 'button',
    class: 'primary',
    text: t('tools.export.download'),
    onclick: () => {
      const withSecrets = secrets.checked;
      let fileName = '';
      return runAction(
        exportButton,
        async () => {
          const data = await api.get(URLS.configExport, withSecrets ? { include_secrets: 'true' } : undefined);
          fileName = exportFileName(data.exported_at, withSecrets);
          downloadJson(data, fileName);
        },
        { success: () => t('tools.export.done', { file: fileName }) },
      );
    },
  });

  // -- import -----------------------------------------------------------------------------------
  /** @type {import('../importLogic.js').ImportPlan|null} */
  let plan = null;
  const fileInput = /** @type {HTMLInputElement} */ (h('input', { type: 'file', multiple: true, accept: '.json,application/json' }));
  const planView = h('div', { class: 'import-plan', 'aria-live': 'polite' });
  const reportArea = h('div', { class: 'report-area', 'aria-live': 'polite' });
  const button = (/** @type {Record<string, unknown>} */ attrs) => /** @type {HTMLButtonElement} */ (h('button', { type: 'button', disabled: true, ...attrs }));
  const previewButton = button({ text: t('tools.import.preview') });
  const importButton = button({ class: 'primary', text: t('tools.import.run') });
  const clearButton = button({ text: t('tools.import.clear') });

  function syncButtons() {
    const ready = Boolean(plan && plan.body);
    previewButton.disabled = !ready;
    importButton.disabled = !ready;
    clearButton.disabled = !fileInput.files || fileInput.files.length === 0;
  }

  function renderPlan() {
    if (!plan) {
      replace(planView);
      return;
    }
    const docs = plan.documents.join(', ') || '—';
    replace(
      planView,
      plan.kind ? h('p', {}, h('strong', { text: t(`tools.import.kind.${plan.kind}`, { docs }) })) : h('p', { class: 'error', text: t('tools.import.nothing') }),
      plan.problems.length
        ? h('ul', { class: 'help' }, plan.problems.map((p) => h('li', { text: t(`tools.import.problem.${p.problem}`, { file: p.file }) })))
        : null,
    );
  }

  fileInput.addEventListener('change', async () => {
    const files = Array.from(fileInput.files || []);
    replace(reportArea);
    if (!files.length) {
      plan = null;
      setDirty('tools', false);
    } else {
      plan = planImport(await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() }))));
      setDirty('tools', Boolean(plan.body));
    }
    renderPlan();
    syncButtons();
  });

  /** @param {boolean} dryRun */
  async function send(dryRun) {
    if (!plan || !plan.body) return;
    const body = plan.body;
    const button = dryRun ? previewButton : importButton;
    if (!dryRun && !(await confirmDialog(tc('tools.import.confirm', { count: plan.documents.length }), { confirmLabel: t('tools.import.run') }))) return;
    const report = await runAction(button, () => api.post(withQuery(URLS.configImport, dryRun ? { dry_run: 'true' } : undefined), body), {
      success: t(dryRun ? 'tools.import.previewed' : 'tools.import.done'),
    });
    syncButtons();
    if (!report) return;
    replace(reportArea, reportView(report));
    if (!dryRun) {
      invalidateTargets(); // an import may add, change or remove targets
      setDirty('tools', false);
      fileInput.value = '';
      plan = null;
      renderPlan();
      syncButtons();
    }
  }
  previewButton.addEventListener('click', () => send(true));
  importButton.addEventListener('click', () => send(false));
  clearButton.addEventListener('click', () => {
    fileInput.value = '';
    plan = null;
    setDirty('tools', false);
    replace(reportArea);
    renderPlan();
    syncButtons();
  });

  const exportTitle = uid('h');
  const importTitle = uid('h');
  replace(
    el,
    h(
      'section',
      { class: 'card', 'aria-labelledby': exportTitle },
      h('h2', { id: exportTitle, text: t('tools.export.title') }),
      h('p', { class: 'help', text: t('tools.export.intro') }),
      secretsField,
      secretsWarning,
      h('div', { class: 'actions start' }, exportButton),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': importTitle },
      h('h2', { id: importTitle, text: t('tools.import.title') }),
      h('p', { class: 'help', text: t('tools.import.intro', { names: LEGACY_NAMES.map((n) => `${n}.json`).join(', ') }) }),
      h('div', { class: 'file-pick' }, field(t('tools.import.files'), fileInput, t('tools.import.files_help'))),
      planView,
      h('div', { class: 'actions start' }, previewButton, importButton, clearButton),
      reportArea,
    ),
  );

  return {
    update() {},
    /** @param {Record<string, string>} _params */
    show(_params) {},
    hide() {},
  };
}
