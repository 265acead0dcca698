// Building DOM without innerHTML: every piece of data goes in as text.

/**
 * @typedef {string|number|Node|null|undefined|false} Child
 */

/**
 * Create an element. `attrs` keys: `class`, `text`, `on<Event>` handlers, `dataset`,
 * boolean properties (`disabled`, `checked`, `hidden`...), anything else as attribute.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Child|Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = String(value);
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key in PROPS) /** @type {any} */ (node)[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

const PROPS = { disabled: 1, checked: 1, value: 1, hidden: 1, selected: 1, open: 1, indeterminate: 1 };

/**
 * @param {Node} node
 * @param {Array<Child|Child[]>} children
 */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * Replace every child of `node`.
 * @param {Node} node
 * @param {...(Child|Child[])} children
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
