// Every module of the dashboard (static/js and static/js/screens, found on disk so screens added
// later are covered) is imported in node, then both languages must hold the same message keys.
// Library modules must import cleanly (no DOM access at module top level); page entry points
// (the scripts the HTML pages load) start the page on import, so their failure to find a DOM
// is expected once their messages are registered.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { missingKeys } from '../../static/js/i18n.js';

const STATIC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../static');

/**
 * Every module under static/js, screen folders included (js/screens/rules/RulesTab.js...).
 * @param {string} [dir]
 * @returns {string[]} paths relative to static/, e.g. `js/screens/access.js`
 */
function modules(dir = 'js') {
  const full = path.join(STATIC, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      if (entry.isDirectory()) return modules(`${dir}/${entry.name}`);
      return entry.name.endsWith('.js') ? [`${dir}/${entry.name}`] : [];
    });
}

/** @returns {Set<string>} the module scripts the HTML pages load, e.g. `js/app.js` */
function entryPoints() {
  const found = new Set();
  for (const name of fs.readdirSync(STATIC).filter((n) => n.endsWith('.html'))) {
    const html = fs.readFileSync(path.join(STATIC, name), 'utf8');
    for (const match of html.matchAll(/<script[^>]*\bsrc="\/static\/([^"]+)"/g)) found.add(match[1]);
  }
  return found;
}

/** @param {unknown} err */
function hint(err) {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return /\b(document|window|location|navigator|localStorage|HTMLElement|customElements)\b is not defined/.test(text)
    ? `${text} (it touches the browser at module top level: move that into the mount function)`
    : text;
}

const entries = entryPoints();
const all = modules();

test('the dashboard has modules and screens to check', () => {
  assert.ok(all.includes('js/i18n.js'), 'static/js/i18n.js not found');
  assert.ok(all.some((m) => m.startsWith('js/screens/')), 'no screen module found under static/js/screens');
});

test('every library and screen module imports in node without a DOM', async () => {
  const failures = [];
  for (const rel of all.filter((m) => !entries.has(m))) {
    try {
      await import(pathToFileURL(path.join(STATIC, rel)).href);
    } catch (err) {
      failures.push(`static/${rel}: ${hint(err)}`);
    }
  }
  assert.deepEqual(failures, [], `modules that cannot be imported in node:\n${failures.join('\n')}`);
});

test('page entry points register their messages before they start the page', async () => {
  // The shell asks the server for its session on start: no network here, and a no-op redirect.
  globalThis.fetch = () => Promise.reject(new TypeError('no network in this test'));
  globalThis.location ??= /** @type {any} */ ({ pathname: '/login', hash: '', assign() {} });
  const onRejection = () => {};
  process.on('unhandledRejection', onRejection);
  for (const rel of [...entries].filter((m) => all.includes(m))) {
    try {
      await import(pathToFileURL(path.join(STATIC, rel)).href);
    } catch {
      // Expected: the page needs a DOM. Its addMessages() call came first.
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.off('unhandledRejection', onRejection);
});

test('English and French hold the same message keys, across every module', () => {
  const missing = missingKeys();
  assert.deepEqual(missing.fr, [], `keys without a French text: ${missing.fr.join(', ')}`);
  assert.deepEqual(missing.en, [], `keys without an English text: ${missing.en.join(', ')}`);
});
