// Emails: recent emails (server pages, filters in the hash), and one email in detail:
// detector, links (raw, direct, R2 copy), the decision and its trace rule by rule, deliveries,
// why it was ignored or parked; re-route one email or the filtered set with the current rules.

import { api } from '../api.js';
import { field, h, replace } from '../dom.js';
import { EMAIL_FILTERS, EMAIL_STATUSES, cleanFilters, pageOffset } from '../deliveriesLogic.js';
import { detectorFacts, linkUrls, traceOutcome, traceReason } from '../emailsLogic.js';
import { addMessages, t } from '../i18n.js';
import { facts, filterValues, listHash, selectableRow, stateBadge, table, toggleDetail, when } from '../monitorWidgets.js';
import { actionLine, say } from '../outcomeWords.js';
import { waitingLine } from '../releaseActions.js';
import { rerouteFiltered, rerouteSection } from '../rerouteView.js';
import { routeHash } from '../screens.js';
import { errorText, pager } from '../ui.js';
import { emailReasonPhrase } from '../waitingLogic.js';

addMessages({
  en: {
    'emails.heading': 'Emails',
    'emails.filters': 'Email filters',
    'emails.f.sender': 'Sender contains',
    'emails.f.subject': 'Subject contains',
    'emails.f.status': 'Decision',
    'emails.f.any': 'Any',
    'emails.apply': 'Search',
    'emails.clear': 'Clear',
    'emails.showing': 'Showing {first}–{last}.',
    'emails.none': 'No email matches these filters.',
    'emails.col.received': 'Received',
    'emails.col.subject': 'Subject',
    'emails.col.sender': 'Sender',
    'emails.col.status': 'Decision',
    'emails.col.detector': 'Detector',
    'emails.col.links': 'Links',
    'emails.col.rules': 'Matched rules',
    'emails.col.deliveries': 'Deliveries',
    'emails.no_subject': '(no subject)',
    'emails.detail': 'Email: {subject}',
    'emails.detail.close': 'Close details',
    'emails.detail.id': 'Email id',
    'emails.detail.sender': 'Sender',
    'emails.detail.date': 'Date',
    'emails.detail.received': 'Received',
    'emails.detail.status': 'Decision',
    'emails.detail.reason': 'Why',
    'emails.detail.gmail': 'Gmail message id',
    'emails.detail.request': 'Request id',
    'emails.detector': 'Detector',
    'emails.detector.none': 'No detector recognised this email.',
    'emails.links': 'Links',
    'emails.links.none': 'No download link found.',
    'emails.link.provider': 'Provider',
    'emails.link.urls': 'URLs',
    'emails.link.raw': 'raw',
    'emails.link.direct': 'direct',
    'emails.link.r2': 'R2 copy',
    'emails.link.file': 'Copied file',
    'emails.decision': 'Decision',
    'emails.decision.none': 'No routing decision (the email was not routed).',
    'emails.decision.targets': 'Targets',
    'emails.decision.matched': 'Matched rules',
    'emails.decision.default': 'Default targets used',
    'emails.decision.dropped': 'Dropped',
    'emails.decision.priority': 'Priority',
    'emails.decision.window': 'Window policy',
    'emails.yes': 'yes',
    'emails.no': 'no',
    'emails.trace': 'Trace, rule by rule',
    'emails.trace.none': 'No rule was evaluated.',
    'emails.trace.order': '#',
    'emails.trace.rule': 'Rule',
    'emails.trace.result': 'Result',
    'emails.trace.why': 'Why',
    'emails.outcome.matched': 'matched',
    'emails.outcome.not_matched': 'not matched',
    'emails.outcome.disabled': 'skipped (disabled)',
    'emails.outcome.after_stop': 'skipped (after a stop)',
    'emails.why.all_matched': 'all {count} conditions matched',
    'emails.why.none_matched': 'none of the {count} conditions matched',
    'emails.why.cond_matched': 'condition {n} ({field} {operator}) matched',
    'emails.why.cond_failed': 'condition {n} ({field} {operator}) did not match',
    'emails.why.disabled': 'the rule is disabled',
    'emails.why.after_stop': 'an earlier rule stopped the evaluation',
    'emails.why.raw': '{reason}',
    'emails.schedule': 'Schedule per target',
    'emails.deliveries': 'Deliveries',
    'emails.deliveries.none': 'No delivery for this email.',
    'emails.del.id': 'Delivery',
    'emails.del.target': 'Target',
    'emails.del.state': 'Status',
    'emails.del.attempts': 'Attempts',
    'emails.del.code': 'Last code',
    'emails.decision.none_ignored': 'none: the email was ignored',
    'emails.decision.none_parked': 'none yet: the email is parked',
    'emails.deliveries.none_ignored': 'No delivery: the email was ignored.',
    'emails.deliveries.none_parked': 'No delivery yet: the email is parked until a target can take it.',
    'emails.parked.title': 'Parked: no target could take this email.',
    'emails.parked.help': 'There was no target, or the default route names none. It leaves by itself as soon as a target can take it: create one, or name one in the default route. After changing the rules you can also re-route it now (below).',
  },
  fr: {
    'emails.heading': 'E-mails',
    'emails.filters': 'Filtres des e-mails',
    'emails.f.sender': 'Expéditeur contient',
    'emails.f.subject': 'Objet contient',
    'emails.f.status': 'Décision',
    'emails.f.any': 'Toutes',
    'emails.apply': 'Rechercher',
    'emails.clear': 'Effacer',
    'emails.showing': 'Affichage de {first} à {last}.',
    'emails.none': 'Aucun e-mail ne correspond à ces filtres.',
    'emails.col.received': 'Reçu',
    'emails.col.subject': 'Objet',
    'emails.col.sender': 'Expéditeur',
    'emails.col.status': 'Décision',
    'emails.col.detector': 'Détecteur',
    'emails.col.links': 'Liens',
    'emails.col.rules': 'Règles appliquées',
    'emails.col.deliveries': 'Livraisons',
    'emails.no_subject': '(sans objet)',
    'emails.detail': 'E-mail : {subject}',
    'emails.detail.close': 'Fermer le détail',
    'emails.detail.id': 'Identifiant',
    'emails.detail.sender': 'Expéditeur',
    'emails.detail.date': 'Date',
    'emails.detail.received': 'Reçu',
    'emails.detail.status': 'Décision',
    'emails.detail.reason': 'Motif',
    'emails.detail.gmail': 'Identifiant Gmail',
    'emails.detail.request': 'Identifiant de requête',
    'emails.detector': 'Détecteur',
    'emails.detector.none': 'Aucun détecteur n’a reconnu cet e-mail.',
    'emails.links': 'Liens',
    'emails.links.none': 'Aucun lien de téléchargement trouvé.',
    'emails.link.provider': 'Service',
    'emails.link.urls': 'Adresses',
    'emails.link.raw': 'brute',
    'emails.link.direct': 'directe',
    'emails.link.r2': 'copie R2',
    'emails.link.file': 'Fichier copié',
    'emails.decision': 'Décision',
    'emails.decision.none': 'Pas de décision de routage (l’e-mail n’a pas été routé).',
    'emails.decision.targets': 'Cibles',
    'emails.decision.matched': 'Règles appliquées',
    'emails.decision.default': 'Cibles par défaut utilisées',
    'emails.decision.dropped': 'Écarté',
    'emails.decision.priority': 'Priorité',
    'emails.decision.window': 'Politique de plage',
    'emails.yes': 'oui',
    'emails.no': 'non',
    'emails.trace': 'Trace, règle par règle',
    'emails.trace.none': 'Aucune règle n’a été évaluée.',
    'emails.trace.order': 'N°',
    'emails.trace.rule': 'Règle',
    'emails.trace.result': 'Résultat',
    'emails.trace.why': 'Pourquoi',
    'emails.outcome.matched': 'appliquée',
    'emails.outcome.not_matched': 'non appliquée',
    'emails.outcome.disabled': 'ignorée (désactivée)',
    'emails.outcome.after_stop': 'ignorée (après un arrêt)',
    'emails.why.all_matched': 'les {count} conditions sont remplies',
    'emails.why.none_matched': 'aucune des {count} conditions n’est remplie',
    'emails.why.cond_matched': 'la condition {n} ({field} {operator}) est remplie',
    'emails.why.cond_failed': 'la condition {n} ({field} {operator}) n’est pas remplie',
    'emails.why.disabled': 'la règle est désactivée',
    'emails.why.after_stop': 'une règle précédente a arrêté l’évaluation',
    'emails.why.raw': '{reason}',
    'emails.schedule': 'Planification par cible',
    'emails.deliveries': 'Livraisons',
    'emails.deliveries.none': 'Aucune livraison pour cet e-mail.',
    'emails.del.id': 'Livraison',
    'emails.del.target': 'Cible',
    'emails.del.state': 'État',
    'emails.del.attempts': 'Essais',
    'emails.del.code': 'Dernier code',
    'emails.decision.none_ignored': 'aucune : l’e-mail a été ignoré',
    'emails.decision.none_parked': 'aucune pour l’instant : l’e-mail est en souffrance',
    'emails.deliveries.none_ignored': 'Aucune livraison : l’e-mail a été ignoré.',
    'emails.deliveries.none_parked': 'Aucune livraison pour l’instant : l’e-mail est en souffrance jusqu’à ce qu’une cible puisse le recevoir.',
    'emails.parked.title': 'En souffrance : aucune cible ne pouvait recevoir cet e-mail.',
    'emails.parked.help': 'Il n’y avait aucune cible, ou la route par défaut n’en nomme aucune. Il part de lui-même dès qu’une cible peut le recevoir : créez-en une, ou nommez-en une dans la route par défaut. Après avoir modifié les règles, vous pouvez aussi le réacheminer maintenant (ci-dessous).',
  },
});

const LIMIT = 50;

/**
 * An email's decision in a list: its badge, and why when it was ignored or parked.
 * @param {any} m
 */
function decisionCell(m) {
  const why = m.status === 'accepted' ? null : emailReasonPhrase(m.reason, true);
  return h('span', { class: 'state-cell' }, stateBadge(m.status), why ? h('span', { class: 'waiting-reason', text: say(why) }) : null);
}

/**
 * What a parked email waits for, and what releases it.
 */
function parkedNote() {
  return h(
    'div',
    { class: 'banner red emails-parked', role: 'note' },
    h('strong', { text: t('emails.parked.title') }),
    h('p', {}, actionLine({ key: 'emails.parked.help', link: { screen: 'targets', key: 'status.link.targets' } })),
  );
}

const OUTCOME_BADGE = { matched: 'green', not_matched: 'in_flight', disabled: 'amber', after_stop: 'amber' };

/**
 * @param {HTMLElement} el
 * @param {import('../app.js').ScreenContext} ctx
 */
export function EmailsTab(el, ctx) {
  /** @type {Record<string, string>} */
  let filters = {};
  let offset = 0;
  /** @type {string|null} */
  let openId = null;
  let listKey = '';

  const sender = /** @type {HTMLInputElement} */ (h('input', { name: 'sender', type: 'search', autocomplete: 'off' }));
  const subject = /** @type {HTMLInputElement} */ (h('input', { name: 'subject', type: 'search', autocomplete: 'off' }));
  const status = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { name: 'status' },
      h('option', { value: '', text: t('emails.f.any') }),
      EMAIL_STATUSES.map((s) => h('option', { value: s, text: t(`monitor.state.${s}`) })),
    )
  );
  const controls = { sender, subject, status };
  const summary = h('p', { role: 'status', 'aria-live': 'polite' });
  const outcome = h('p', { class: 'emails-outcome', role: 'status', 'aria-live': 'polite' });
  const rerouteMany = h('button', { type: 'button', text: t('reroute.many'), onclick: onRerouteMany });
  /** @type {Map<string, string>} target id -> name */
  const names = new Map();
  /** @type {Map<string, string>} email id -> subject, for the emails listed */
  const subjects = new Map();
  const list = h('div', { class: 'card emails-list' });
  const detail = h('div', { class: 'card emails-detail', hidden: true });
  const split = h('div', { class: 'emails-split' }, list, detail);
  replace(
    el,
    h('h2', { text: t('emails.heading') }),
    h(
      'form',
      { class: 'toolbar', 'aria-label': t('emails.filters'), onsubmit: onFilter },
      field(t('emails.f.sender'), sender),
      field(t('emails.f.subject'), subject),
      field(t('emails.f.status'), status),
      h('button', { type: 'submit', class: 'primary', text: t('emails.apply') }),
      h('button', { type: 'button', text: t('emails.clear'), onclick: () => ctx.navigate('emails', {}) }),
    ),
    h('div', { class: 'row emails-actions' }, rerouteMany),
    outcome,
    summary,
    split,
  );

  /** @param {Event} event */
  function onFilter(event) {
    event.preventDefault();
    ctx.navigate('emails', cleanFilters(filterValues(controls), EMAIL_FILTERS));
  }

  /** @param {Record<string, string>} extra */
  function hashFor(extra) {
    return listHash('emails', filters, offset, extra);
  }

  async function loadList() {
    list.setAttribute('aria-busy', 'true');
    try {
      const page = await api.get('/api/emails', { ...filters, offset, limit: LIMIT });
      renderList(page);
      el.dataset.loaded = 'true';
    } catch (err) {
      replace(list, h('p', { class: 'error', role: 'alert', text: errorText(err) }));
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  /** @param {{items: any[], offset: number, next_offset: number|null}} page */
  function renderList(page) {
    const items = page.items;
    for (const m of items) subjects.set(m.email_id, m.subject || t('emails.no_subject'));
    summary.textContent = items.length ? t('emails.showing', { first: page.offset + 1, last: page.offset + items.length }) : t('emails.none');
    replace(
      list,
      items.length
        ? table(
            t('emails.heading'),
            [t('emails.col.received'), t('emails.col.subject'), t('emails.col.sender'), t('emails.col.status'), t('emails.col.detector'), t('emails.col.links'), t('emails.col.rules'), t('emails.col.deliveries')],
            items.map((m) => [
              when(m.ingested_at),
              h('a', { href: hashFor({ id: m.email_id }), text: m.subject || t('emails.no_subject') }),
              m.sender_email || m.sender,
              decisionCell(m),
              m.detector,
              m.links,
              (m.matched_rules || []).join(', '),
              (m.deliveries || []).length,
            ]),
            {
              numeric: [5, 7],
              narrow: [2, 4, 5, 6, 7],
              rowAttrs: (i) => selectableRow(items[i].email_id, openId, hashFor({ id: items[i].email_id })),
            },
          )
        : h('p', { text: t('emails.none') }),
      pager(page, LIMIT, (next) => ctx.navigate('emails', { ...filters, ...(next ? { offset: String(next) } : {}) })),
    );
  }

  /** @param {boolean} open */
  function showDetail(open) {
    toggleDetail(split, detail, open);
  }

  /** @param {string} id @param {boolean} focus */
  async function loadDetail(id, focus) {
    showDetail(true);
    detail.setAttribute('aria-busy', 'true');
    try {
      const [doc] = await Promise.all([api.get(`/api/emails/${encodeURIComponent(id)}`), loadTargets()]);
      renderDetail(doc);
      if (focus) detail.querySelector('h3')?.focus();
    } catch (err) {
      replace(detail, h('p', { class: 'error', role: 'alert', text: errorText(err) }), closeButton());
    } finally {
      detail.removeAttribute('aria-busy');
    }
  }

  function closeButton() {
    return h('button', { type: 'button', class: 'small', text: t('emails.detail.close'), onclick: () => (location.hash = hashFor({})) });
  }

  /** @param {any} doc */
  function renderDetail(doc) {
    const analysis = doc.analysis || {};
    const reroute = rerouteSection(doc.email_id, nameOf, (text) => afterReroute(doc.email_id, text));
    const waiting = doc.status !== 'accepted';
    replace(
      detail,
      h('div', { class: 'row' }, h('h3', { tabindex: '-1', text: t('emails.detail', { subject: doc.subject || t('emails.no_subject') }) }), h('span', { class: 'spacer' }), closeButton()),
      doc.status === 'parked' ? parkedNote() : null,
      facts(emailFacts(doc)),
      waiting ? reroute : null,
      section('emails.detector', detectorView(analysis.detector)),
      section('emails.links', linksView(analysis.links || [])),
      section('emails.decision', decisionView(analysis.decision, doc)),
      section('emails.trace', traceView((analysis.decision && analysis.decision.trace) || [])),
      scheduleView(analysis.schedule),
      section('emails.deliveries', deliveriesView(doc.deliveries || [], doc)),
      waiting ? null : reroute,
    );
  }

  /**
   * @param {any} doc
   * @returns {Array<[string, unknown]>}
   */
  function emailFacts(doc) {
    return [
      [t('emails.detail.id'), h('code', { text: doc.email_id })],
      [t('emails.detail.sender'), doc.sender],
      [t('emails.detail.date'), doc.date],
      [t('emails.detail.received'), when(doc.ingested_at)],
      [t('emails.detail.status'), stateBadge(doc.status)],
      [t('emails.detail.reason'), say(emailReasonPhrase(doc.reason))],
      [t('emails.detail.gmail'), doc.gmail_message_id],
      [t('emails.detail.request'), doc.request_id],
    ];
  }

  /** @param {string} id */
  function nameOf(id) {
    const name = names.get(id);
    return name && name !== id ? `${name} (${id})` : id;
  }

  async function loadTargets() {
    if (names.size) return;
    try {
      for (const item of (await api.get('/api/targets')).items || []) names.set(item.id, item.name);
    } catch {
      // Names are a nicety: ids are shown instead.
    }
  }

  /** @param {string} id @param {string} text */
  async function afterReroute(id, text) {
    outcome.textContent = text;
    await Promise.all([loadList(), loadDetail(id, false)]);
  }

  /** @param {Event} event */
  async function onRerouteMany(event) {
    await loadTargets();
    const button = /** @type {HTMLElement} */ (event.currentTarget);
    const result = await rerouteFiltered(button, filters, nameOf, (id) => subjects.get(id));
    if (!result) return;
    outcome.textContent = result.text;
    if (result.applied) await update();
  }

  /** @param {string} key @param {Node|Node[]} content */
  function section(key, content) {
    return h('section', { class: 'emails-section', 'aria-label': t(key) }, h('h4', { text: t(key) }), content);
  }

  /** @param {any} detector */
  function detectorView(detector) {
    if (!detector) return h('p', { text: t('emails.detector.none') });
    return facts([[t('emails.detector'), h('strong', { text: detector.detector })], ...detectorFacts(detector)]);
  }

  /** @param {any[]} links */
  function linksView(links) {
    if (!links.length) return h('p', { text: t('emails.links.none') });
    return table(
      t('emails.links'),
      [t('emails.link.provider'), t('emails.link.urls'), t('emails.link.file')],
      links.map((link) => [
        link.provider,
        h(
          'ul',
          { class: 'emails-urls' },
          linkUrls(link).map((u) => h('li', {}, h('span', { class: 'badge', text: t(`emails.link.${u.kind}`) }), ' ', h('a', { href: u.url, rel: 'noopener noreferrer', target: '_blank', class: 'mono', text: u.url }))),
        ),
        link.original_filename || link.r2_error,
      ]),
    );
  }

  /**
   * The routing decision; the targets it names only when the email was sent to them.
   * @param {any} decision
   * @param {any} doc
   */
  function decisionView(decision, doc) {
    if (!decision) return h('p', { text: t('emails.decision.none') });
    const yes = (/** @type {boolean} */ v) => t(v ? 'emails.yes' : 'emails.no');
    return facts([
      [t('emails.decision.targets'), decisionTargets(decision, doc)],
      [t('emails.decision.matched'), (decision.matched_rules || []).join(', ')],
      [t('emails.decision.default'), yes(decision.used_default)],
      [t('emails.decision.dropped'), yes(decision.dropped)],
      [t('emails.decision.priority'), decision.priority],
      [t('emails.decision.window'), decision.window_policy],
    ]);
  }

  /** @param {any} decision @param {any} doc */
  function decisionTargets(decision, doc) {
    if (doc.status === 'parked') return t('emails.decision.none_parked');
    if (doc.status === 'ignored') return t('emails.decision.none_ignored');
    return (decision.targets || []).map(nameOf).join(', ');
  }

  /** @param {any[]} trace */
  function traceView(trace) {
    if (!trace.length) return h('p', { text: t('emails.trace.none') });
    return table(
      t('emails.trace'),
      [t('emails.trace.order'), t('emails.trace.rule'), t('emails.trace.result'), t('emails.trace.why')],
      trace.map((entry, i) => {
        const outcome = traceOutcome(entry);
        const why = traceReason(entry);
        return [
          i + 1,
          h('span', {}, entry.name || entry.rule_id, ' ', h('code', { class: 'emails-rule-id', text: entry.rule_id })),
          h('span', { class: `badge ${OUTCOME_BADGE[outcome]}`, text: t(`emails.outcome.${outcome}`) }),
          t(why.key, why.params),
        ];
      }),
      { numeric: [0], rowAttrs: (i) => ({ dataset: { outcome: traceOutcome(trace[i]) } }) },
    );
  }

  /** @param {Record<string, any>|undefined} schedule */
  function scheduleView(schedule) {
    const entries = Object.entries(schedule || {});
    if (!entries.length) return null;
    return section(
      'emails.schedule',
      facts(
        entries.map(([target, plan]) => {
          const at = plan.deliver_at ? Date.parse(plan.deliver_at) : NaN;
          return [target, [plan.action, Number.isNaN(at) ? plan.deliver_at : when(at / 1000), plan.reason].filter(Boolean).join(' — ')];
        }),
      ),
    );
  }

  /** @param {any[]} deliveries @param {any} doc */
  function deliveriesView(deliveries, doc) {
    if (!deliveries.length) return h('p', { text: noDelivery(doc) });
    return table(
      t('emails.deliveries'),
      [t('emails.del.id'), t('emails.del.target'), t('emails.del.state'), t('emails.del.attempts'), t('emails.del.code')],
      deliveries.map((d) => [
        h('a', { href: routeHash('deliveries', { id: d.id }), class: 'mono', text: d.id }),
        nameOf(d.target_id),
        h('span', { class: 'state-cell' }, stateBadge(d.state), waitingLine(d)),
        d.total_attempts,
        d.last_status_code,
      ]),
      { numeric: [3, 4] },
    );
  }

  /** @param {any} doc */
  function noDelivery(doc) {
    if (doc.status === 'parked') return t('emails.deliveries.none_parked');
    if (doc.status === 'ignored') return t('emails.deliveries.none_ignored');
    return t('emails.deliveries.none');
  }

  async function update() {
    listKey = JSON.stringify([filters, offset]);
    await Promise.all([loadList(), openId ? loadDetail(openId, false) : null]);
  }

  return {
    update,
    /** @param {Record<string, string>} params */
    async show(params) {
      names.clear(); // targets may have changed on their screen
      filters = cleanFilters(params || {}, EMAIL_FILTERS);
      offset = pageOffset(params && params.offset, LIMIT);
      const wanted = (params && params.id) || null;
      const opened = wanted !== openId;
      openId = wanted;
      for (const [name, control] of Object.entries(controls)) control.value = filters[name] || '';
      const key = JSON.stringify([filters, offset]);
      const jobs = [];
      if (key !== listKey) {
        listKey = key;
        outcome.textContent = '';
        jobs.push(loadList());
      } else {
        for (const row of list.querySelectorAll('tbody tr')) {
          if (/** @type {HTMLElement} */ (row).dataset.id === openId) row.setAttribute('aria-selected', 'true');
          else row.removeAttribute('aria-selected');
        }
      }
      if (openId) jobs.push(loadDetail(openId, opened && jobs.length === 0));
      else showDetail(false);
      await Promise.all(jobs);
    },
    hide() {},
  };
}
