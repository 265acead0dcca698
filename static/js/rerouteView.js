// Re-routing stored emails with the current rules, on the Emails screen: one email (a preview
// of what would be sent where, then Apply) or the filtered set (the same preview, summed up,
// in a confirmation). The server decides; nothing changes before Apply.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { addMessages, t, tc } from './i18n.js';
import { facts, stateBadge, table } from './monitorWidgets.js';
import { say } from './outcomeWords.js';
import { confirmDialog, runAction } from './ui.js';
import { rerouteHeadline, rerouteLinePhrase, rerouteRows, rerouteTotals } from './waitingLogic.js';

addMessages({
  en: {
    'reroute.title': 'Re-route with the current rules',
    'reroute.help': 'Runs today’s rules, targets and schedule on this stored email. You see what would be sent where before anything changes.',
    'reroute.preview': 'Preview',
    'reroute.apply': 'Apply',
    'reroute.cancel': 'Cancel',
    'reroute.decision': 'Decision: {before} → {after}',
    'reroute.col.change': 'Change',
    'reroute.col.target': 'Target',
    'reroute.col.state': 'Status',
    'reroute.col.when': 'When, or why it waits',
    'reroute.change.new': 'new',
    'reroute.change.kept': 'kept',
    'reroute.change.cancelled': 'cancelled',
    'reroute.done': 'Re-routed with the current rules.',
    'reroute.many': 'Re-route the filtered emails…',
    'reroute.many.none': 'No stored email matches these filters.',
    'reroute.many.same': 'The current rules change nothing for the {count} matching emails.',
    'reroute.many.same_one': 'The current rules change nothing for the matching email.',
    'reroute.many.confirm': 'Re-route the {count} emails matching these filters with the current rules? What it changes:',
    'reroute.many.confirm_one': 'Re-route the email matching these filters with the current rules? What it changes:',
    'reroute.many.go': 'Re-route',
    'reroute.many.cancelled': 'Nothing was re-routed.',
    'reroute.many.done': '{count} emails re-routed. New deliveries: {added}; cancelled: {cancelled}.',
    'reroute.many.done_one': '1 email re-routed. New deliveries: {added}; cancelled: {cancelled}.',
    'reroute.many.emails': 'Emails matching',
    'reroute.many.changed': 'Emails that change',
    'reroute.many.added': 'New deliveries',
    'reroute.many.removed': 'Waiting deliveries cancelled',
    'reroute.many.partial': 'Only part of the matching emails was looked at (at most 1,000, or 20 s): run it again for the rest.',
    'reroute.many.col.email': 'Email',
    'reroute.many.col.decision': 'Decision',
    'reroute.many.col.new': 'New deliveries to',
    'reroute.many.more': 'And {count} more.',
  },
  fr: {
    'reroute.title': 'Réacheminer avec les règles actuelles',
    'reroute.help': 'Applique les règles, cibles et horaires d’aujourd’hui à cet e-mail stocké. Vous voyez ce qui serait envoyé où avant tout changement.',
    'reroute.preview': 'Aperçu',
    'reroute.apply': 'Appliquer',
    'reroute.cancel': 'Annuler',
    'reroute.decision': 'Décision : {before} → {after}',
    'reroute.col.change': 'Changement',
    'reroute.col.target': 'Cible',
    'reroute.col.state': 'État',
    'reroute.col.when': 'Quand, ou pourquoi elle attend',
    'reroute.change.new': 'nouvelle',
    'reroute.change.kept': 'conservée',
    'reroute.change.cancelled': 'annulée',
    'reroute.done': 'Réacheminé avec les règles actuelles.',
    'reroute.many': 'Réacheminer les e-mails filtrés…',
    'reroute.many.none': 'Aucun e-mail stocké ne correspond à ces filtres.',
    'reroute.many.same': 'Les règles actuelles ne changent rien pour les {count} e-mails correspondants.',
    'reroute.many.same_one': 'Les règles actuelles ne changent rien pour l’e-mail correspondant.',
    'reroute.many.confirm': 'Réacheminer les {count} e-mails correspondant à ces filtres avec les règles actuelles ? Ce que cela change :',
    'reroute.many.confirm_one': 'Réacheminer l’e-mail correspondant à ces filtres avec les règles actuelles ? Ce que cela change :',
    'reroute.many.go': 'Réacheminer',
    'reroute.many.cancelled': 'Rien n’a été réacheminé.',
    'reroute.many.done': '{count} e-mails réacheminés. Nouvelles livraisons : {added} ; annulées : {cancelled}.',
    'reroute.many.done_one': '1 e-mail réacheminé. Nouvelles livraisons : {added} ; annulées : {cancelled}.',
    'reroute.many.emails': 'E-mails correspondants',
    'reroute.many.changed': 'E-mails modifiés',
    'reroute.many.added': 'Nouvelles livraisons',
    'reroute.many.removed': 'Livraisons en attente annulées',
    'reroute.many.partial': 'Seule une partie des e-mails correspondants a été examinée (1 000 au plus, ou 20 s) : relancez pour la suite.',
    'reroute.many.col.email': 'E-mail',
    'reroute.many.col.decision': 'Décision',
    'reroute.many.col.new': 'Nouvelles livraisons vers',
    'reroute.many.more': 'Et {count} de plus.',
  },
});

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
          { narrow: [2], rowAttrs: (i) => ({ dataset: { change: rows[i].change } }) },
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
  const url = `/api/emails/${encodeURIComponent(emailId)}/reroute`;
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
  const dry = await api.post('/api/emails/reroute', { ...filters, dry_run: true });
  const totals = rerouteTotals(dry.emails);
  if (!totals.emails) return { text: t('reroute.many.none'), applied: false };
  if (!totals.changed) return { text: tc('reroute.many.same', { count: totals.emails }), applied: false };
  const go = await confirmDialog(tc('reroute.many.confirm', { count: totals.emails }), {
    confirmLabel: t('reroute.many.go'),
    content: bulkPreview(dry, nameOf, subjectOf),
  });
  if (!go) return { text: t('reroute.many.cancelled'), applied: false };
  const done = await api.post('/api/emails/reroute', filters);
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
