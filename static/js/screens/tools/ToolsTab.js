// Tools: export the configuration as a JSON file, import a Relais export or the old router's files
// (preview with a dry run, confirm, then the mapping report).

import { api, withQuery } from '../../api.js';
import { field, h, replace, uid } from '../../dom.js';
import { URLS, invalidateTargets } from '../../endpoints.js';
import { t, tc } from '../../i18n.js';
import { LEGACY_NAMES, exportFileName, planImport } from '../../importLogic.js';
import { confirmDialog, runAction, setDirty } from '../../ui.js';
import { reportView } from './importReport.js';
import './messages.js';

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
  /** @type {import('../../importLogic.js').ImportPlan|null} */
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
