// Small builders shared by the Overview, Deliveries and Emails screens (SVG, badges, facts).

import { h, replace } from './dom.js';
import { formatDateTime } from './formatLogic.js';
import { addMessages, getLang, t } from './i18n.js';
import { routeHash } from './screens.js';

export { tc } from './i18n.js';

addMessages({
  en: {
    'monitor.state.scheduled': 'scheduled',
    'monitor.state.held': 'held',
    'monitor.state.in_flight': 'in flight',
    'monitor.state.retrying': 'retrying',
    'monitor.state.delivered': 'delivered',
    'monitor.state.dead': 'dead',
    'monitor.state.cancelled': 'cancelled',
    'monitor.state.expired': 'expired',
    'monitor.state.accepted': 'accepted',
    'monitor.state.ignored': 'ignored',
    'monitor.state.parked': 'parked',
    'monitor.none': '—',
  },
  fr: {
    'monitor.state.scheduled': 'planifiée',
    'monitor.state.held': 'retenue',
    'monitor.state.in_flight': 'en cours',
    'monitor.state.retrying': 'nouvel essai',
    'monitor.state.delivered': 'livrée',
    'monitor.state.dead': 'en échec',
    'monitor.state.cancelled': 'annulée',
    'monitor.state.expired': 'expirée',
    'monitor.state.accepted': 'accepté',
    'monitor.state.ignored': 'ignoré',
    'monitor.state.parked': 'en souffrance',
    'monitor.none': '—',
  },
});

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * An SVG element (attributes as given, children appended; text via `text`).
 * @param {string} tag
 * @param {Record<string, string|number|undefined>} [attrs]
 * @param {...(Node|null|undefined)} children
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}, ...children) {
  const node = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (key === 'text') node.textContent = String(value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

/** @param {string|null|undefined} state */
export function stateBadge(state) {
  const name = state || 'expired';
  const key = `monitor.state.${name}`;
  const label = t(key);
  return h('span', { class: `badge ${name}`, text: label === key ? name : label });
}

/** @param {number|null|undefined} ts */
export function when(ts) {
  return formatDateTime(ts, getLang());
}

/**
 * A `<dl class="facts">` from label/value pairs (empty values shown as a dash).
 * @param {Array<[string, unknown]>} pairs
 */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.map(([label, value]) => [
      h('dt', { text: label }),
      h('dd', {}, value instanceof Node ? value : value === null || value === undefined || value === '' ? t('monitor.none') : String(value)),
    ]),
  );
}

/**
 * A table with column headers (`<th scope=col>`) and rows of cells.
 * @param {string} caption visually hidden caption
 * @param {string[]} headers
 * @param {Array<Array<unknown>>} rows
 * @param {{rowAttrs?: (index: number) => Record<string, unknown>, numeric?: number[], narrow?: number[], stacked?: boolean}} [options]
 *   `narrow`: columns hidden on small screens; `stacked`: on small screens each row becomes a
 *   block, each value beside its column's name (for tables in a detail panel)
 */
export function table(caption, headers, rows, options = {}) {
  const numeric = new Set(options.numeric || []);
  const narrow = new Set(options.narrow || []);
  const cls = (/** @type {number} */ i) => [numeric.has(i) ? 'num' : '', narrow.has(i) ? 'hide-narrow' : ''].join(' ').trim() || null;
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: options.stacked ? 'stacked' : null },
      h('caption', { class: 'visually-hidden', text: caption }),
      h('thead', {}, h('tr', {}, headers.map((text, i) => h('th', { scope: 'col', class: cls(i), text })))),
      h(
        'tbody',
        {},
        rows.map((cells, index) =>
          h(
            'tr',
            options.rowAttrs ? options.rowAttrs(index) : {},
            cells.map((cell, i) =>
              h('td', { class: cls(i), dataset: options.stacked ? { label: headers[i] } : undefined }, cell instanceof Node ? cell : cell === null || cell === undefined || cell === '' ? t('monitor.none') : String(cell)),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * A click anywhere on a row opens it, like its link (which keyboard users reach).
 * @param {MouseEvent} event
 * @param {string} hash
 */
export function rowClick(event, hash) {
  const target = /** @type {HTMLElement} */ (event.target);
  if (target.closest('a, button')) return;
  location.hash = hash;
}

/**
 * The filter controls' trimmed values, empty ones left out.
 * @param {Record<string, HTMLInputElement|HTMLSelectElement>} controls
 * @returns {Record<string, string>}
 */
export function filterValues(controls) {
  /** @type {Record<string, string>} */
  const wanted = {};
  for (const [name, control] of Object.entries(controls)) if (control.value.trim()) wanted[name] = control.value.trim();
  return wanted;
}

/**
 * A list screen's route: its filters, its page (offset) and extras such as the open item.
 * @param {string} screen
 * @param {Record<string, string>} filters
 * @param {number} offset
 * @param {Record<string, string>} extra
 */
export function listHash(screen, filters, offset, extra) {
  return routeHash(screen, { ...filters, ...(offset ? { offset: String(offset) } : {}), ...extra });
}

/**
 * Attributes of a list row that opens its item's detail (click anywhere, or its link).
 * @param {string} id the row's item
 * @param {string|null|undefined} openId the item whose detail is open
 * @param {string} href the route that opens it
 */
export function selectableRow(id, openId, href) {
  return {
    class: 'selectable',
    'aria-selected': id === openId ? 'true' : null,
    dataset: { id },
    onclick: (/** @type {MouseEvent} */ e) => rowClick(e, href),
  };
}

/**
 * Show or hide a list's detail panel (the list takes the whole width when it is closed).
 * @param {HTMLElement} split the element holding list and detail
 * @param {HTMLElement} detail
 * @param {boolean} open
 */
export function toggleDetail(split, detail, open) {
  detail.hidden = !open;
  split.classList.toggle('split', open);
  if (!open) replace(detail);
}
