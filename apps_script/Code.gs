/**
 * Relais — pushes the Gmail messages of this mailbox to Relais.
 *
 * Entry points (run them from the editor or a trigger):
 *   processInbox()      what the 1-minute trigger runs: push the selected threads
 *   reconcile()         ask Relais which recent messages it never accepted; push those again
 *   installTrigger()    create the labels and the triggers, then check the connection to Relais
 *   uninstallTrigger()  remove this script's triggers
 *
 * Settings are script properties (Project Settings > Script properties), see README.md:
 *   RELAIS_URL, PROCESS_API_TOKEN (required); LABEL_NAME, ERROR_LABEL_NAME, SEARCH_QUERY,
 *   SIGNING_SECRET, HMAC_SECRET, BATCH_SIZE, TIME_BUDGET_SECONDS, HISTORY_HOURS, RECONCILE_HOURS,
 *   RECONCILE_QUERY, TRIGGER_EVERY_MINUTES (optional).
 *
 * Delivery rule: a thread loses its label only once every message of it that had to be sent
 * was answered 200 accepted/duplicate/ignored. A permanent refusal (400, 413, 415, 422) moves
 * the thread to the error label; anything else (401, 409, 429, 5xx, network error) keeps the
 * label for a later run.
 */

const RELAIS_SCRIPT_VERSION = '1.0.0';

const INGRESS_PATH = '/api/ingress/gmail';
const RECONCILE_PATH = '/api/ingress/reconcile';

const DEFAULT_LABEL_NAME = 'A_TRANSFERER_WEBHOOK';
const DEFAULT_ERROR_LABEL_NAME = 'A_TRANSFERER_WEBHOOK_ERREUR';

/** Answers that mean "Relais has the message": the label may go. */
const SAFE_STATUSES = ['accepted', 'duplicate', 'ignored'];
/** Refusals that will not change on a retry: the thread goes to the error label. */
const PERMANENT_CODES = [400, 413, 415, 422];
/** Answers about this one message rather than about Relais: go on with the next one. */
const MESSAGE_FAILURE_CODES = [200, 500];
/** After this many message failures in a row, Relais is probably broken: stop the run. */
const MAX_FAILURES_IN_A_ROW = 3;

/** processInbox skips a turn while the previous run still works; reconcile (hourly) waits. */
const LOCK_WAIT_MS = { processInbox: 1000, reconcile: 30000 };
const DEFAULT_RETRY_AFTER_SECONDS = 60;
const MAX_RETRY_AFTER_SECONDS = 3600;
const RECONCILE_CHUNK = 500; // the endpoint's limit per call
const SEARCH_PAGE = 100;
const SEARCH_SCAN_LIMIT = 500; // threads looked at per run in search mode

/** Relais's limits on the extended fields, clipped so a long header never bounces an email. */
const FIELD_LIMITS = {
  message_id: 998,
  reply_to: 2000,
  to: 100000,
  cc: 100000,
  label: 255,
  name: 1000,
  type: 255,
  list: 500,
};

const HANDLERS = ['processInbox', 'reconcile'];

/** Our state in the script properties, apart from the settings (lower case, so they sort apart). */
const STATE_NOT_BEFORE = 'relais.notBefore';
const STATE_LAST_RUN = 'relais.lastRun';
const STATE_SENT_PREFIX = 'relais.sent.';
const SENT_CHUNK_CHARS = 8000; // a property value holds at most 9 KB
const SENT_MAX_TOTAL_CHARS = 400000; // the whole store holds at most 500 KB
const HOUR_MS = 3600 * 1000;

// ---------------------------------------------------------------------------------------------
// Entry points

/** Push the messages of the selected threads that Relais has not confirmed yet. */
function processInbox() {
  return withRun_('processInbox', pushSelectedThreads_);
}

/** Send Relais the Gmail ids seen recently; push again the ones it says it never accepted. */
function reconcile() {
  return withRun_('reconcile', reconcileRecent_);
}

/** Create the labels and the triggers (idempotent), then check that Relais accepts our token. */
function installTrigger() {
  const settings = readSettings_(PropertiesService.getScriptProperties().getProperties());
  uninstallTrigger();
  ScriptApp.newTrigger('processInbox')
    .timeBased()
    .everyMinutes(settings.triggerEveryMinutes)
    .create();
  if (settings.reconcileHours > 0) {
    ScriptApp.newTrigger('reconcile').timeBased().everyHours(1).create();
  }
  if (!settings.searchQuery) {
    labelNamed_(settings.labelName, true);
  }
  labelNamed_(settings.errorLabelName, true);
  const reply = postJson_(settings, RECONCILE_PATH, { gmail_message_ids: [] });
  if (reply.code === 200) {
    log_('Installed. Relais at %s accepts this script\'s token.', settings.baseUrl);
  } else {
    log_('Installed, but Relais answered %s (%s): check RELAIS_URL, PROCESS_API_TOKEN and '
      + 'SIGNING_SECRET (or HMAC_SECRET).', reply.code || 'no answer', describeReply_(reply));
  }
  return { triggers: ScriptApp.getProjectTriggers().length, connection: reply.code };
}

/** Remove the triggers this script created; other triggers of the project are left alone. */
function uninstallTrigger() {
  let removed = 0;
  ScriptApp.getProjectTriggers().forEach((trigger) => {
    if (HANDLERS.includes(trigger.getHandlerFunction())) {
      ScriptApp.deleteTrigger(trigger);
      removed += 1;
    }
  });
  log_('Removed %s trigger(s).', removed);
  return { removed: removed };
}

// ---------------------------------------------------------------------------------------------
// One run: lock, settings, state, time budget

/** Run `work(run)` under the script lock, with the settings and the state; save the state after. */
function withRun_(name, work) {
  const lock = LockService.getScriptLock();
  if (!lock.tryLock(LOCK_WAIT_MS[name])) {
    log_('%s: another run holds the lock; this one does nothing.', name);
    return { skipped: 'locked' };
  }
  const store = PropertiesService.getScriptProperties();
  let state = null;
  try {
    const properties = store.getProperties(); // read under the lock: the last run's state is saved
    const settings = readSettings_(properties);
    state = loadState_(properties, settings);
    const run = newRun_(name, settings, state);
    if (state.notBefore > run.startedAt) {
      log_('%s: Relais asked to wait until %s; nothing sent.', name, isoTime_(state.notBefore));
      run.stoppedBy = 'retry_after';
    } else {
      work(run);
    }
    const summary = summary_(run);
    state.lastRun = JSON.stringify(summary);
    log_('%s: %s', name, state.lastRun);
    return summary;
  } finally {
    if (state) {
      saveState_(store, state);
    }
    lock.releaseLock();
  }
}

function newRun_(name, settings, state) {
  return {
    name: name,
    settings: settings,
    state: state,
    startedAt: Date.now(),
    stoppedBy: null,
    failuresInARow: 0,
    counts: { posted: 0, accepted: 0, duplicate: 0, ignored: 0, rejected: 0, failed: 0 },
    threads: { done: 0, error: 0, kept: 0 },
  };
}

/** True once the run must not start another request. */
function mustStop_(run) {
  if (!run.stoppedBy && Date.now() - run.startedAt >= run.settings.timeBudgetMs) {
    run.stoppedBy = 'time_budget';
    log_('%s: time budget of %s s spent; the rest waits for the next run.', run.name,
      run.settings.timeBudgetMs / 1000);
  }
  return Boolean(run.stoppedBy);
}

function summary_(run) {
  return {
    function: run.name,
    startedAt: isoTime_(run.startedAt),
    seconds: Math.round((Date.now() - run.startedAt) / 100) / 10,
    stoppedBy: run.stoppedBy,
    counts: run.counts,
    threads: run.threads,
  };
}

// ---------------------------------------------------------------------------------------------
// processInbox

function pushSelectedThreads_(run) {
  const settings = run.settings;
  const context = { label: labelNamed_(settings.labelName, false), ownAddresses: null };
  const threads = settings.searchQuery
    ? searchThreadsWithWork_(run, context)
    : labelledThreads_(context.label, settings);
  for (let i = 0; i < threads.length && !mustStop_(run); i += 1) {
    pushThread_(run, context, threads[i]);
  }
}

function labelledThreads_(label, settings) {
  if (!label) {
    log_('Label "%s" does not exist yet: nothing to send (installTrigger() creates it).',
      settings.labelName);
    return [];
  }
  return label.getThreads(0, settings.batchSize);
}

/** Search mode: the first BATCH_SIZE threads matching SEARCH_QUERY with something to send. */
function searchThreadsWithWork_(run, context) {
  const settings = run.settings;
  const query = '(' + settings.searchQuery + ') -label:' + quoteLabel_(settings.errorLabelName);
  const selected = [];
  searchPages_(query, (thread) => {
    if (thread.getMessages().some((message) => isToSend_(run, context, message))) {
      selected.push(thread);
    }
    return selected.length < settings.batchSize;
  });
  return selected;
}

/** Call `visit(thread)` on the search results, page by page, until it returns false. */
function searchPages_(query, visit) {
  for (let start = 0; start < SEARCH_SCAN_LIMIT; start += SEARCH_PAGE) {
    const page = GmailApp.search(query, start, SEARCH_PAGE);
    for (let i = 0; i < page.length; i += 1) {
      if (!visit(page[i])) {
        return;
      }
    }
    if (page.length < SEARCH_PAGE) {
      return;
    }
  }
}

/** Post what the thread still has to send; then unlabel it, move it to the error label, or not. */
function pushThread_(run, context, thread) {
  const labels = labelNames_(thread);
  let pending = 0;
  let rejected = 0;
  thread.getMessages().forEach((message) => {
    if (!isToSend_(run, context, message)) {
      return;
    }
    if (mustStop_(run)) {
      pending += 1;
      return;
    }
    const outcome = pushMessage_(run, message, thread.getId(), labels);
    if (outcome === 'rejected') {
      rejected += 1;
    } else if (outcome !== 'confirmed') {
      pending += 1;
    }
  });
  if (pending > 0) {
    run.threads.kept += 1;
    return;
  }
  if (rejected > 0) {
    thread.addLabel(labelNamed_(run.settings.errorLabelName, true));
    run.threads.error += 1;
    log_('Thread %s moved to "%s": Relais refused %s message(s) for good.', thread.getId(),
      run.settings.errorLabelName, rejected);
  } else {
    run.threads.done += 1;
  }
  if (context.label && labels.includes(context.label.getName())) {
    thread.removeLabel(context.label);
  }
}

/**
 * A message is sent when it is not a draft, not in the trash, not written by this account, not
 * confirmed by Relais already, and either unread or received within HISTORY_HOURS (so an old, read
 * message of a thread that a reply brings back is not sent again).
 */
function isToSend_(run, context, message) {
  if (!isOthersMail_(context, message) || message.getId() in run.state.sent) {
    return false;
  }
  const recent = message.getDate().getTime() >= run.startedAt - run.settings.historyMs;
  return recent || message.isUnread();
}

/** A received message: not a draft, not in the trash, not written by this account. */
function isOthersMail_(context, message) {
  if (message.isDraft() || message.isInTrash()) {
    return false;
  }
  context.ownAddresses = context.ownAddresses || ownAddresses_(); // looked up once, when needed
  return !context.ownAddresses[addressOf_(message.getFrom())];
}

/** Post one message: 'confirmed', 'rejected' (for good), 'failed' (this one) or 'unavailable'. */
function pushMessage_(run, message, threadId, labels) {
  const id = message.getId();
  const payload = emailPayload_(message, threadId, labels);
  let reply = postJson_(run.settings, INGRESS_PATH, payload);
  run.counts.posted += 1;
  if (reply.code === 413 && payload.plain_body) {
    // Too large for Relais: the plain text repeats the HTML body, so try once without it.
    delete payload.plain_body;
    reply = postJson_(run.settings, INGRESS_PATH, payload);
    run.counts.posted += 1;
  }
  const outcome = outcomeOf_(reply);
  if (outcome === 'confirmed') {
    run.counts[reply.json.status] += 1;
    run.failuresInARow = 0;
    rememberSent_(run.state, id);
    return outcome;
  }
  log_('Message %s: Relais answered %s (%s).', id, reply.code || 'no answer',
    describeReply_(reply));
  if (outcome === 'rejected') {
    run.counts.rejected += 1;
    return outcome;
  }
  run.counts.failed += 1;
  if (outcome === 'failed') {
    run.failuresInARow += 1;
    if (run.failuresInARow >= MAX_FAILURES_IN_A_ROW) {
      run.stoppedBy = 'failures';
    }
    return outcome;
  }
  stopForRelais_(run, reply);
  return outcome;
}

function outcomeOf_(reply) {
  const json = reply.json || {};
  if (reply.code === 200 && json.success === true && SAFE_STATUSES.includes(json.status)) {
    return 'confirmed';
  }
  if (PERMANENT_CODES.includes(reply.code)) {
    return 'rejected';
  }
  return MESSAGE_FAILURE_CODES.includes(reply.code) ? 'failed' : 'unavailable';
}

/** Relais cannot take mail now (down, off, token refused, rate limited): stop, maybe wait. */
function stopForRelais_(run, reply) {
  run.stoppedBy = reply.code ? 'http_' + reply.code : 'network';
  let waitSeconds = reply.retryAfter;
  if (waitSeconds === null && reply.code === 429) {
    waitSeconds = DEFAULT_RETRY_AFTER_SECONDS;
  }
  if (waitSeconds !== null) {
    waitSeconds = Math.min(Math.max(waitSeconds, 0), MAX_RETRY_AFTER_SECONDS);
    run.state.notBefore = Date.now() + waitSeconds * 1000;
    log_('Relais asked to wait %s s; the next runs send nothing before %s.', waitSeconds,
      isoTime_(run.state.notBefore));
  }
}

/** The ingress body: the old script's five fields, then Relais's extended ones. */
function emailPayload_(message, threadId, labels) {
  const plain = message.getPlainBody() || '';
  const date = message.getDate().toISOString();
  const attachments = message.getAttachments({ includeInlineImages: false });
  return {
    subject: message.getSubject() || '',
    sender: message.getFrom() || '',
    date: date,
    body: message.getBody() || '',
    snippet: plain.slice(0, 200),
    gmail_message_id: message.getId(),
    thread_id: threadId,
    message_id: clip_(message.getHeader('Message-ID'), FIELD_LIMITS.message_id) || undefined,
    to: clip_(message.getTo(), FIELD_LIMITS.to),
    cc: clip_(message.getCc(), FIELD_LIMITS.cc),
    reply_to: clip_(message.getReplyTo(), FIELD_LIMITS.reply_to),
    plain_body: plain,
    labels: labels.slice(0, FIELD_LIMITS.list).map((name) => clip_(name, FIELD_LIMITS.label)),
    attachments: attachments.slice(0, FIELD_LIMITS.list).map((attachment) => ({
      name: clip_(attachment.getName(), FIELD_LIMITS.name),
      size: attachment.getSize(),
      content_type: clip_(attachment.getContentType(), FIELD_LIMITS.type),
    })),
    received_at: date,
  };
}

// ---------------------------------------------------------------------------------------------
// reconcile

function reconcileRecent_(run) {
  const settings = run.settings;
  if (settings.reconcileHours <= 0) {
    log_('RECONCILE_HOURS is 0: reconcile is off.');
    return;
  }
  const since = run.startedAt - settings.reconcileHours * HOUR_MS;
  const context = { label: null, ownAddresses: null };
  const ids = sentSince_(run.state, since);
  recentlyReceivedIds_(settings, context, since).forEach((id) => {
    if (!ids.includes(id)) {
      ids.push(id);
    }
  });
  for (let start = 0; start < ids.length && !mustStop_(run); start += RECONCILE_CHUNK) {
    const chunk = ids.slice(start, start + RECONCILE_CHUNK);
    const reply = postJson_(settings, RECONCILE_PATH, { gmail_message_ids: chunk });
    if (reply.code !== 200 || !reply.json || !Array.isArray(reply.json.unknown)) {
      log_('Reconcile: Relais answered %s (%s).', reply.code || 'no answer',
        describeReply_(reply));
      stopForRelais_(run, reply);
      return;
    }
    reply.json.unknown.forEach((id) => {
      if (!mustStop_(run)) {
        pushAgain_(run, context, id);
      }
    });
  }
}

/** With RECONCILE_QUERY (or SEARCH_QUERY): the ids of the matching messages received since then. */
function recentlyReceivedIds_(settings, context, since) {
  const base = settings.reconcileQuery || settings.searchQuery;
  if (!base) {
    return [];
  }
  const query = '(' + base + ') after:' + Math.floor(since / 1000) // seconds: exact, any time zone
    + ' -label:' + quoteLabel_(settings.errorLabelName);
  const ids = [];
  searchPages_(query, (thread) => {
    thread.getMessages().forEach((message) => {
      if (isOthersMail_(context, message) && message.getDate().getTime() >= since) {
        ids.push(message.getId());
      }
    });
    return true;
  });
  return ids;
}

function pushAgain_(run, context, id) {
  const message = messageById_(id);
  if (!message || !isOthersMail_(context, message)) {
    log_('Reconcile: message %s is gone or not to send; skipped.', id);
    return;
  }
  const thread = message.getThread();
  const labels = labelNames_(thread);
  log_('Reconcile: Relais never accepted message %s; sending it again.', id);
  pushMessage_(run, message, thread.getId(), labels);
}

function messageById_(id) {
  try {
    return GmailApp.getMessageById(id);
  } catch (err) {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * Standard Webhooks signature headers (what Relais's own deliveries carry): webhook-id,
 * webhook-timestamp and `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * "<id>.<timestamp>.<body>", keyed with the base64 part of the `whsec_` secret.
 */
function signStandard_(headers, secret, body) {
  const id = 'msg_' + Utilities.getUuid().replace(/-/g, '');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Utilities.base64Decode(secret.replace(/^whsec_/, ''));
  const signed = Utilities.newBlob(id + '.' + timestamp + '.').getBytes().concat(body);
  const signature = Utilities.computeHmacSha256Signature(signed, key);
  headers['webhook-id'] = id;
  headers['webhook-timestamp'] = timestamp;
  headers['webhook-signature'] = 'v1,' + Utilities.base64Encode(signature);
}

/** POST `document` as JSON: {code, json, retryAfter, error}, code 0 when nothing came back. */
function postJson_(settings, path, document) {
  const body = Utilities.newBlob(JSON.stringify(document)).getBytes(); // UTF-8
  const headers = {
    Authorization: 'Bearer ' + settings.token,
    'X-Source': 'GoogleAppsScript',
    'X-Relais-Client': 'relais-apps-script/' + RELAIS_SCRIPT_VERSION,
  };
  if (settings.signingSecret) {
    signStandard_(headers, settings.signingSecret, body);
  } else if (settings.hmacSecret) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signed = Utilities.newBlob(timestamp + '.').getBytes().concat(body);
    const key = Utilities.newBlob(settings.hmacSecret).getBytes();
    const signature = Utilities.computeHmacSha256Signature(signed, key); // over the exact bytes
    headers['X-Relais-Timestamp'] = timestamp;
    headers['X-Relais-Signature'] = 'v1=' + toHex_(signature);
  }
  let response;
  try {
    response = UrlFetchApp.fetch(settings.baseUrl + path, {
      method: 'post',
      contentType: 'application/json; charset=utf-8',
      payload: body,
      headers: headers,
      muteHttpExceptions: true,
      followRedirects: false, // a redirected POST would arrive as a GET
    });
  } catch (err) {
    return { code: 0, json: null, retryAfter: null, error: String((err && err.message) || err) };
  }
  return {
    code: response.getResponseCode(),
    json: parseJson_(response.getContentText()),
    retryAfter: retryAfterSeconds_(response.getHeaders()),
    error: null,
  };
}

/** What Relais said, for the log: its error code and message (it never echoes the email back). */
function describeReply_(reply) {
  if (reply.error) {
    return reply.error;
  }
  const json = reply.json || {};
  return [json.status || json.error, json.message].filter(Boolean).join(': ') || 'no JSON body';
}

function retryAfterSeconds_(headers) {
  const value = headerValue_(headers, 'Retry-After');
  if (!value) {
    return null;
  }
  if (/^\d+$/.test(value.trim())) {
    return parseInt(value, 10);
  }
  const at = Date.parse(value); // the HTTP-date form
  return isNaN(at) ? null : Math.ceil((at - Date.now()) / 1000);
}

function headerValue_(headers, name) {
  const wanted = name.toLowerCase();
  const key = Object.keys(headers || {}).find((k) => k.toLowerCase() === wanted);
  if (key === undefined) {
    return null;
  }
  const value = headers[key];
  return Array.isArray(value) ? String(value[0]) : String(value);
}

function parseJson_(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    return null;
  }
}

/** Apps Script bytes are signed (-128..127). */
function toHex_(bytes) {
  return bytes.map((b) => ((b & 0xff) + 0x100).toString(16).slice(1)).join('');
}

// ---------------------------------------------------------------------------------------------
// Settings

function readSettings_(properties) {
  const baseUrl = String(properties.RELAIS_URL || '').trim()
    .replace(/\/+$/, '')
    .replace(/\/api\/ingress\/gmail$/, ''); // the old script's setting was the full endpoint URL
  if (!/^https?:\/\/[^\s/]+/.test(baseUrl)) {
    throw new Error('Script property RELAIS_URL must be the address of Relais, '
      + 'e.g. https://relais.example.com');
  }
  const token = String(properties.PROCESS_API_TOKEN || '').trim();
  if (!token) {
    throw new Error('Script property PROCESS_API_TOKEN is missing (the token Relais expects).');
  }
  const historyHours = intSetting_(properties, 'HISTORY_HOURS', 72, 1, 720);
  return {
    baseUrl: baseUrl,
    token: token,
    signingSecret: String(properties.SIGNING_SECRET || '').trim(),
    hmacSecret: String(properties.HMAC_SECRET || ''),
    labelName: String(properties.LABEL_NAME || DEFAULT_LABEL_NAME).trim(),
    errorLabelName: String(properties.ERROR_LABEL_NAME || DEFAULT_ERROR_LABEL_NAME).trim(),
    searchQuery: String(properties.SEARCH_QUERY || '').trim(),
    reconcileQuery: String(properties.RECONCILE_QUERY || '').trim(),
    batchSize: intSetting_(properties, 'BATCH_SIZE', 20, 1, 100),
    triggerEveryMinutes: minutesSetting_(properties),
    timeBudgetMs: intSetting_(properties, 'TIME_BUDGET_SECONDS', 240, 10, 330) * 1000,
    historyHours: historyHours,
    historyMs: historyHours * HOUR_MS,
    reconcileHours: intSetting_(properties, 'RECONCILE_HOURS', Math.min(24, historyHours), 0,
      historyHours),
  };
}

/** ClockTriggerBuilder.everyMinutes() takes 1, 5, 10, 15 or 30. */
function minutesSetting_(properties) {
  const value = intSetting_(properties, 'TRIGGER_EVERY_MINUTES', 1, 1, 30);
  if (![1, 5, 10, 15, 30].includes(value)) {
    throw new Error('Script property TRIGGER_EVERY_MINUTES must be 1, 5, 10, 15 or 30.');
  }
  return value;
}

function intSetting_(properties, name, fallback, min, max) {
  const raw = properties[name];
  if (raw === undefined || raw === null || String(raw).trim() === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error('Script property ' + name + ' must be a whole number from ' + min + ' to '
      + max + '.');
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// State: "not before" and the ids Relais confirmed, by hour, in the script properties

function loadState_(properties, settings) {
  const state = {
    settings: settings,
    notBefore: Date.parse(properties[STATE_NOT_BEFORE] || '') || 0,
    hadNotBefore: STATE_NOT_BEFORE in properties,
    lastRun: properties[STATE_LAST_RUN] || '',
    sent: {}, // id -> hour
    hours: {}, // hour -> [ids]
    keys: [], // the sent-id keys as loaded
    dirtyHours: {},
  };
  Object.keys(properties).forEach((key) => {
    if (!key.startsWith(STATE_SENT_PREFIX)) {
      return;
    }
    state.keys.push(key);
    const hour = hourOfKey_(key);
    String(properties[key]).split(',').filter(Boolean).forEach((id) => {
      state.sent[id] = hour;
      (state.hours[hour] = state.hours[hour] || []).push(id);
    });
  });
  return state;
}

function hourOfKey_(key) {
  return Number(key.slice(STATE_SENT_PREFIX.length).split('.')[0]);
}

function rememberSent_(state, id) {
  if (id in state.sent) {
    return; // pushed again by reconcile: it keeps its first hour
  }
  const hour = Math.floor(Date.now() / HOUR_MS);
  state.sent[id] = hour;
  (state.hours[hour] = state.hours[hour] || []).push(id);
  state.dirtyHours[hour] = true;
}

function sentSince_(state, since) {
  const firstHour = Math.floor(since / HOUR_MS);
  return Object.keys(state.sent).filter((id) => state.sent[id] >= firstHour);
}

/** Write the changed hours (in chunks under the 9 KB value limit), drop the expired ones. */
function saveState_(store, state) {
  const wanted = {};
  keptHours_(state).forEach((hour) => {
    chunkIds_(state.hours[hour]).forEach((chunk, i) => {
      wanted[STATE_SENT_PREFIX + hour + '.' + i] = chunk;
    });
  });
  const changes = {};
  Object.keys(wanted).forEach((key) => {
    if (state.dirtyHours[hourOfKey_(key)] || !state.keys.includes(key)) {
      changes[key] = wanted[key];
    }
  });
  const stale = state.keys.filter((key) => !(key in wanted));
  if (state.notBefore > Date.now()) {
    changes[STATE_NOT_BEFORE] = isoTime_(state.notBefore);
  } else if (state.hadNotBefore) {
    stale.push(STATE_NOT_BEFORE);
  }
  if (state.lastRun) {
    changes[STATE_LAST_RUN] = state.lastRun;
  }
  store.setProperties(changes);
  stale.forEach((key) => store.deleteProperty(key));
}

/** The hours still inside HISTORY_HOURS, newest first, within the total size budget. */
function keptHours_(state) {
  const oldest = Math.floor(Date.now() / HOUR_MS) - state.settings.historyHours;
  const hours = Object.keys(state.hours).map(Number)
    .filter((hour) => hour >= oldest)
    .sort((a, b) => b - a);
  let total = 0;
  return hours.filter((hour) => {
    total += state.hours[hour].join(',').length;
    return total <= SENT_MAX_TOTAL_CHARS;
  });
}

function chunkIds_(ids) {
  const chunks = [];
  let current = '';
  ids.forEach((id) => {
    if (current && current.length + 1 + id.length > SENT_CHUNK_CHARS) {
      chunks.push(current);
      current = '';
    }
    current = current ? current + ',' + id : id;
  });
  if (current) {
    chunks.push(current);
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------------
// Gmail helpers

function labelNamed_(name, create) {
  const label = GmailApp.getUserLabelByName(name);
  return label || (create ? GmailApp.createLabel(name) : null);
}

function quoteLabel_(name) {
  return '"' + name.replace(/"/g, '') + '"';
}

/** This account's addresses (lower case): its own messages in a thread are never sent. */
function ownAddresses_() {
  const addresses = {};
  [Session.getEffectiveUser().getEmail()].concat(GmailApp.getAliases()).forEach((address) => {
    if (address) {
      addresses[String(address).trim().toLowerCase()] = true;
    }
  });
  return addresses;
}

function addressOf_(from) {
  const match = /<([^>]*)>/.exec(from || '');
  return (match ? match[1] : String(from || '')).trim().toLowerCase();
}

function labelNames_(thread) {
  return thread.getLabels().map((label) => label.getName());
}

function clip_(value, max) {
  return String(value || '').slice(0, max);
}

function isoTime_(ms) {
  return new Date(ms).toISOString();
}

/** Logger.log with %s placeholders. */
function log_(format, ...values) {
  Logger.log(format.replace(/%s/g, () => String(values.shift())));
}
