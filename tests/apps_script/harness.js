#!/usr/bin/env node
'use strict';
/**
 * Run an Apps Script file, unchanged, in a node `vm` context with fakes of the Google services.
 *
 *   node tests/apps_script/harness.js <mailbox.json> <function> [--props props.json]
 *        [--script apps_script/Code.gs] [--lock path] [--fetch-latency-ms N] [--start-at MS]
 *
 * - mailbox.json: the fake account (Gmail threads, labels, triggers), read, then written back if
 *   the run changed it (see fakes/gmail.js for its shape).
 * - --props: the script properties as a flat JSON object, read, then written back if changed.
 * - --lock: the script lock's file (default: <props or mailbox>.lock), so that two harness
 *   processes on the same project contend for the lock as two real executions would.
 * - --fetch-latency-ms: each UrlFetchApp request moves the script's clock on by N ms (a slow
 *   server without waiting, for time-budget tests).
 * - --start-at: the script's clock starts at this time (ms since the epoch) and runs from there.
 *
 * UrlFetchApp makes real HTTP requests (loopback only). The run's report is printed on stdout as
 * one JSON object: {function, returned, error, fetches: [{method, url, status, error}], logs}.
 * Exit status: 0 the function returned, 1 it threw, 2 the harness itself failed.
 */

const fs = require('fs');
const path = require('path');
const vm = require('vm');

const { Mailbox, makeGmailApp } = require('./fakes/gmail');
const services = require('./fakes/services');
const { SyncHttp, makeUrlFetchApp } = require('./fakes/url_fetch');

const ROOT = path.resolve(__dirname, '..', '..');

function parseArgs(argv) {
  const args = {
    positional: [],
    props: null,
    script: path.join(ROOT, 'apps_script', 'Code.gs'),
    lock: null,
    latency: 0,
    startAt: null,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--props') args.props = argv[++i];
    else if (arg === '--script') args.script = argv[++i];
    else if (arg === '--lock') args.lock = argv[++i];
    else if (arg === '--fetch-latency-ms') args.latency = Number(argv[++i]);
    else if (arg === '--start-at') args.startAt = Number(argv[++i]);
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else args.positional.push(arg);
  }
  const badStart = args.startAt !== null && !Number.isFinite(args.startAt);
  if (args.positional.length !== 2 || !Number.isFinite(args.latency) || badStart) {
    throw new Error(
      'usage: harness.js <mailbox.json> <function> [--props props.json] [--script file.gs] ' +
        '[--lock path] [--fetch-latency-ms N] [--start-at MS]',
    );
  }
  [args.mailbox, args.function] = args.positional;
  args.lock = args.lock || `${args.props || args.mailbox}.lock`;
  return args;
}

function readJson(file, fallback) {
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : fallback;
}

function writeJson(file, value) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** The script's clock: real time (or from `startAt`) plus fake latency and Utilities.sleep. */
function makeClock(latencyMs, startAt) {
  let offset = startAt === null ? 0 : startAt - Date.now();
  return {
    offset: () => offset,
    advance(ms) {
      offset += ms;
    },
    afterFetch() {
      offset += latencyMs;
    },
  };
}

/** Replace the context's Date so that `Date.now()` and `new Date()` follow the fake clock. */
function installClock(context, clock) {
  context.__clockOffset = clock.offset;
  vm.runInContext(
    `(() => {
      const RealDate = Date;
      const offset = globalThis.__clockOffset;
      class ScriptDate extends RealDate {
        constructor(...args) {
          if (args.length === 0) super(RealDate.now() + offset());
          else super(...args);
        }
        static now() { return RealDate.now() + offset(); }
      }
      globalThis.Date = ScriptDate;
      delete globalThis.__clockOffset;
    })();`,
    context,
  );
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const mailbox = new Mailbox(readJson(args.mailbox, {}));
  const scriptStore = new services.PropertyStore(args.props ? readJson(args.props, {}) : {});
  const clock = makeClock(args.latency, args.startAt);
  const held = { owned: false, active: false };
  const report = { function: args.function, returned: null, error: null, fetches: [], logs: [] };
  const http = new SyncHttp();
  process.on('exit', () => {
    // Apps Script frees the lock when a run ends, however it ends.
    if (held.owned) fs.rmSync(args.lock, { force: true });
  });

  const context = vm.createContext({});
  installClock(context, clock);
  const now = () => vm.runInContext('Date.now()', context);
  Object.assign(context, {
    GmailApp: makeGmailApp(mailbox, now),
    UrlFetchApp: makeUrlFetchApp(http, report.fetches, clock),
    PropertiesService: services.makePropertiesService(scriptStore),
    LockService: services.makeLockService(args.lock, held, () => {
      // Another execution may have finished while this one waited: read what it wrote.
      if (!mailbox.dirty) mailbox.load(readJson(args.mailbox, {}));
      if (args.props && !scriptStore.dirty) scriptStore.reload(readJson(args.props, {}));
    }),
    ScriptApp: services.makeScriptApp(mailbox, (name) => typeof context[name] === 'function'),
    Utilities: services.makeUtilities(clock),
    Logger: services.makeLogger(report.logs),
    console: services.makeConsole(report.logs),
    Session: services.makeSession(mailbox),
  });

  const source = fs.readFileSync(args.script, 'utf8');
  vm.runInContext(source, context, { filename: path.basename(args.script) });
  if (typeof context[args.function] !== 'function') {
    throw new Error(`${path.basename(args.script)} has no function ${args.function}`);
  }
  let status = 0;
  try {
    const returned = context[args.function]();
    report.returned = returned === undefined ? null : JSON.parse(JSON.stringify(returned));
  } catch (err) {
    const message = String(err && err.message ? err.message : err);
    report.error = { message, stack: err && err.stack };
    status = 1;
  }
  if (mailbox.dirty) writeJson(args.mailbox, mailbox.doc);
  if (args.props && scriptStore.dirty) writeJson(args.props, scriptStore.values);
  if (held.owned) {
    fs.rmSync(args.lock, { force: true }); // only now: the next execution sees our writes
    held.owned = false;
  }
  report.gmailCalls = mailbox.calls;
  report.propertyWrites = scriptStore.writes;
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return status;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`harness: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 2;
}
