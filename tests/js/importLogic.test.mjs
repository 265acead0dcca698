import assert from 'node:assert/strict';
import { test } from 'node:test';

import { exportFileName, itemHead, legacyNameOf, planImport, reportRows } from '../../static/js/importLogic.js';

const file = (name, data) => ({ name, text: typeof data === 'string' ? data : JSON.stringify(data) });

test('old router file names map to their documents', () => {
  assert.equal(legacyNameOf('webhook_config.json'), 'webhook_config');
  assert.equal(legacyNameOf('backup/Routing_Rules.JSON'), 'routing_rules');
  assert.equal(legacyNameOf('processing_prefs (1).json'), 'processing_prefs');
  assert.equal(legacyNameOf('runtime_flags.2026-01-01.json'), 'runtime_flags');
  assert.equal(legacyNameOf('notes.json'), null);
  assert.equal(legacyNameOf('webhook_configuration.json'), null);
});

test('a Relais export is sent as it is', () => {
  const doc = { format: 'relais-config', version: 1, documents: { routing_rules: {}, runtime_flags: {} } };
  const plan = planImport([file('relais-config.json', doc)]);
  assert.equal(plan.kind, 'relais');
  assert.deepEqual(plan.body, doc);
  assert.deepEqual(plan.documents, ['routing_rules', 'runtime_flags']);
  assert.deepEqual(plan.problems, []);
});

test('the old router files are merged by name, a combined file by its keys', () => {
  const plan = planImport([
    file('webhook_config.json', { webhook_url: 'x' }),
    file('all.json', { routing_rules: { rules: [] }, runtime_flags: { gmail_ingress_enabled: true } }),
  ]);
  assert.equal(plan.kind, 'legacy');
  assert.deepEqual(plan.body, {
    webhook_config: { webhook_url: 'x' },
    routing_rules: { rules: [] },
    runtime_flags: { gmail_ingress_enabled: true },
  });
  assert.deepEqual(plan.problems, []);
});

test('bad files are named with their problem and left out', () => {
  const plan = planImport([
    file('webhook_config.json', { webhook_url: 'x' }),
    file('broken.json', '{nope'),
    file('list.json', [1]),
    file('readme.json', { hello: 1 }),
    file('webhook_config (2).json', { webhook_url: 'y' }),
  ]);
  assert.equal(plan.kind, 'legacy');
  assert.deepEqual(plan.body, { webhook_config: { webhook_url: 'x' } });
  assert.deepEqual(
    plan.problems.map((p) => [p.file, p.problem]),
    [
      ['broken.json', 'not_json'],
      ['list.json', 'not_object'],
      ['readme.json', 'unknown_file'],
      ['webhook_config (2).json', 'duplicate'],
    ],
  );
});

test('a Relais export and old files together are refused', () => {
  const plan = planImport([file('a.json', { format: 'relais-config', documents: {} }), file('runtime_flags.json', {})]);
  assert.equal(plan.kind, null);
  assert.equal(plan.body, null);
  assert.equal(plan.problems.at(-1)?.problem, 'mixed');
});

test('nothing usable gives no plan', () => {
  assert.equal(planImport([]).kind, null);
  assert.equal(planImport([file('x.json', { a: 1 })]).body, null);
});

test('the report reads written, mapped, not mapped, then new secrets', () => {
  const rows = reportRows({
    written: ['routing_rules'],
    mapped: ['runtime flag x'],
    not_mapped: ['webhook_ssl_verify: always verified'],
    generated_secrets: { make: 'whsec_1' },
  });
  assert.deepEqual(
    rows.map((r) => r.outcome),
    ['written', 'mapped', 'not_mapped', 'secret'],
  );
  assert.equal(rows[3].secret, 'whsec_1');
  const dry = reportRows({ dry_run: true, written: [], mapped: [], not_mapped: [], generated_secrets: { make: '***' } });
  assert.deepEqual(dry, [{ outcome: 'secret', text: 'make', secret: undefined }]);
});

test('a dry run lists the documents it would write (the server says would_write, not written)', () => {
  const rows = reportRows({ dry_run: true, would_write: ['time_windows'], mapped: [], not_mapped: [], generated_secrets: {} });
  assert.deepEqual(rows, [{ outcome: 'written', text: 'time_windows' }]);
});

test('the export file is named after its day and says when it holds secrets', () => {
  assert.equal(exportFileName(Date.UTC(2026, 11, 2, 23) / 1000, false), 'relais-config-2026-12-02.json');
  assert.equal(exportFileName(0, true), 'relais-config-1970-01-01-with-secrets.json');
});

test("the old dashboard's export file is imported whole, its extras with it", () => {
  const exported = {
    exported_at: '2026-11-30T10:00:00Z',
    webhook_config: { success: true, config: { webhook_url: 'x' } },
    time_window: { success: true, webhooks_time_start: '08:00', webhooks_time_end: '20:00' },
    processing_prefs: { success: true, prefs: {} },
    ui_preferences: {},
  };
  const plan = planImport([file('export.json', exported)]);
  assert.equal(plan.kind, 'legacy');
  assert.deepEqual(plan.documents, ['webhook_config', 'processing_prefs', 'time_window']);
  assert.deepEqual(Object.keys(plan.body || {}).sort(), Object.keys(exported).sort());
});

test('a report item reads field = value -> becomes', () => {
  const item = { field: 'processing_prefs.retry_count', note: 'old_default_not_enforced', text: '…', value: '0 retries', becomes: 'retry_schedule [0, 5]' };
  assert.equal(itemHead(item), 'processing_prefs.retry_count = 0 retries → retry_schedule [0, 5]');
  const [row] = reportRows({ written: [], mapped: [item], not_mapped: [], generated_secrets: {} });
  assert.equal(row.item, item);
});
