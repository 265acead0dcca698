// The audit log: who changed what, a page at a time, each change in words (field paths,
// values and objects as a person reads them; accessLogic.js does the pure part).

import { changeRows, detailWords, formatValue, objectWords, pageOf, pathParts, valueKind } from '../../accessLogic.js';
import { api } from '../../api.js';
import { h, timeAgo, uid } from '../../dom.js';
import { URLS } from '../../endpoints.js';
import { formatDateTime, formatDuration, formatDurationList } from '../../formatLogic.js';
import { getLang, t, tc } from '../../i18n.js';
import { loadInto, pager } from '../../ui.js';
import './messages.js';

const AUDIT_LIMIT = 20;
const CHANGES_SHOWN = 6;

/**
 * A translated word for a known key, else the raw value.
 * @param {string} key
 * @param {string} raw
 * @param {Record<string, string|number>} [params]
 */
function known(key, raw, params) {
  const text = tc(key, params);
  return text === key ? raw : text;
}

/** @param {string} resource @param {import('../../accessLogic.js').Change[]} changes */
function objectText(resource, changes) {
  const words = objectWords(resource, changes);
  const params = { ...words.params };
  if (words.key === 'access.object.document') params.doc = known(`access.doc.${params.doc}`, String(params.doc));
  return known(words.key, resource, params);
}

/** @param {string|undefined} detail */
function detailText(detail) {
  const words = detailWords(detail);
  if (!words) return '';
  const params = { ...words.params };
  for (const name of ['before', 'after']) if (name in params) params[name] = known(`monitor.state.${params[name]}`, String(params[name]));
  return tc(words.key, params);
}

/**
 * A change's field in words: "Rule 2 › condition 1 › value".
 * @param {string} path
 */
function pathText(path) {
  return pathParts(path)
    .map((part) => {
      const name = part.name ? known(`access.field.${part.name}`, part.name) : '';
      if (part.item !== undefined) return t('access.field.named', { name, item: part.item });
      if (part.number === undefined) return name;
      return name ? t('access.field.numbered', { name, number: part.number }) : t('access.field.item', { number: part.number });
    })
    .join(' › ');
}

/**
 * One value of a change, as people read it.
 * @param {unknown} value
 * @param {string} path
 * @param {string} lang
 * @returns {string}
 */
function valueText(value, path, lang) {
  switch (valueKind(path, value)) {
    case 'durations':
      return formatDurationList(/** @type {number[]} */ (value), lang);
    case 'duration':
      return formatDuration(/** @type {number} */ (value), lang);
    case 'switch':
      return t(value ? 'access.value.on' : 'access.value.off');
    case 'time':
      return formatDateTime(/** @type {number} */ (value), lang);
    case 'list':
      return /** @type {unknown[]} */ (value).length ? formatValue(/** @type {unknown[]} */ (value).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')) : t('access.value.empty');
    default:
      return formatValue(value);
  }
}

/** @param {{path: string, kind: string, old: string, new: string}} r */
function changeItem(r) {
  const values =
    r.kind === 'changed'
      ? [h('del', { text: r.old }), ' → ', h('ins', { text: r.new })]
      : r.kind === 'added'
        ? [h('span', { class: 'help', text: `${t('access.audit.added')} ` }), h('ins', { text: r.new })]
        : [h('span', { class: 'help', text: `${t('access.audit.removed')} ` }), h('del', { text: r.old })];
  return h('li', {}, r.path ? [h('span', { class: 'audit-path', title: r.path, text: pathText(r.path) }), t('access.audit.colon')] : null, values);
}

/**
 * The changes of an entry, "field: old → new", the first few shown and the rest folded.
 * Entries that change nothing (a sign-in, a test send) have no changes to show.
 * @param {import('../../accessLogic.js').Change[]} changes
 * @param {string} lang
 */
function changesCell(changes, lang) {
  const rows = changeRows(changes, (value, path) => valueText(value, path, lang));
  if (!rows.length) return null;
  const list = h('ul', { class: 'audit-changes' }, rows.slice(0, CHANGES_SHOWN).map(changeItem));
  if (rows.length <= CHANGES_SHOWN) return list;
  const rest = rows.slice(CHANGES_SHOWN);
  return h(
    'div',
    {},
    list,
    h('details', {}, h('summary', { text: tc('access.audit.more', { count: rest.length }) }), h('ul', { class: 'audit-changes' }, rest.map(changeItem))),
  );
}
/** @param {import('../../accessLogic.js').AuditEntry} entry */
function auditRow(entry) {
  const lang = getLang();
  const action = known(`access.action.${entry.action}`, entry.action);
  const detail = detailText(entry.detail);
  const cell = (/** @type {string} */ col, /** @type {any} */ content, attrs = {}) => h('td', { ...attrs, dataset: { label: t(`access.audit.col.${col}`) } }, content);
  return h(
    'tr',
    {},
    cell('when', timeAgo(entry.at, Date.now() / 1000, lang)),
    cell('who', entry.actor),
    cell('action', h('div', {}, h('span', { class: 'badge', text: action }), detail ? h('div', { class: 'help', text: detail }) : null)),
    cell('object', objectText(entry.resource, entry.changes || []), { class: 'audit-object' }),
    cell('changes', changesCell(entry.changes, lang), { class: 'audit-changes-cell' }),
  );
}

/** The audit log, a page at a time. */
export function auditSection() {
  const body = h('div', { class: 'audit-body' });
  let offset = 0;

  /** @param {number} [from] */
  function load(from = offset) {
    offset = from;
    return loadInto(body, async () => {
      const raw = await api.get(URLS.audit, { offset, limit: AUDIT_LIMIT + 1 });
      const page = pageOf(raw.items, offset, AUDIT_LIMIT);
      if (!page.items.length && offset === 0) return h('p', { class: 'help', text: t('access.audit.none') });
      const cols = ['when', 'who', 'action', 'object', 'changes'];
      const head = h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', text: t(`access.audit.col.${c}`) }))));
      return [
        h(
          'div',
          { class: 'table-wrap' },
          h('table', { class: 'audit-table stacked' }, h('caption', { class: 'visually-hidden', text: t('access.audit.title') }), head, h('tbody', {}, page.items.map(auditRow))),
        ),
        pager(page, AUDIT_LIMIT, (next) => load(next)),
      ];
    });
  }

  const title = uid('h');
  const node = h(
    'section',
    { class: 'card', 'aria-labelledby': title },
    h(
      'div',
      { class: 'row' },
      h('h2', { id: title, text: t('access.audit.title') }),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'small', text: t('access.audit.refresh'), onclick: () => load(0) }),
    ),
    h('p', { class: 'help', text: t('access.audit.intro') }),
    body,
  );
  return { node, load };
}
