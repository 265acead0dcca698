// The list shared by the Deliveries and Emails screens: the search and the filters (kept in
// the hash: `#/deliveries?q=…&status=dead&offset=50&id=dlv_…`), the total ("Showing 1–50 of
// 1,284"), the rows as a table (as cards on a phone), the pager, and one item in detail beside
// the list (in place of it on a phone). Each screen brings its columns, its card and its detail.

import { api } from '../../api.js';
import { field, h, replace } from '../../dom.js';
import { formatNumber } from '../../formatLogic.js';
import { getLang, t } from '../../i18n.js';
import { filterValues, listHash, rowClick, toggleDetail } from '../../monitorWidgets.js';
import { errorText, pager } from '../../ui.js';
import { LIMIT, cleanFilters, pageOffset, pageSpan } from './deliveriesLogic.js';
import './records.messages.js';

/**
 * @typedef {import('../../dom.js').Children} Children
 * @typedef {{href: string, open: boolean}} RowLink the route that opens an item; whether it is open
 * @typedef {{label: string, cell: (item: any, row: RowLink) => Children, num?: boolean, side?: boolean, main?: boolean}} Column
 *   `side`: a column hidden while a detail is open beside the list; `main`: the one given room
 * @typedef {{badge: Children, when: Children, title: Children, lines: Children[]}} Card
 * @typedef {{name: string, label: string, control: HTMLInputElement|HTMLSelectElement}} Filter
 * @typedef {{title: string, body: Children}} Detail
 * @typedef {{heading: string, filters: string, searchHelp: string, apply: string, none: string}} Words
 * @typedef {{items: any[], offset: number, next_offset: number|null, total?: number, total_exact?: boolean}} Page
 *
 * @typedef {Object} ListSpec
 * @property {string} screen route id, and the prefix of the classes (`deliveries-detail`)
 * @property {string} url the list's API
 * @property {readonly string[]} filterNames the hash params kept (the search, `q`, among them)
 * @property {(filters: Record<string, string>) => Record<string, string|number>} query
 * @property {Filter[]} filters the controls beside the search
 * @property {Words} words
 * @property {Column[]} columns the important ones first
 * @property {(item: any, row: RowLink) => Card} card an item on a phone
 * @property {(item: any) => string} idOf
 * @property {(id: string) => Promise<Detail>} detail
 * @property {Children} [actions] buttons under the filters
 * @property {(page: Page) => void} [listed] told of each page shown
 *
 * @typedef {{summary: HTMLElement, outcome: HTMLElement, list: HTMLElement, detail: HTMLElement, split: HTMLElement}} Parts
 * @typedef {{filters: Record<string, string>, offset: number, openId: string|null, listKey: string}} ListState
 */

/**
 * "Showing 1–50 of 1,284" (numbers in the language), or the screen's "nothing matches".
 * @param {Page} page
 * @param {string} none
 */
export function showingText(page, none) {
  const span = pageSpan(page);
  if (!span) return none;
  const lang = getLang();
  const params = { first: formatNumber(span.first, lang), last: formatNumber(span.last, lang), total: formatNumber(span.total, lang) };
  return t(span.about ? 'records.showing_about' : 'records.showing', params);
}

/**
 * The screen's frame: search and filters, actions, outcome line, summary, list and detail.
 * @param {HTMLElement} el
 * @param {ListSpec} spec
 * @param {HTMLInputElement} search
 * @param {{filter: (e: Event) => void, clear: () => void}} on
 * @returns {Parts}
 */
function frame(el, spec, search, on) {
  const s = spec.screen;
  const parts = {
    summary: h('p', { class: `records-summary ${s}-summary`, role: 'status', 'aria-live': 'polite' }),
    outcome: h('p', { class: `records-outcome ${s}-outcome`, role: 'status', 'aria-live': 'polite' }),
    list: h('div', { class: `card records-list ${s}-list` }),
    detail: h('div', { class: `card records-detail ${s}-detail`, hidden: true }),
    split: h('div', { class: `records-split ${s}-split` }),
  };
  replace(parts.split, parts.list, parts.detail);
  const form = h(
    'form',
    { class: 'records-filters', role: 'search', 'aria-label': spec.words.filters, onsubmit: on.filter },
    h('div', { class: 'records-search' }, field(t('records.search'), search, spec.words.searchHelp)),
    h(
      'div',
      { class: 'toolbar records-toolbar' },
      spec.filters.map((f) => field(f.label, f.control)),
      h('div', { class: 'records-buttons' }, h('button', { type: 'submit', class: 'primary', text: spec.words.apply }), h('button', { type: 'button', text: t('records.clear'), onclick: on.clear })),
    ),
  );
  const actions = spec.actions ? h('div', { class: `row records-actions ${s}-actions` }, spec.actions) : null;
  replace(el, h('h2', { text: spec.words.heading }), form, actions, parts.outcome, parts.summary, parts.split);
  return parts;
}

/**
 * The rows as a table (wide screens) and as cards (phones); CSS shows one of them.
 * @param {ListSpec} spec
 * @param {any[]} items
 * @param {(item: any) => RowLink} linkOf
 */
function rows(spec, items, linkOf) {
  const links = items.map(linkOf);
  return [recordTable(spec, items, links), cardList(spec, items, links)];
}

/** @param {Column} column */
function columnClass(column) {
  return [column.num ? 'num' : '', column.side ? 'col-side' : '', column.main ? 'col-main' : ''].join(' ').trim() || null;
}

/**
 * @param {ListSpec} spec
 * @param {any[]} items
 * @param {RowLink[]} links
 */
function recordTable(spec, items, links) {
  const head = h('tr', {}, spec.columns.map((c) => h('th', { scope: 'col', class: columnClass(c), text: c.label })));
  const body = items.map((item, i) =>
    h(
      'tr',
      rowAttrs(spec.idOf(item), links[i]),
      spec.columns.map((c) => h('td', { class: columnClass(c) }, c.cell(item, links[i]) ?? t('monitor.none'))),
    ),
  );
  return h(
    'div',
    { class: 'table-wrap records-table' },
    h('table', {}, h('caption', { class: 'visually-hidden', text: spec.words.heading }), h('thead', {}, head), h('tbody', {}, body)),
  );
}

/**
 * A row that opens its item when clicked anywhere (its link is the keyboard's way).
 * @param {string} id
 * @param {RowLink} link
 */
function rowAttrs(id, link) {
  return {
    class: 'selectable',
    'aria-selected': link.open ? 'true' : null,
    dataset: { id },
    onclick: (/** @type {MouseEvent} */ e) => rowClick(e, link.href),
  };
}

/**
 * @param {ListSpec} spec
 * @param {any[]} items
 * @param {RowLink[]} links
 */
function cardList(spec, items, links) {
  return h(
    'ul',
    { class: 'records-cards', 'aria-label': spec.words.heading },
    items.map((item, i) => {
      const card = spec.card(item, links[i]);
      return h(
        'li',
        { class: `record-card selectable${links[i].open ? ' selected' : ''}`, dataset: { id: spec.idOf(item) }, onclick: (/** @type {MouseEvent} */ e) => rowClick(e, links[i].href) },
        h('div', { class: 'record-card-top' }, card.badge, h('span', { class: 'record-card-when' }, card.when)),
        h('p', { class: 'record-card-title' }, card.title),
        card.lines.map((line) => h('p', { class: 'record-card-line' }, line)),
      );
    }),
  );
}

/**
 * The detail's frame: its heading (focusable) and a close link, then its body.
 * @param {string} title
 * @param {Children} body
 * @param {string} closeHref
 */
function detailFrame(title, body, closeHref) {
  return [
    h('div', { class: 'row records-detail-head' }, h('h3', { tabindex: '-1', text: title }), h('span', { class: 'spacer' }), closeLink(closeHref)),
    body,
  ];
}

/** @param {string} href */
function closeLink(href) {
  return h('a', { class: 'records-close', href }, h('span', { class: 'records-back', text: t('records.back') }), h('span', { class: 'records-close-text', text: t('records.close') }));
}

/**
 * Mark the open item in the rows already shown (opening another keeps the page as it is).
 * @param {HTMLElement} list
 * @param {string|null} openId
 */
function markOpen(list, openId) {
  for (const row of list.querySelectorAll('tbody tr')) {
    if (/** @type {HTMLElement} */ (row).dataset.id === openId) row.setAttribute('aria-selected', 'true');
    else row.removeAttribute('aria-selected');
  }
  for (const card of list.querySelectorAll('li.record-card')) {
    card.classList.toggle('selected', /** @type {HTMLElement} */ (card).dataset.id === openId);
  }
}

/**
 * What fills the list and the detail from the API, for the state they are given.
 * @param {HTMLElement} el
 * @param {import('../../app.js').ScreenContext} ctx
 * @param {ListSpec} spec
 * @param {Parts} parts
 * @param {ListState} state
 */
function loaders(el, ctx, spec, parts, state) {
  /** @param {Record<string, string>} extra */
  const hashFor = (extra) => listHash(spec.screen, state.filters, state.offset, extra);
  /** @param {any} item @returns {RowLink} */
  const linkOf = (item) => ({ href: hashFor({ id: spec.idOf(item) }), open: spec.idOf(item) === state.openId });
  const go = (/** @type {number} */ next) => ctx.navigate(spec.screen, { ...state.filters, ...(next ? { offset: String(next) } : {}) });

  /** @param {Page} page */
  function renderList(page) {
    spec.listed?.(page);
    parts.summary.textContent = showingText(page, spec.words.none);
    const paged = page.offset > 0 || (page.next_offset !== null && page.next_offset !== undefined);
    const shown = page.items.length ? rows(spec, page.items, linkOf) : h('p', { class: 'records-none', text: spec.words.none });
    replace(parts.list, shown, paged ? pager(page, LIMIT, go) : null);
  }

  async function loadList() {
    parts.list.setAttribute('aria-busy', 'true');
    try {
      renderList(await api.get(spec.url, { ...spec.query(state.filters), offset: state.offset, limit: LIMIT }));
      el.dataset.loaded = 'true';
    } catch (err) {
      parts.summary.textContent = '';
      replace(parts.list, h('p', { class: 'error', role: 'alert', text: errorText(err) }));
    } finally {
      parts.list.removeAttribute('aria-busy');
    }
  }

  /** @param {string} id @param {boolean} focus */
  async function loadDetail(id, focus) {
    toggleDetail(parts.split, parts.detail, true);
    parts.detail.setAttribute('aria-busy', 'true');
    try {
      const shown = await spec.detail(id);
      replace(parts.detail, detailFrame(shown.title, shown.body, hashFor({})));
      if (focus) /** @type {HTMLElement|null} */ (parts.detail.querySelector('h3'))?.focus();
    } catch (err) {
      replace(parts.detail, h('p', { class: 'error', role: 'alert', text: errorText(err) }), closeLink(hashFor({})));
    } finally {
      parts.detail.removeAttribute('aria-busy');
    }
  }

  return { loadList, loadDetail };
}

/**
 * Mount the list on a screen's panel.
 * @param {HTMLElement} el
 * @param {import('../../app.js').ScreenContext} ctx
 * @param {ListSpec} spec
 */
export function RecordList(el, ctx, spec) {
  /** @type {ListState} */
  const state = { filters: {}, offset: 0, openId: null, listKey: '' };
  const search = /** @type {HTMLInputElement} */ (h('input', { name: 'q', type: 'search', autocomplete: 'off', spellcheck: 'false' }));
  /** @type {Record<string, HTMLInputElement|HTMLSelectElement>} */
  const controls = { q: search, ...Object.fromEntries(spec.filters.map((f) => [f.name, f.control])) };
  const parts = frame(el, spec, search, {
    filter: (e) => {
      e.preventDefault();
      ctx.navigate(spec.screen, cleanFilters(filterValues(controls), spec.filterNames));
    },
    clear: () => ctx.navigate(spec.screen, {}),
  });
  const { loadList, loadDetail } = loaders(el, ctx, spec, parts, state);

  /** Reload the list and the open detail (after an action), saying what happened. @param {string} [text] */
  async function refresh(text) {
    if (text !== undefined) parts.outcome.textContent = text;
    state.listKey = JSON.stringify([state.filters, state.offset]);
    await Promise.all([loadList(), state.openId ? loadDetail(state.openId, false) : null]);
  }

  /** @param {Record<string, string>} params */
  async function show(params) {
    state.filters = cleanFilters(params || {}, spec.filterNames);
    state.offset = pageOffset(params?.offset, LIMIT);
    const wanted = params?.id || null;
    const opened = wanted !== state.openId;
    state.openId = wanted;
    for (const [name, control] of Object.entries(controls)) fillControl(control, state.filters[name] || '');
    const key = JSON.stringify([state.filters, state.offset]);
    const jobs = [];
    if (key !== state.listKey) {
      state.listKey = key;
      parts.outcome.textContent = '';
      jobs.push(loadList());
    } else markOpen(parts.list, state.openId);
    if (state.openId) jobs.push(loadDetail(state.openId, opened && jobs.length === 0));
    else toggleDetail(parts.split, parts.detail, false);
    await Promise.all(jobs);
  }

  return {
    show,
    refresh,
    update: () => refresh(),
    /** The filters in force, as the hash has them. */
    filters: () => state.filters,
    /** @param {string} text */
    say: (text) => {
      parts.outcome.textContent = text;
    },
  };
}

/**
 * Show a filter's value; a value the select does not offer yet (a target not loaded) is added.
 * @param {HTMLInputElement|HTMLSelectElement} control
 * @param {string} value
 */
function fillControl(control, value) {
  if (control instanceof HTMLSelectElement && value && ![...control.options].some((o) => o.value === value)) {
    control.appendChild(h('option', { value, text: value }));
  }
  control.value = value;
}
