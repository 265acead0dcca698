// The dry run: what the rules shown on the page (the rule in the editor included) decide for
// one email, with the trace rule by rule, and what they would change on the last stored
// emails compared with the saved rules. Nothing is sent or saved; every word is translated
// from the codes the API answers.

import { api } from '../../api.js';
import { h, replace, uid } from '../../dom.js';
import { URLS } from '../../endpoints.js';
import { decodeEntities } from '../../formatLogic.js';
import { getLang, t, tc } from '../../i18n.js';
import { say } from '../../outcomeWords.js';
import { emailReasonPhrase } from '../records/waitingLogic.js';
import { errorText, notify, runAction } from '../../ui.js';
import { fieldLabel, operatorLabel } from './ruleControls.js';
import { replayRows, sampleEmail, traceSteps } from './dryRunLogic.js';
import './messages.js';
import './dryrun.messages.js';

/**
 * @typedef {import('./ruleModel.js').RuleSet} RuleSet
 * @typedef {import('./ruleModel.js').Outcome} Outcome
 * @typedef {{draft: () => RuleSet|null, placeErrors: (err: unknown) => void, hasEdits: () => boolean,
 *   targetName: (id: string) => string, ruleName: (id: string) => string}} DryRunContext
 *   draft: the rules to try (null when the editor's rule has errors, then shown)
 */

const OUTCOME_BADGE = { matched: 'ok', not_matched: '', disabled: 'warn', after_stop: 'warn' };

/** @param {string[]} items */
const listed = (items) => new Intl.ListFormat(getLang(), { type: 'conjunction' }).format(items);

/** @param {string} label @param {HTMLElement} control @param {...(Node|null)} more */
const labelled = (label, control, ...more) => h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control, ...more);

/**
 * An email's status in words, with why when it is not sent.
 * @param {string} status @param {string|null} reason
 */
function statusWords(status, reason) {
  const known = ['accepted', 'ignored', 'parked'].includes(status);
  const word = known ? t(`rules.status.${status}`) : t('rules.status.other', { status });
  const why = emailReasonPhrase(reason, true);
  return why ? t('rules.outcome.why', { status: word, reason: say(why) }) : word;
}

/**
 * "sent → Make by Invoices", in the page's language.
 * @param {Outcome} outcome @param {DryRunContext} ctx
 */
function outcomeWords(outcome, ctx) {
  const targets = outcome.targets.length ? listed(outcome.targets.map(ctx.targetName)) : t('rules.outcome.nowhere');
  const text = t('rules.outcome.to', { status: statusWords(outcome.status, outcome.reason), targets });
  const via = outcome.rules.length ? t('rules.outcome.via', { rules: listed(outcome.rules.map(ctx.ruleName)) }) : '';
  return via ? `${text} ${via}` : text;
}

/**
 * Why one rule matched or not, in words.
 * @param {import('./dryRunLogic.js').Why} why
 */
function whyWords(why) {
  return t(`rules.why.${why.code}`, {
    count: why.count ?? '',
    n: why.n ?? '',
    field: why.field ? fieldLabel(why.field) : '',
    operator: why.operator ? operatorLabel(why.operator) : '',
  });
}

/**
 * The trace, rule by rule, counted from 1.
 * @param {any[]} trace @param {RuleSet} rules
 */
function traceTable(trace, rules) {
  if (!trace.length) return h('p', { class: 'help', text: t('rules.dry.no_trace') });
  const head = ['step', 'rule', 'result'].map((c) => h('th', { scope: 'col', text: t(`rules.dry.col.${c}`) }));
  const rows = traceSteps(trace, rules.rules).map((step) =>
    h(
      'tr',
      { class: step.outcome === 'matched' ? 'trace-hit' : '', dataset: { outcome: step.outcome } },
      h('td', { class: 'num', text: String(step.step) }),
      h('th', { scope: 'row', text: step.name }),
      h(
        'td',
        {},
        h('span', { class: `badge ${OUTCOME_BADGE[step.outcome]}`, text: t(`rules.dry.outcome.${step.outcome}`) }),
        h('span', { class: 'help block trace-why', text: whyWords(step.why) }),
      ),
    ),
  );
  return h('div', { class: 'table-wrap' }, h('table', { class: 'rules-trace' }, h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows)));
}

/**
 * The decision for one email and its trace.
 * @param {any} answer @param {RuleSet} rules @param {DryRunContext} ctx
 */
function decisionView(answer, rules, ctx) {
  const decision = answer.decision || {};
  const yesNo = (/** @type {boolean} */ v) => (v ? t('rules.dry.yes') : t('rules.dry.no'));
  /** @param {string} label @param {string} value */
  const fact = (label, value) => [h('dt', { text: label }), h('dd', { text: value })];
  const names = (/** @type {string[]} */ ids, /** @type {(id: string) => string} */ name) => (ids.length ? listed(ids.map(name)) : t('rules.dry.none'));
  return h(
    'div',
    { class: 'rules-decision' },
    h('h3', { text: t('rules.dry.result') }),
    h(
      'dl',
      { class: 'facts' },
      fact(t('rules.dry.status'), statusWords(answer.status, answer.reason)),
      fact(t('rules.dry.targets'), names(answer.targets || [], ctx.targetName)),
      fact(t('rules.dry.matched'), names(answer.rules || [], ctx.ruleName)),
      fact(t('rules.dry.default_used'), yesNo(Boolean(decision.used_default))),
      fact(t('rules.dry.dropped'), yesNo(Boolean(decision.dropped))),
      fact(t('rules.dry.priority'), t(`rules.priority.${decision.priority || 'normal'}`)),
      decision.window_policy ? fact(t('rules.dry.window_policy'), t(`rules.policy.${decision.window_policy}`)) : null,
    ),
    h('h4', { text: t('rules.dry.trace') }),
    traceTable(decision.trace || [], rules),
  );
}

/** The pasted email's fields; `read()` gives the email, or null when the sender is missing. */
function pasteFields() {
  /** @param {string} id @param {string} [type] */
  const input = (id, type = 'text') => /** @type {HTMLInputElement} */ (h('input', { type, id: uid(id), autocomplete: 'off' }));
  const [sender, subject, to, cc, labels] = ['dry-sender', 'dry-subject', 'dry-to', 'dry-cc', 'dry-labels'].map((id) => input(id));
  const body = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: uid('dry-body'), rows: 4 }));
  const headers = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: uid('dry-headers'), rows: 2, placeholder: 'List-Id: <news.example.com>' }));
  const attachment = input('dry-attachment', 'checkbox');
  const senderError = h('p', { class: 'field-error', id: uid('dry-sender-err'), hidden: true });
  sender.setAttribute('aria-describedby', senderError.id);
  const node = h(
    'div',
    { class: 'rules-paste' },
    labelled(t('rules.dry.sender'), sender, senderError),
    labelled(t('rules.dry.subject'), subject),
    labelled(t('rules.dry.body'), body),
    h('div', { class: 'rules-form-grid' }, labelled(t('rules.dry.to'), to), labelled(t('rules.dry.cc'), cc)),
    labelled(t('rules.dry.labels'), labels),
    labelled(t('rules.dry.headers'), headers),
    h('div', { class: 'field inline' }, attachment, h('label', { for: attachment.id, text: t('rules.dry.attachment') })),
  );
  const read = () => {
    const missing = !sender.value.trim();
    senderError.textContent = missing ? t('rules.dry.sender_required') : '';
    senderError.hidden = !missing;
    sender.setAttribute('aria-invalid', String(missing));
    if (missing) {
      sender.focus();
      return null;
    }
    const form = { sender: sender.value, subject: subject.value, body: body.value, to: to.value, cc: cc.value, labels: labels.value, headers: headers.value };
    return sampleEmail({ ...form, attachment: attachment.checked }, new Date().toUTCString());
  };
  return { node, read };
}

/** The recent emails to pick from, filled on demand. */
function recentPicker() {
  const select = /** @type {HTMLSelectElement} */ (h('select', { id: uid('dry-recent'), disabled: true }));
  const load = async () => {
    try {
      const items = (await api.get(URLS.emails, { limit: 20 })).items || [];
      const option = (/** @type {any} */ m) => h('option', { value: m.email_id, text: `${decodeEntities(m.subject) || '—'} — ${m.sender_email || m.sender}` });
      replace(select, items.length ? items.map(option) : h('option', { value: '', text: t('rules.dry.no_recent') }));
    } catch (err) {
      notify(errorText(err), 'error');
    }
  };
  return { select, field: labelled(t('rules.dry.recent'), select), load };
}

/**
 * Paste or pick: the two sources of the email to test.
 * @param {ReturnType<typeof pasteFields>} paste @param {ReturnType<typeof recentPicker>} recent
 */
function sourceChooser(paste, recent) {
  const name = uid('dry-source');
  const radio = (/** @type {string} */ value, /** @type {boolean} */ checked) => /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name, id: uid(`dry-${value}`), value, checked }));
  const pasteRadio = radio('paste', true);
  const pickRadio = radio('pick', false);
  recent.field.hidden = true;
  const update = () => {
    const pick = pickRadio.checked;
    paste.node.hidden = pick;
    recent.field.hidden = !pick;
    recent.select.disabled = !pick;
    if (pick) recent.load();
  };
  pasteRadio.addEventListener('change', update);
  pickRadio.addEventListener('change', update);
  const option = (/** @type {HTMLInputElement} */ r, /** @type {string} */ label) => h('div', { class: 'field inline' }, r, h('label', { for: r.id, text: label }));
  const node = h('fieldset', { class: 'rules-source' }, h('legend', { text: t('rules.dry.source') }), h('div', { class: 'row' }, option(pasteRadio, t('rules.dry.paste')), option(pickRadio, t('rules.dry.pick'))));
  return { node, picking: () => pickRadio.checked };
}

/**
 * POST a dry run with the rules to try; a 422 lands on the rules and the editor.
 * @param {DryRunContext} ctx @param {Record<string, unknown>} payload
 */
async function post(ctx, payload) {
  try {
    return await api.post(URLS.routingRulesTest, payload);
  } catch (err) {
    ctx.placeErrors(err);
    throw err;
  }
}

/**
 * The form of the one-email dry run, and where its result goes.
 * @param {DryRunContext} ctx
 */
function oneEmailForm(ctx) {
  const result = h('div', { class: 'rules-dry-result', role: 'status', 'aria-live': 'polite' });
  const paste = pasteFields();
  const recent = recentPicker();
  const source = sourceChooser(paste, recent);
  const runButton = h('button', { type: 'submit', class: 'primary', text: t('rules.dry.run') });
  /** @param {Event} e */
  const onsubmit = async (e) => {
    e.preventDefault();
    const rules = ctx.draft();
    const email = source.picking() ? null : paste.read();
    if (!rules || (source.picking() ? !recent.select.value : !email)) return;
    const payload = source.picking() ? { rules, email_id: recent.select.value } : { rules, email };
    await runAction(runButton, async () => replace(result, decisionView(await post(ctx, payload), rules, ctx)), { success: t('rules.dry.ran') });
  };
  const form = h('form', { class: 'rules-dry-form', novalidate: true, onsubmit }, source.node, paste.node, recent.field, h('div', { class: 'actions' }, runButton));
  return [form, result];
}

/**
 * The before/after table: saved rules against the rules shown here, over the stored emails.
 * @param {any} answer @param {DryRunContext} ctx
 */
function replayView(answer, ctx) {
  const rows = replayRows(answer);
  const evaluated = tc('rules.replay.evaluated', { count: answer.evaluated });
  const changes = tc('rules.replay.changes', { count: answer.changed });
  let text = answer.changed ? t('rules.replay.summary', { evaluated, changes }) : t('rules.replay.summary_none', { evaluated });
  if (answer.stopped_early) text += ` ${t('rules.replay.stopped', { evaluated: answer.evaluated, requested: answer.requested })}`;
  const summary = h('p', { class: 'rules-replay-summary', text });
  if (!rows.length) return [summary];
  const head = ['email', 'before', 'after'].map((c) => h('th', { scope: 'col', text: t(`rules.replay.col.${c}`) }));
  return [
    summary,
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: 'rules-replay' }, h('caption', { class: 'visually-hidden', text: t('rules.replay.caption') }), h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows.map((row) => replayRow(row, ctx)))),
    ),
  ];
}

/**
 * @param {ReturnType<typeof replayRows>[number]} row @param {DryRunContext} ctx
 */
function replayRow(row, ctx) {
  const changed = row.changed.length > 0;
  const after = outcomeWords(row.after, ctx);
  const parts = row.changed.map((p) => t(`rules.replay.part.${p}`)).join(', ');
  const badge = changed ? t('rules.replay.changed', { parts }) : t('rules.replay.unchanged');
  return h(
    'tr',
    { class: changed ? 'changed' : 'same' },
    h('th', { scope: 'row' }, h('span', { text: decodeEntities(row.subject) || row.emailId }), h('code', { class: 'rules-email-id', text: row.emailId })),
    h('td', { class: 'before', dataset: { label: t('rules.replay.col.before') }, text: outcomeWords(row.before, ctx) }),
    h('td', { class: 'after', dataset: { label: t('rules.replay.col.after') } }, changed ? h('mark', { text: after }) : h('span', { text: after }), h('span', { class: changed ? 'badge warn rules-change-badge' : 'visually-hidden', text: badge })),
  );
}

/**
 * "What would change": the form and its table.
 * @param {DryRunContext} ctx
 */
function replaySection(ctx) {
  const out = h('div', { class: 'rules-replay-result', role: 'status', 'aria-live': 'polite' });
  const count = /** @type {HTMLInputElement} */ (h('input', { type: 'number', id: uid('replay-count'), min: '1', max: '1000', value: '50', inputmode: 'numeric' }));
  const button = h('button', { type: 'submit', class: 'primary', text: t('rules.replay.run') });
  const noEdit = h('p', { class: 'help rules-no-edit', hidden: true, text: t('rules.replay.no_edit') });
  /** @param {Event} e */
  const onsubmit = async (e) => {
    e.preventDefault();
    const rules = ctx.draft();
    if (!rules) return;
    const n = Math.max(1, Math.min(1000, Number(count.value) || 50));
    count.value = String(n);
    noEdit.hidden = ctx.hasEdits();
    await runAction(button, async () => replace(out, replayView(await post(ctx, { replay_last: n, rules, include_unchanged: true }), ctx)), { silent: true });
  };
  return h(
    'section',
    { class: 'rules-replay-form', 'aria-labelledby': 'rules-replay-title' },
    h('h3', { id: 'rules-replay-title', text: t('rules.replay.title') }),
    h('p', { class: 'help', text: t('rules.replay.intro') }),
    h('form', { novalidate: true, onsubmit }, h('div', { class: 'toolbar' }, labelled(t('rules.replay.count'), count), button)),
    noEdit,
    out,
  );
}

/**
 * The dry-run card.
 * @param {DryRunContext} ctx
 */
export function dryRunCard(ctx) {
  return h(
    'section',
    { class: 'card rules-dry', 'aria-labelledby': 'rules-dry-title' },
    h('h2', { id: 'rules-dry-title', text: t('rules.dry.title') }),
    h('p', { class: 'help', text: t('rules.dry.intro') }),
    oneEmailForm(ctx),
    replaySection(ctx),
  );
}
