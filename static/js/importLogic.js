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
  /** @type {{data: Record<string, unknown>|null}} */
  const relais = { data: null };
  for (const file of files) readFile(file, { problems, legacy, relais });
  return planOf(relais.data, legacy, problems);
}

/**
 * What one picked file holds, added to the plan being gathered (a problem when it holds nothing usable).
 * @param {PickedFile} file
 * @param {{problems: ImportPlan['problems'], legacy: Record<string, unknown>, relais: {data: Record<string, unknown>|null}}} into
 */
function readFile(file, into) {
  const data = parseJson(file.text);
  const problem = (/** @type {ImportPlan['problems'][number]['problem']} */ code) => into.problems.push({ file: file.name, problem: code });
  if (data === undefined) return problem('not_json');
  if (!isObject(data)) return problem('not_object');
  if (data.format === RELAIS_FORMAT) {
    if (into.relais.data) return problem('duplicate');
    into.relais.data = data;
    return undefined;
  }
  const named = legacyNameOf(file.name);
  /** @type {Array<[string, unknown]>} */
  const docs = named ? [[named, data]] : [...LEGACY_NAMES, ...EXPORT_EXTRAS].filter((n) => n in data).map((n) => [n, data[n]]);
  if (!docs.length) problem('unknown_file');
  for (const [name, doc] of docs) {
    if (name in into.legacy) problem('duplicate');
    else into.legacy[name] = doc;
  }
  return undefined;
}

/**
 * The plan from what the files held: a Relais export, or the old router's documents, never both.
 * @param {Record<string, unknown>|null} relais
 * @param {Record<string, unknown>} legacy
 * @param {ImportPlan['problems']} problems
 * @returns {ImportPlan}
 */
function planOf(relais, legacy, problems) {
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
  // A dry run names the documents it `would_write`; the screen words them so.
  const written = report.written || report.would_write || [];
  const secrets = Object.entries(report.generated_secrets || {});
  return [
    ...written.map((text) => /** @type {ReportRow} */ ({ outcome: 'written', text })),
    ...(report.mapped || []).map((item) => itemRow('mapped', item)),
    ...(report.not_mapped || []).map((item) => itemRow('not_mapped', item)),
    ...secrets.map(([id, secret]) => /** @type {ReportRow} */ ({ outcome: 'secret', text: id, secret: report.dry_run ? undefined : secret })),
  ];
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
