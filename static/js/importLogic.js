// Pure logic of the Tools screen: which files make an import, the report in rows, the export's file name.

/** The old router's documents, one JSON file each (`webhook_config.json`...). */
export const LEGACY_NAMES = /** @type {const} */ (['webhook_config', 'routing_rules', 'processing_prefs', 'runtime_flags']);
export const RELAIS_FORMAT = 'relais-config';

/**
 * @typedef {{name: string, text: string}} PickedFile
 * @typedef {{kind: 'relais'|'legacy'|null, body: Record<string, unknown>|null, documents: string[], problems: Array<{file: string, problem: 'not_json'|'not_object'|'unknown_file'|'duplicate'|'mixed'}>}} ImportPlan
 * @typedef {{field: string, note: string, text: string, value?: string, becomes?: string, detail?: string, problem?: boolean}} ReportItem
 * @typedef {{status: string, targets: string[], rules: string[]}} Outcome
 * @typedef {{email_id: string, subject: string, before: Outcome, after: Outcome}} RuleChange
 * @typedef {{evaluated: number, changed: number, changes: RuleChange[]}} RulesEffect
 * @typedef {{dry_run?: boolean, written?: string[], would_write?: string[], problems?: string[], mapped: Array<ReportItem|string>, not_mapped: Array<ReportItem|string>, generated_secrets: Record<string, string>, rules_effect?: RulesEffect}} ImportReport
 * @typedef {{outcome: 'written'|'mapped'|'not_mapped'|'secret', text: string, secret?: string, item?: ReportItem}} ReportRow
 */

/** Keys of the old dashboard's export file besides the documents themselves. */
export const EXPORT_EXTRAS = /** @type {const} */ (['exported_at', 'time_window', 'ui_preferences']);

/**
 * The legacy document a file name stands for: `webhook_config.json`, `routing_rules (1).json`,
 * `backup/processing_prefs.json` -> its name; anything else -> null.
 * @param {string} fileName
 * @returns {string|null}
 */
export function legacyNameOf(fileName) {
  const base = String(fileName).split(/[\\/]/).pop() || '';
  const stem = base.replace(/\.json$/i, '').toLowerCase();
  return LEGACY_NAMES.find((name) => stem === name || stem.startsWith(`${name} `) || stem.startsWith(`${name}.`)) || null;
}

/**
 * @param {string} text
 * @returns {unknown|undefined} undefined when not JSON
 */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Turn the picked files into the body of `POST /api/config/import`:
 * one Relais export (`format: relais-config`) as it is; or the old router's files, each
 * named after its document (or one file holding several documents by name), merged.
 * @param {PickedFile[]} files
 * @returns {ImportPlan}
 */
export function planImport(files) {
  /** @type {ImportPlan['problems']} */
  const problems = [];
  /** @type {Record<string, unknown>} */
  const legacy = {};
  /** @type {Record<string, unknown>|null} */
  let relais = null;
  for (const file of files) {
    const data = parseJson(file.text);
    if (data === undefined) {
      problems.push({ file: file.name, problem: 'not_json' });
      continue;
    }
    if (!isObject(data)) {
      problems.push({ file: file.name, problem: 'not_object' });
      continue;
    }
    if (data.format === RELAIS_FORMAT) {
      if (relais) problems.push({ file: file.name, problem: 'duplicate' });
      else relais = data;
      continue;
    }
    const named = legacyNameOf(file.name);
    /** @type {Array<[string, unknown]>} */
    const docs = named ? [[named, data]] : [...LEGACY_NAMES, ...EXPORT_EXTRAS].filter((n) => n in data).map((n) => [n, data[n]]);
    if (!docs.length) problems.push({ file: file.name, problem: 'unknown_file' });
    for (const [name, doc] of docs) {
      if (name in legacy) problems.push({ file: file.name, problem: 'duplicate' });
      else legacy[name] = doc;
    }
  }
  const legacyNames = Object.keys(legacy);
  if (relais && legacyNames.length) {
    return { kind: null, body: null, documents: [], problems: [...problems, { file: '', problem: 'mixed' }] };
  }
  if (relais) {
    const documents = isObject(relais.documents) ? Object.keys(relais.documents) : [];
    return { kind: 'relais', body: relais, documents, problems };
  }
  const documents = legacyNames.filter((n) => n !== 'exported_at' && n !== 'ui_preferences');
  if (documents.length) return { kind: 'legacy', body: legacy, documents, problems };
  return { kind: null, body: null, documents: [], problems };
}

/**
 * The import report as table rows, in the order an operator reads it: written, mapped, not mapped, secrets.
 * @param {ImportReport} report
 * @returns {ReportRow[]}
 */
export function reportRows(report) {
  /** @type {ReportRow[]} */
  const rows = [];
  // A dry run names the documents it `would_write`; the screen words them so.
  for (const text of report.written || report.would_write || []) rows.push({ outcome: 'written', text });
  for (const item of report.mapped || []) rows.push(itemRow('mapped', item));
  for (const item of report.not_mapped || []) rows.push(itemRow('not_mapped', item));
  for (const [id, secret] of Object.entries(report.generated_secrets || {})) {
    rows.push({ outcome: 'secret', text: id, secret: report.dry_run ? undefined : secret });
  }
  return rows;
}

/**
 * @param {'mapped'|'not_mapped'} outcome
 * @param {ReportItem|string} item
 * @returns {ReportRow}
 */
function itemRow(outcome, item) {
  if (typeof item === 'string') return { outcome, text: item };
  return { outcome, text: item.text, item };
}

/**
 * What an item says of its field: `field = value → becomes`, without the note.
 * @param {ReportItem} item
 * @returns {string}
 */
export function itemHead(item) {
  let head = item.field;
  if (item.value !== undefined) head += ` = ${item.value}`;
  if (item.becomes !== undefined) head += ` → ${item.becomes}`;
  return head;
}

/**
 * `relais-config-2026-12-02.json` (`-with-secrets` when it holds them), from a Unix time in seconds.
 * @param {number} exportedAt
 * @param {boolean} withSecrets
 * @returns {string}
 */
export function exportFileName(exportedAt, withSecrets) {
  const day = new Date(exportedAt * 1000).toISOString().slice(0, 10);
  return `relais-config-${day}${withSecrets ? '-with-secrets' : ''}.json`;
}
