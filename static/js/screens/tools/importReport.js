// An import's report: each document, and what became of each old-router setting (written,
// mapped, not mapped, a secret to set again), in words.

import { copyBox } from '../../accessWidgets.js';
import { h, uid } from '../../dom.js';
import { t } from '../../i18n.js';
import { itemHead, reportRows } from '../../importLogic.js';
import './messages.js';

const OUTCOME_BADGE = { written: 'ok', mapped: 'ok', not_mapped: 'warn', secret: 'bad' };

/**
 * @param {import('../../importLogic.js').ImportReport} report
 * @returns {HTMLElement}
 */
export function reportView(report) {
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
 * @param {import('../../importLogic.js').ReportItem} item
 * @returns {HTMLElement}
 */
function itemView(item) {
  const key = `tools.note.${item.note}`;
  const words = t(key);
  const why = words === key ? item.text : item.detail ? `${words} (${item.detail})` : words;
  return h('div', {}, h('code', { text: itemHead(item) }), h('span', { class: 'help', text: ` — ${why}` }));
}

/**
 * @param {import('../../importLogic.js').Outcome} outcome
 * @returns {string}
 */
function outcomeText(outcome) {
  if (outcome.status !== 'accepted') return t(`tools.effect.status.${outcome.status}`);
  return outcome.targets.length ? outcome.targets.join(', ') : t('tools.effect.nowhere');
}

/**
 * The imported rules against today's, on recent mail (dry run of the old router's rules).
 * @param {import('../../importLogic.js').RulesEffect} effect
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
