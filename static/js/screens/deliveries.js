// Deliveries: the filtered list (server pages), one delivery in detail (payload, signature
// headers, every attempt, why it waits), replay one or the filtered set, send waiting ones
// now (one or the filtered set), the dead-letter view.
// Filters, page and the open delivery live in the hash: `#/deliveries?status=dead&id=dlv_…`.

import { ApiError, api } from '../api.js';
import { field, h, replace } from '../dom.js';
import {
  DELIVERY_FILTERS,
  DELIVERY_STATES,
  canReplay,
  cleanFilters,
  deliveryQuery,
  pageOffset,
  prettyJson,
  replayOutcomeKey,
} from '../deliveriesLogic.js';
import { formatDuration } from '../formatLogic.js';
import { addMessages, t } from '../i18n.js';
import { facts, filterValues, listHash, selectableRow, stateBadge, table, tc, toggleDetail, when } from '../monitorWidgets.js';
import { say } from '../outcomeWords.js';
import { releaseFiltered, sendNowButton, waitingFact, waitingLine } from '../releaseActions.js';
import { routeHash } from '../screens.js';
import { errorPhrase } from '../statusLogic.js';
import { cancelPhrase } from '../waitingLogic.js';
import { confirmDialog, errorText, pager, runAction } from '../ui.js';

addMessages({
  en: {
    'deliveries.heading': 'Deliveries',
    'deliveries.filters': 'Filters',
    'deliveries.f.status': 'Status',
    'deliveries.f.any_status': 'Any status',
    'deliveries.f.target': 'Target',
    'deliveries.f.any_target': 'Any target',
    'deliveries.f.rule': 'Rule id',
    'deliveries.f.detector': 'Detector',
    'deliveries.f.from': 'From (day)',
    'deliveries.f.to': 'To (day)',
    'deliveries.apply': 'Apply filters',
    'deliveries.clear': 'Clear',
    'deliveries.dead_view': 'Dead letters',
    'deliveries.dead_view_help': 'Deliveries that failed for good and wait for a replay.',
    'deliveries.replay_many': 'Replay matching deliveries…',
    'deliveries.replay_many.confirm': 'Replay {count} dead or delivered deliveries matching these filters? Each is sent again with its webhook-id.',
    'deliveries.replay_many.confirm_one': 'Replay the 1 dead or delivered delivery matching these filters? It is sent again with its webhook-id.',
    'deliveries.replay_many.go': 'Replay {count}',
    'deliveries.replay_many.none': 'No dead or delivered delivery matches these filters: nothing to replay.',
    'deliveries.replay_many.cancelled': 'Replay cancelled: nothing was sent.',
    'deliveries.replay_many.done': '{count} deliveries queued again, {skipped} skipped.',
    'deliveries.replay_many.done_one': '1 delivery queued again, {skipped} skipped.',
    'deliveries.showing': 'Showing {first}–{last}.',
    'deliveries.showing_none': 'No delivery matches these filters.',
    'deliveries.col.created': 'Created',
    'deliveries.col.state': 'Status',
    'deliveries.col.target': 'Target',
    'deliveries.col.subject': 'Subject',
    'deliveries.col.detector': 'Detector',
    'deliveries.col.rules': 'Rules',
    'deliveries.col.attempts': 'Attempts',
    'deliveries.col.code': 'Last code',
    'deliveries.no_subject': '(no subject)',
    'deliveries.detail': 'Delivery {id}',
    'deliveries.detail.close': 'Close details',
    'deliveries.detail.replay': 'Replay this delivery',
    'deliveries.detail.state': 'Status',
    'deliveries.detail.target': 'Target',
    'deliveries.detail.webhook_id': 'Webhook id',
    'deliveries.detail.email': 'Email',
    'deliveries.detail.subject': 'Subject',
    'deliveries.detail.sender': 'Sender',
    'deliveries.detail.detector': 'Detector',
    'deliveries.detail.rules': 'Rules',
    'deliveries.detail.priority': 'Priority',
    'deliveries.detail.created': 'Created',
    'deliveries.detail.deliver_at': 'Due',
    'deliveries.detail.finished': 'Finished',
    'deliveries.detail.attempts': 'Attempts (this cycle / total)',
    'deliveries.detail.replays': 'Replays',
    'deliveries.detail.last_error': 'Last error',
    'deliveries.detail.waiting': 'Why it waits',
    'deliveries.detail.released_by': 'Sent now by',
    'deliveries.detail.cancelled': 'Cancelled because',
    'deliveries.detail.signature': 'Signature headers (last attempt)',
    'deliveries.detail.signature_help': 'The signing secret is never shown; headers set on the target are masked (***).',
    'deliveries.detail.no_attempt': 'No attempt yet.',
    'deliveries.detail.payload': 'Payload sent to the target',
    'deliveries.detail.payload_gone': 'The email has expired: the payload can no longer be rebuilt.',
    'deliveries.detail.attempts_log': 'Attempts',
    'deliveries.att.n': '#',
    'deliveries.att.at': 'At',
    'deliveries.att.duration': 'Duration',
    'deliveries.att.code': 'HTTP code',
    'deliveries.att.error': 'Error',
    'deliveries.att.outcome': 'Outcome',
    'deliveries.att.next': 'Next try',
    'deliveries.att.response': 'Response of attempt {n}',
    'deliveries.att.no_response': 'No response body.',
    'deliveries.att.r2': 'R2 copies',
    'deliveries.replay.queued': 'Delivery queued again with the same webhook-id.',
    'deliveries.replay.not_finished': 'Not replayed: this delivery is still in progress (only dead or delivered ones can be replayed).',
    'deliveries.replay.email_expired': 'Not replayed: its email has expired from storage.',
    'deliveries.replay.missing': 'Not replayed: this delivery no longer exists.',
    'deliveries.replay.other': 'Not replayed: the server refused ({outcome}).',
  },
  fr: {
    'deliveries.heading': 'Livraisons',
    'deliveries.filters': 'Filtres',
    'deliveries.f.status': 'État',
    'deliveries.f.any_status': 'Tous les états',
    'deliveries.f.target': 'Cible',
    'deliveries.f.any_target': 'Toutes les cibles',
    'deliveries.f.rule': 'Identifiant de règle',
    'deliveries.f.detector': 'Détecteur',
    'deliveries.f.from': 'Du (jour)',
    'deliveries.f.to': 'Au (jour)',
    'deliveries.apply': 'Appliquer les filtres',
    'deliveries.clear': 'Effacer',
    'deliveries.dead_view': 'Lettres mortes',
    'deliveries.dead_view_help': 'Les livraisons définitivement en échec, en attente d’un renvoi.',
    'deliveries.replay_many': 'Renvoyer les livraisons filtrées…',
    'deliveries.replay_many.confirm': 'Renvoyer {count} livraisons en échec ou livrées correspondant à ces filtres ? Chacune est renvoyée avec son webhook-id.',
    'deliveries.replay_many.confirm_one': 'Renvoyer la livraison en échec ou livrée correspondant à ces filtres ? Elle est renvoyée avec son webhook-id.',
    'deliveries.replay_many.go': 'Renvoyer {count}',
    'deliveries.replay_many.none': 'Aucune livraison en échec ou livrée ne correspond à ces filtres : rien à renvoyer.',
    'deliveries.replay_many.cancelled': 'Renvoi annulé : rien n’a été envoyé.',
    'deliveries.replay_many.done': '{count} livraisons remises en file ; laissées de côté : {skipped}.',
    'deliveries.replay_many.done_one': '{count} livraison remise en file ; laissées de côté : {skipped}.',
    'deliveries.showing': 'Affichage de {first} à {last}.',
    'deliveries.showing_none': 'Aucune livraison ne correspond à ces filtres.',
    'deliveries.col.created': 'Créée',
    'deliveries.col.state': 'État',
    'deliveries.col.target': 'Cible',
    'deliveries.col.subject': 'Objet',
    'deliveries.col.detector': 'Détecteur',
    'deliveries.col.rules': 'Règles',
    'deliveries.col.attempts': 'Essais',
    'deliveries.col.code': 'Dernier code',
    'deliveries.no_subject': '(sans objet)',
    'deliveries.detail': 'Livraison {id}',
    'deliveries.detail.close': 'Fermer le détail',
    'deliveries.detail.replay': 'Renvoyer cette livraison',
    'deliveries.detail.state': 'État',
    'deliveries.detail.target': 'Cible',
    'deliveries.detail.webhook_id': 'Webhook-id',
    'deliveries.detail.email': 'E-mail',
    'deliveries.detail.subject': 'Objet',
    'deliveries.detail.sender': 'Expéditeur',
    'deliveries.detail.detector': 'Détecteur',
    'deliveries.detail.rules': 'Règles',
    'deliveries.detail.priority': 'Priorité',
    'deliveries.detail.created': 'Créée',
    'deliveries.detail.deliver_at': 'Échéance',
    'deliveries.detail.finished': 'Terminée',
    'deliveries.detail.attempts': 'Essais (ce cycle / total)',
    'deliveries.detail.replays': 'Renvois',
    'deliveries.detail.last_error': 'Dernière erreur',
    'deliveries.detail.waiting': 'Pourquoi elle attend',
    'deliveries.detail.released_by': 'Envoyée maintenant par',
    'deliveries.detail.cancelled': 'Annulée car',
    'deliveries.detail.signature': 'En-têtes de signature (dernier essai)',
    'deliveries.detail.signature_help': 'Le secret de signature n’est jamais affiché ; les en-têtes définis sur la cible sont masqués (***).',
    'deliveries.detail.no_attempt': 'Aucun essai pour l’instant.',
    'deliveries.detail.payload': 'Contenu envoyé à la cible',
    'deliveries.detail.payload_gone': 'L’e-mail a expiré : le contenu ne peut plus être reconstruit.',
    'deliveries.detail.attempts_log': 'Essais',
    'deliveries.att.n': 'N°',
    'deliveries.att.at': 'Date',
    'deliveries.att.duration': 'Durée',
    'deliveries.att.code': 'Code HTTP',
    'deliveries.att.error': 'Erreur',
    'deliveries.att.outcome': 'Résultat',
    'deliveries.att.next': 'Prochain essai',
    'deliveries.att.response': 'Réponse de l’essai {n}',
    'deliveries.att.no_response': 'Pas de corps de réponse.',
    'deliveries.att.r2': 'Copies R2',
    'deliveries.replay.queued': 'Livraison remise en file avec le même webhook-id.',
    'deliveries.replay.not_finished': 'Non renvoyée : cette livraison est encore en cours (seules les livraisons en échec ou livrées peuvent être renvoyées).',
    'deliveries.replay.email_expired': 'Non renvoyée : son e-mail a expiré du stockage.',
    'deliveries.replay.missing': 'Non renvoyée : cette livraison n’existe plus.',
    'deliveries.replay.other': 'Non renvoyée : le serveur a refusé ({outcome}).',
  },
});

const LIMIT = 50;

/**
 * @param {HTMLElement} el
 * @param {import('../app.js').ScreenContext} ctx
 */
export function DeliveriesTab(el, ctx) {
  /** @type {Record<string, string>} */
  let filters = {};
  let offset = 0;
  /** @type {string|null} */
  let openId = null;
  let listKey = '';
  let targetsLoaded = false;

  const status = /** @type {HTMLSelectElement} */ (
    h('select', { name: 'status' }, h('option', { value: '', text: t('deliveries.f.any_status') }), DELIVERY_STATES.map((s) => h('option', { value: s, text: t(`monitor.state.${s}`) })))
  );
  const target = /** @type {HTMLSelectElement} */ (h('select', { name: 'target' }, h('option', { value: '', text: t('deliveries.f.any_target') })));
  const rule = /** @type {HTMLInputElement} */ (h('input', { name: 'rule', type: 'text', size: 12, autocomplete: 'off' }));
  const detector = /** @type {HTMLInputElement} */ (h('input', { name: 'detector', type: 'text', size: 14, autocomplete: 'off' }));
  const from = /** @type {HTMLInputElement} */ (h('input', { name: 'from', type: 'date' }));
  const to = /** @type {HTMLInputElement} */ (h('input', { name: 'to', type: 'date' }));
  const controls = { status, target, rule, detector, from, to };

  const form = h(
    'form',
    { class: 'toolbar', 'aria-label': t('deliveries.filters'), onsubmit: onFilter },
    field(t('deliveries.f.status'), status),
    field(t('deliveries.f.target'), target),
    field(t('deliveries.f.rule'), rule),
    field(t('deliveries.f.detector'), detector),
    field(t('deliveries.f.from'), from),
    field(t('deliveries.f.to'), to),
    h('button', { type: 'submit', class: 'primary', text: t('deliveries.apply') }),
    h('button', { type: 'button', text: t('deliveries.clear'), onclick: () => ctx.navigate('deliveries', {}) }),
  );
  const replayMany = h('button', { type: 'button', text: t('deliveries.replay_many'), onclick: onReplayMany });
  const releaseMany = h('button', { type: 'button', text: t('release.many'), onclick: onReleaseMany });
  const summary = h('p', { class: 'deliveries-summary', role: 'status', 'aria-live': 'polite' });
  const outcome = h('p', { class: 'deliveries-outcome', role: 'status', 'aria-live': 'polite' });
  const list = h('div', { class: 'card deliveries-list' });
  const detail = h('div', { class: 'card deliveries-detail', hidden: true });
  const split = h('div', { class: 'deliveries-split' }, list, detail);
  replace(
    el,
    h('h2', { text: t('deliveries.heading') }),
    form,
    h(
      'div',
      { class: 'row deliveries-actions' },
      h('button', { type: 'button', title: t('deliveries.dead_view_help'), text: t('deliveries.dead_view'), onclick: () => ctx.navigate('deliveries', { status: 'dead' }) }),
      replayMany,
      releaseMany,
    ),
    outcome,
    summary,
    split,
  );

  /** @param {Event} event */
  function onFilter(event) {
    event.preventDefault();
    ctx.navigate('deliveries', cleanFilters(filterValues(controls), DELIVERY_FILTERS));
  }

  /** @param {Record<string, string>} extra */
  function hashFor(extra) {
    return listHash('deliveries', filters, offset, extra);
  }

  async function loadTargets() {
    if (targetsLoaded) return;
    targetsLoaded = true;
    try {
      const data = await api.get('/api/targets');
      for (const item of data.items || []) {
        if (![...target.options].some((o) => o.value === item.id)) {
          target.appendChild(h('option', { value: item.id, text: item.name && item.name !== item.id ? `${item.name} (${item.id})` : item.id }));
        }
      }
      target.value = filters.target || '';
    } catch {
      targetsLoaded = false;
    }
  }

  function fillForm() {
    for (const [name, control] of Object.entries(controls)) {
      const value = filters[name] || '';
      if (control instanceof HTMLSelectElement && value && ![...control.options].some((o) => o.value === value)) {
        control.appendChild(h('option', { value, text: value }));
      }
      control.value = value;
    }
  }

  async function loadList() {
    list.setAttribute('aria-busy', 'true');
    try {
      const page = await api.get('/api/deliveries', { ...deliveryQuery(filters), offset, limit: LIMIT });
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
    summary.textContent = items.length
      ? t('deliveries.showing', { first: page.offset + 1, last: page.offset + items.length })
      : t('deliveries.showing_none');
    replace(
      list,
      items.length
        ? table(
            t('deliveries.heading'),
            [t('deliveries.col.created'), t('deliveries.col.state'), t('deliveries.col.target'), t('deliveries.col.subject'), t('deliveries.col.detector'), t('deliveries.col.rules'), t('deliveries.col.attempts'), t('deliveries.col.code')],
            items.map((d) => [
              when(d.created_at),
              h('span', { class: 'state-cell' }, stateBadge(d.state), waitingLine(d)),
              h('span', { title: d.target_id, text: d.target_name || d.target_id }),
              h('a', { href: hashFor({ id: d.id }), 'aria-current': d.id === openId ? 'true' : null, text: d.subject || t('deliveries.no_subject') }),
              d.detector,
              d.rules,
              d.total_attempts ?? d.attempts,
              d.last_status_code,
            ]),
            {
              numeric: [6, 7],
              narrow: [4, 5, 6, 7],
              rowAttrs: (i) => selectableRow(items[i].id, openId, hashFor({ id: items[i].id })),
            },
          )
        : h('p', { text: t('deliveries.showing_none') }),
      pager(page, LIMIT, (next) => ctx.navigate('deliveries', { ...filters, ...(next ? { offset: String(next) } : {}) })),
    );
  }

  /** @param {boolean} open */
  function showDetail(open) {
    toggleDetail(split, detail, open);
  }

  /** @param {string} id @param {boolean} [focus] */
  async function loadDetail(id, focus = false) {
    showDetail(true);
    detail.setAttribute('aria-busy', 'true');
    try {
      const rec = await api.get(`/api/deliveries/${encodeURIComponent(id)}`, { include_payload: 'true' });
      renderDetail(rec);
      if (focus) detail.querySelector('h3')?.focus();
    } catch (err) {
      replace(detail, h('p', { class: 'error', role: 'alert', text: errorText(err) }), closeButton());
    } finally {
      detail.removeAttribute('aria-busy');
    }
  }

  function closeButton() {
    return h('button', { type: 'button', class: 'small', text: t('deliveries.detail.close'), onclick: () => (location.hash = hashFor({})) });
  }

  /** @param {any} rec */
  function renderDetail(rec) {
    const attempts = /** @type {any[]} */ (rec.attempts_log || []);
    const last = attempts[attempts.length - 1];
    const replay = canReplay(rec.state)
      ? h('button', { type: 'button', class: 'primary', text: t('deliveries.detail.replay'), onclick: (/** @type {Event} */ e) => onReplay(/** @type {HTMLElement} */ (e.currentTarget), rec.id) })
      : null;
    replace(
      detail,
      h('div', { class: 'row deliveries-detail-head' }, h('h3', { tabindex: '-1', text: t('deliveries.detail', { id: rec.id }) }), h('span', { class: 'spacer' }), closeButton()),
      facts(detailFacts(rec)),
      h('div', { class: 'actions' }, sendNowButton(rec, (text) => afterRelease(rec.id, text)), replay),
      h('h4', { text: t('deliveries.detail.signature') }),
      last && last.request_headers && Object.keys(last.request_headers).length
        ? facts(Object.entries(last.request_headers).map(([k, v]) => [k, h('code', { class: 'deliveries-header', text: String(v) })]))
        : h('p', { text: t('deliveries.detail.no_attempt') }),
      h('p', { class: 'help', text: t('deliveries.detail.signature_help') }),
      h('h4', { text: t('deliveries.detail.attempts_log') }),
      attempts.length ? attemptsView(attempts) : h('p', { text: t('deliveries.detail.no_attempt') }),
      h(
        'details',
        { class: 'deliveries-payload' },
        h('summary', { text: t('deliveries.detail.payload') }),
        rec.payload ? h('pre', { tabindex: '0', text: prettyJson(rec.payload) }) : h('p', { text: t('deliveries.detail.payload_gone') }),
      ),
    );
  }

  /**
   * The delivery's facts: where it goes, what it carries, where it stands and why.
   * @param {any} rec
   * @returns {Array<[string, unknown]>}
   */
  function detailFacts(rec) {
    /** @type {Array<[string, unknown]>} */
    const pairs = [
      [t('deliveries.detail.state'), stateBadge(rec.state)],
      [t('deliveries.detail.waiting'), waitingFact(rec)],
      [t('deliveries.detail.target'), rec.target_name && rec.target_name !== rec.target_id ? `${rec.target_name} (${rec.target_id})` : rec.target_id],
      [t('deliveries.detail.webhook_id'), h('code', { text: rec.webhook_id || '' })],
      [t('deliveries.detail.email'), rec.email_id ? h('a', { href: routeHash('emails', { id: rec.email_id }), text: rec.email_id }) : null],
      [t('deliveries.detail.subject'), rec.subject],
      [t('deliveries.detail.sender'), rec.sender_email],
      [t('deliveries.detail.detector'), rec.detector],
      [t('deliveries.detail.rules'), rec.rules],
      [t('deliveries.detail.priority'), rec.priority],
      [t('deliveries.detail.created'), when(rec.created_at)],
      [t('deliveries.detail.deliver_at'), when(rec.deliver_at)],
      [t('deliveries.detail.finished'), when(rec.finished_at)],
      [t('deliveries.detail.attempts'), `${rec.attempts ?? 0} / ${rec.total_attempts ?? 0}`],
      [t('deliveries.detail.replays'), rec.replays ?? 0],
      [t('deliveries.detail.last_error'), rec.last_error ? say(errorPhrase(rec.last_error, rec.last_status_code)) : null],
    ];
    if (rec.released_by) pairs.push([t('deliveries.detail.released_by'), rec.released_by]);
    if (rec.cancel_reason) pairs.push([t('deliveries.detail.cancelled'), say(cancelPhrase(rec.cancel_reason))]);
    return pairs;
  }

  /** @param {string} id @param {string} text */
  async function afterRelease(id, text) {
    outcome.textContent = text;
    await Promise.all([loadList(), loadDetail(id)]);
  }

  /** @param {any[]} attempts */
  function attemptsView(attempts) {
    return [
      table(
        t('deliveries.detail.attempts_log'),
        [t('deliveries.att.n'), t('deliveries.att.at'), t('deliveries.att.duration'), t('deliveries.att.code'), t('deliveries.att.error'), t('deliveries.att.outcome'), t('deliveries.att.next')],
        attempts.map((a) => [a.n, when(a.at), a.duration_ms === null || a.duration_ms === undefined ? null : formatDuration(a.duration_ms / 1000), a.status_code, a.error ? say(errorPhrase(a.error, a.status_code)) : null, stateBadge(a.outcome), a.next_at ? when(a.next_at) : null]),
        { numeric: [0, 3] },
      ),
      attempts.map((a) =>
        h(
          'details',
          { class: 'deliveries-attempt' },
          h('summary', { text: t('deliveries.att.response', { n: a.n }) }),
          a.response_snippet ? h('pre', { tabindex: '0', text: a.response_snippet }) : h('p', { text: t('deliveries.att.no_response') }),
          a.r2 && a.r2.length
            ? [h('h5', { text: t('deliveries.att.r2') }), facts(a.r2.map((/** @type {any} */ c) => [c.provider || '', c.original_filename || c.r2_error || '']))]
            : null,
        ),
      ),
    ];
  }

  /** @param {HTMLElement} button @param {string} id */
  async function onReplay(button, id) {
    const result = await runAction(
      button,
      async () => {
        try {
          return await api.post(`/api/deliveries/${encodeURIComponent(id)}/replay`);
        } catch (err) {
          if (err instanceof ApiError && err.status === 409) {
            const outcome = String(err.body.outcome || '');
            throw new Error(t(replayOutcomeKey(outcome), { outcome }));
          }
          throw err;
        }
      },
      { success: () => t('deliveries.replay.queued') },
    );
    if (result) {
      outcome.textContent = t('deliveries.replay.queued');
      await Promise.all([loadList(), loadDetail(id)]);
    }
  }

  /** @param {Event} event */
  async function onReplayMany(event) {
    const query = deliveryQuery(filters);
    const result = await runAction(
      /** @type {HTMLElement} */ (event.currentTarget),
      async () => {
        const dry = await api.post('/api/deliveries/replay', { ...query, dry_run: true });
        if (!dry.matched) return { text: t('deliveries.replay_many.none') };
        const go = await confirmDialog(tc('deliveries.replay_many.confirm', { count: dry.matched }), {
          confirmLabel: t('deliveries.replay_many.go', { count: dry.matched }),
          danger: true,
        });
        if (!go) return { text: t('deliveries.replay_many.cancelled') };
        const done = await api.post('/api/deliveries/replay', query);
        return { text: tc('deliveries.replay_many.done', { count: done.queued, skipped: done.skipped ?? 0 }), done };
      },
      { success: (r) => r.text },
    );
    if (result) {
      outcome.textContent = result.text;
      if (result.done) await loadList();
    }
  }

  /** @param {Event} event */
  async function onReleaseMany(event) {
    const result = await releaseFiltered(/** @type {HTMLElement} */ (event.currentTarget), deliveryQuery(filters));
    if (!result) return;
    outcome.textContent = result.text;
    if (result.released) await loadList();
  }

  async function update() {
    listKey = JSON.stringify([filters, offset]);
    await Promise.all([loadList(), openId ? loadDetail(openId) : null]);
  }

  return {
    update,
    /** @param {Record<string, string>} params */
    async show(params) {
      filters = cleanFilters(params || {}, DELIVERY_FILTERS);
      offset = pageOffset(params && params.offset, LIMIT);
      const wanted = (params && params.id) || null;
      const opened = wanted !== openId;
      openId = wanted;
      fillForm();
      loadTargets();
      const key = JSON.stringify([filters, offset]);
      const jobs = [];
      if (key !== listKey) {
        listKey = key;
        outcome.textContent = '';
        jobs.push(loadList());
      } else {
        for (const row of list.querySelectorAll('tbody tr')) {
          const selected = /** @type {HTMLElement} */ (row).dataset.id === openId;
          if (selected) row.setAttribute('aria-selected', 'true');
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
