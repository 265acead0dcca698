// Re-routing stored emails with the current rules, on the Emails screen: one email (a preview
// of what would be sent where, then Apply) or the filtered set (the same preview, summed up,
// in a confirmation). The server decides; nothing changes before Apply.

import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { URLS, urlFor } from '../../endpoints.js';
import { t, tc } from '../../i18n.js';
import { facts, stateBadge, table } from '../../monitorWidgets.js';
import { say } from '../../outcomeWords.js';
import { confirmDialog, runAction } from '../../ui.js';
import './emails.messages.js';
import { rerouteHeadline, rerouteLinePhrase, rerouteRows, rerouteTotals } from './waitingLogic.js';

/**
 * @typedef {import('./waitingLogic.js').Reroute} Reroute
 * @typedef {(id: string) => string} NameOf a target's name from its id
 */

const SHOWN = 10; // emails listed in the filtered preview

/** @param {string} status */
function statusWord(status) {
  return t(`monitor.state.${status}`);
}

/**
 * What one re-route sends where: the decision, the headline, then each delivery.
 * @param {Reroute} result
 * @param {NameOf} nameOf
 */
export function reroutePlan(result, nameOf) {
  const now = Date.now() / 1000;
  const rows = rerouteRows(result);
  return h(
    'div',
    { class: 'reroute-plan' },
    h('p', { class: 'reroute-decision', text: t('reroute.decision', { before: statusWord(result.status_before), after: statusWord(result.status) }) }),
    h('p', { class: 'reroute-headline', text: say(rerouteHeadline(result)) }),
    rows.length
      ? table(
          t('reroute.title'),
          [t('reroute.col.change'), t('reroute.col.target'), t('reroute.col.state'), t('reroute.col.when')],
          rows.map((r) => [
            h('span', { class: `badge change-${r.change}`, text: t(`reroute.change.${r.change}`) }),
            nameOf(r.target),
            stateBadge(r.state),
            say(rerouteLinePhrase(r, now)),
          ]),
          { stacked: true, rowAttrs: (i) => ({ dataset: { change: rows[i].change } }) },
        )
      : null,
  );
}

/**
 * The email detail's re-route section: Preview (dry run), then Apply or Cancel.
 * @param {string} emailId
 * @param {NameOf} nameOf
 * @param {(text: string) => unknown} applied called once the re-route is done
 */
export function rerouteSection(emailId, nameOf, applied) {
  const out = h('div', { class: 'reroute-out', role: 'status', 'aria-live': 'polite' });
  const url = urlFor.emailReroute(emailId);
  const apply = async (/** @type {HTMLElement} */ button) => {
    const done = await runAction(button, () => api.post(url, {}), { success: t('reroute.done') });
    if (done) await applied(`${t('reroute.done')} ${say(rerouteHeadline(done))}`);
  };
  const preview = async (/** @type {HTMLElement} */ button) => {
    const plan = await runAction(button, () => api.post(url, { dry_run: true }), { silent: true });
    if (plan) replace(out, reroutePlan(plan, nameOf), previewActions(plan, apply, () => replace(out)));
  };
  return h(
    'section',
    { class: 'emails-section reroute', 'aria-label': t('reroute.title') },
    h('h4', { text: t('reroute.title') }),
    h('p', { class: 'help', text: t('reroute.help') }),
    h('button', { type: 'button', onclick: (/** @type {Event} */ e) => preview(/** @type {HTMLElement} */ (e.currentTarget)) }, t('reroute.preview')),
    out,
  );
}

/**
 * Apply (only when the preview changes something) and Cancel under a preview.
 * @param {Reroute} plan
 * @param {(button: HTMLElement) => unknown} apply
 * @param {() => unknown} cancel
 */
function previewActions(plan, apply, cancel) {
  const changes = plan.new.length || plan.cancelled.length || plan.status !== plan.status_before;
  return h(
    'div',
    { class: 'actions' },
    h('button', { type: 'button', text: t('reroute.cancel'), onclick: cancel }),
    changes
      ? h('button', { type: 'button', class: 'primary', text: t('reroute.apply'), onclick: (/** @type {Event} */ e) => apply(/** @type {HTMLElement} */ (e.currentTarget)) })
      : null,
  );
}

/**
 * Re-route every stored email the filters match: previewed (dry run) in a confirmation, then
 * applied. The outcome in words, or undefined when the server refused.
 * @param {HTMLElement} button
 * @param {Record<string, string>} filters the list's filters (sender, subject, status)
 * @param {NameOf} nameOf
 * @param {(id: string) => string|undefined} subjectOf the subject of an email listed on screen
 * @returns {Promise<{text: string, applied: boolean}|undefined>}
 */
export function rerouteFiltered(button, filters, nameOf, subjectOf) {
  return runAction(button, () => rerouteAfterPreview(filters, nameOf, subjectOf), { success: (r) => r.text });
}

/**
 * @param {Record<string, string>} filters
 * @param {NameOf} nameOf
 * @param {(id: string) => string|undefined} subjectOf
 */
async function rerouteAfterPreview(filters, nameOf, subjectOf) {
  const dry = await api.post(URLS.emailsReroute, { ...filters, dry_run: true });
  const totals = rerouteTotals(dry.emails);
  if (!totals.emails) return { text: t('reroute.many.none'), applied: false };
  if (!totals.changed) return { text: tc('reroute.many.same', { count: totals.emails }), applied: false };
  const go = await confirmDialog(tc('reroute.many.confirm', { count: totals.emails }), {
    confirmLabel: t('reroute.many.go'),
    content: bulkPreview(dry, nameOf, subjectOf),
  });
  if (!go) return { text: t('reroute.many.cancelled'), applied: false };
  const done = await api.post(URLS.emailsReroute, filters);
  /** @type {Reroute[]} */
  const appliedRows = done.emails.filter((/** @type {Reroute} */ r) => r.applied);
  const sums = rerouteTotals(appliedRows);
  return { text: tc('reroute.many.done', { count: appliedRows.length, added: sums.added, cancelled: sums.cancelled }), applied: true };
}

/**
 * The filtered re-route in figures, then the emails it changes (the first few).
 * @param {{emails: Reroute[], stopped_early: boolean}} dry
 * @param {NameOf} nameOf
 * @param {(id: string) => string|undefined} subjectOf
 */
function bulkPreview(dry, nameOf, subjectOf) {
  const totals = rerouteTotals(dry.emails);
  const perTarget = Object.entries(totals.perTarget).map(([id, n]) => `${nameOf(id)} × ${n}`);
  const changed = dry.emails.filter((r) => r.new.length || r.cancelled.length || r.status !== r.status_before);
  return h(
    'div',
    { class: 'reroute-bulk' },
    facts([
      [t('reroute.many.emails'), totals.emails],
      [t('reroute.many.changed'), totals.changed],
      [t('reroute.many.added'), perTarget.length ? `${totals.added} — ${perTarget.join(', ')}` : totals.added],
      [t('reroute.many.removed'), totals.cancelled],
    ]),
    dry.stopped_early ? h('p', { class: 'help', text: t('reroute.many.partial') }) : null,
    table(
      t('reroute.many'),
      [t('reroute.many.col.email'), t('reroute.many.col.decision'), t('reroute.many.col.new')],
      changed.slice(0, SHOWN).map((r) => [
        subjectOf(r.email_id) || h('code', { text: r.email_id }),
        `${statusWord(r.status_before)} → ${statusWord(r.status)}`,
        r.new.map((d) => nameOf(d.target)).join(', '),
      ]),
    ),
    changed.length > SHOWN ? h('p', { class: 'help', text: t('reroute.many.more', { count: changed.length - SHOWN }) }) : null,
  );
}
