// Building DOM without innerHTML: every piece of data goes in as text.

import { formatExact, formatRelative } from './formatLogic.js';

/**
 * @typedef {string|number|Node|null|undefined|false} Child
 * @typedef {Child|Children[]} Children children nest to any depth (`append` flattens them)
 */

/**
 * Create an element. `attrs` keys: `class`, `text`, `on<Event>` handlers, `dataset`,
 * boolean properties (`disabled`, `checked`, `hidden`...), anything else as attribute.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...Children} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    setAttr(node, key, value);
  }
  append(node, children);
  return node;
}

/**
 * One of `h`'s attrs (never undefined, null or false).
 * @param {HTMLElement} node
 * @param {string} key
 * @param {any} value
 */
function setAttr(node, key, value) {
  if (key === 'class') node.className = String(value);
  else if (key === 'text') node.textContent = String(value);
  else if (key === 'dataset') Object.assign(node.dataset, value);
  else if (key.startsWith('on') && typeof value === 'function') {
    node.addEventListener(key.slice(2).toLowerCase(), value);
  } else if (key in PROPS) /** @type {any} */ (node)[key] = value;
  else node.setAttribute(key, value === true ? '' : String(value));
}

const PROPS = { disabled: 1, checked: 1, value: 1, hidden: 1, selected: 1, open: 1, indeterminate: 1 };

/**
 * @param {Node} node
 * @param {Children[]} children
 */
export function append(node, children) {
  for (const child of children) {
    if (Array.isArray(child)) append(node, child);
    else if (child !== null && child !== undefined && child !== false) {
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

/**
 * Replace every child of `node`.
 * @param {Node} node
 * @param {...Children} children
 */
export function replace(node, ...children) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return append(node, children);
}

let counter = 0;
/** @param {string} prefix @returns {string} a unique id for label/for and aria links */
export function uid(prefix = 'id') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * A labelled form control: `<div class="field"><label for=..>text</label>control help</div>`.
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [help]
 */
export function field(label, control, help) {
  if (!control.id) control.id = uid('f');
  const helpNode = help ? h('p', { class: 'help', id: uid('help'), text: help }) : null;
  if (helpNode) control.setAttribute('aria-describedby', helpNode.id);
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control, helpNode);
}

/**
 * A moment as people say it ("2 minutes ago", "in 3 hours"), the exact date and time on hover
 * (and for screen readers through `datetime`). `now` and `ts` are Unix seconds.
 * @param {number|null|undefined} ts
 * @param {number} now
 * @param {string} lang
 * @param {string} [fallback] shown when there is no moment
 * @returns {HTMLElement}
 */
export function timeAgo(ts, now, lang, fallback = '—') {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return h('span', { text: fallback });
  const exact = formatExact(ts, lang);
  return h('time', { class: 'ago', datetime: new Date(ts * 1000).toISOString(), title: exact, text: formatRelative(ts, now, lang) });
}
