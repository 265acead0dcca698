// Every audit entry the server can write reads as words on the Access screen, in English and
// in French. The actions, object kinds and document names are read from the Python source
// (every `audit.record(actor, "action", "kind:...")` call and every `DOCUMENT = "name"`), so
// an action added on the server without its labels fails here instead of showing as a code.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { objectWords } from '../../static/js/accessLogic.js';
import { messageKeys, missingKeys } from '../../static/js/i18n.js';
import '../../static/js/screens/access/messages.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The server's Python packages (tests, benchmarks and tooling write no audit entry). */
const PACKAGES = ['services', 'routes', 'email_processing', 'config'];
const SKIP_DIRS = new Set(['__pycache__', 'node_modules', '.venv']);

/**
 * @param {string} dir absolute
 * @returns {string[]} every .py file under it
 */
function pythonFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : pythonFiles(path.join(dir, entry.name));
    return entry.name.endsWith('.py') ? [path.join(dir, entry.name)] : [];
  });
}

const SOURCES = PACKAGES.flatMap((pkg) => pythonFiles(path.join(ROOT, pkg))).map((file) => ({
  file: path.relative(ROOT, file),
  text: fs.readFileSync(file, 'utf8'),
}));

/** A call on the audit log: `self.audit.record(` or `self._audit.record(`. */
const CALL = /\b_?audit\.record\(/g;
/** Its actor (any expression without a comma), its action (a literal) and its resource. */
const ARGS = /^\s*[^,()]+(?:\([^()]*\))?\s*,\s*"([a-z_]+)"\s*,\s*f?"([^"]*)"/;

/** @returns {{actions: Map<string, string>, kinds: Map<string, string>, unreadable: string[]}} */
function auditCalls() {
  const actions = new Map();
  const kinds = new Map();
  const unreadable = [];
  for (const { file, text } of SOURCES) {
    for (const call of text.matchAll(CALL)) {
      const rest = text.slice(/** @type {number} */ (call.index) + call[0].length);
      const line = text.slice(0, call.index).split('\n').length;
      const args = ARGS.exec(rest);
      if (!args) {
        unreadable.push(`${file}:${line}`);
        continue;
      }
      actions.set(args[1], `${file}:${line}`);
      // "mailbox:{address}" is a mailbox; "{self.name}@{doc.version}" a document (see below).
      if (!args[2].startsWith('{')) kinds.set(args[2].split(':')[0], `${file}:${line}`);
    }
  }
  return { actions, kinds, unreadable };
}

/** @returns {string[]} the configuration documents' names (their audit resource is `name@version`) */
function documentNames() {
  return SOURCES.flatMap(({ text }) => [...text.matchAll(/^DOCUMENT\s*=\s*"([a-z_]+)"/gm)].map((m) => m[1]));
}

/**
 * Keys without a label in one of the languages, with where the server uses them.
 * @param {Map<string, string>} used code -> where
 * @param {(code: string) => string} keyOf
 */
function unlabelled(used, keyOf) {
  const en = new Set(messageKeys());
  const frMissing = new Set(missingKeys().fr);
  const problems = [];
  for (const [code, where] of used) {
    const key = keyOf(code);
    if (!en.has(key)) problems.push(`${key} (English; ${where})`);
    else if (frMissing.has(key)) problems.push(`${key} (French; ${where})`);
  }
  return problems;
}

const calls = auditCalls();

test('the server writes audit entries, each with a literal action this test can read', () => {
  assert.ok(calls.actions.size >= 5, `too few audit actions found: ${[...calls.actions.keys()]}`);
  assert.ok(calls.actions.has('login') && calls.actions.has('update'), 'login and update are audited');
  assert.deepEqual(calls.unreadable, [], 'audit calls whose action is not a string literal: make it one so its label can be checked');
});

test('every audit action the server writes has an English and a French label', () => {
  assert.deepEqual(unlabelled(calls.actions, (action) => `access.action.${action}`), []);
});

test('every kind of object the server audits has an English and a French label', () => {
  assert.ok(calls.kinds.has('session') && calls.kinds.has('target'), `kinds found: ${[...calls.kinds.keys()]}`);
  const keys = new Map([...calls.kinds].map(([kind, where]) => [objectWords(kind === 'session' ? kind : `${kind}:x`).key, where]));
  assert.deepEqual(unlabelled(keys, (key) => key), []);
});

test('every configuration document has an English and a French name in the audit log', () => {
  const names = documentNames();
  assert.ok(names.includes('routing_rules'), `documents found: ${names}`);
  assert.deepEqual(unlabelled(new Map(names.map((n) => [n, 'DOCUMENT'])), (name) => `access.doc.${name}`), []);
});
