// Preferences: every field of the processing preferences, with what it changes.

import { URLS, targets as loadTargets } from '../endpoints.js';
import { detectorLabel, detectorNames } from '../detectors.js';
import { field, h } from '../dom.js';
import { formatDuration, formatDurationList, parseDurationList } from '../formatLogic.js';
import { addMessages, getLang, t, tc } from '../i18n.js';
import { parseLines } from '../configLogic.js';
import { documentEditor, errorSlot, numberField, switchField } from '../configWidgets.js';

addMessages({
  en: {
    'preferences.title': 'Processing preferences',
    'preferences.intro': 'How emails are filtered and how deliveries are attempted. Changes apply to emails arriving after saving.',
    'preferences.delivery': 'Delivery',
    'preferences.filters': 'Filters',
    'preferences.detectors': 'Detectors',
    'preferences.limits': 'Rate limits',
    'preferences.retry_schedule': 'Retry schedule',
    'preferences.retry_schedule.help': 'How long to wait before each attempt, separated by commas, e.g. 0, 5 s, 5 min, 30 min, 2 h (a bare number is seconds; min, h and days work too). The first wait is usually 0. As many waits as attempts: after the last one the delivery is dead (it can be replayed). Up to 50 waits, each at most 7 days.',
    'preferences.retry_schedule.summary': '{count} attempts; the last one {total} after the email arrives, then the delivery is dead.',
    'preferences.retry_schedule.summary_one': 'A single attempt, {total} after the email arrives, then the delivery is dead.',
    'preferences.webhook_timeout_sec': 'Webhook timeout (seconds)',
    'preferences.webhook_timeout_sec.help': 'How long a receiver may take to answer one attempt before it counts as failed and is retried. More than 0, at most 300. A target can override it.',
    'preferences.exclude_keywords': 'Excluded keywords (one per line)',
    'preferences.exclude_keywords.help': 'An email whose subject or body contains one of these (accents and case ignored) is ignored: not delivered anywhere.',
    'preferences.exclude_for': 'Excluded keywords for “{detector}” emails',
    'preferences.exclude_for.help': 'The same, only for emails this detector matched.',
    'preferences.require_links': 'Require a file link',
    'preferences.require_links.help': 'On: an email that no detector and no routing rule claimed, and that carries no file link, is ignored. Off: such emails go to the default targets too.',
    'preferences.max_email_size_kb': 'Maximum email size (KB)',
    'preferences.max_email_size_kb.help': 'Emails whose HTML body is larger are ignored. Empty: no limit. 1 to 65536.',
    'preferences.detector': 'Detector “{detector}”',
    'preferences.detector.other': 'Off: it never matches, and the emails it would recognise follow the rules and the default route.',
    'preferences.detector.recadrage': 'Recognises the “Recadrage” mission emails and their deadlines. Off: it never matches, and those emails follow the rules and the default route like any other.',
    'preferences.detector.desabonnement_journee_tarifs': 'Recognises the unsubscribe / day-rate emails (and marks urgent ones). Off: it never matches.',
    'preferences.per_minute': 'Per minute',
    'preferences.per_hour': 'Per hour',
    'preferences.rate.help': 'Deliveries allowed per target; over the limit they wait, they are never dropped. Empty: no limit.',
    'preferences.rate_default': 'Default limit for every target',
    'preferences.own_limit': 'Own limit for “{target}”',
    'preferences.own_limit.help': 'On: these limits replace the default for this target (both empty: no limit at all for it).',
    'preferences.err.list': 'Enter durations separated by commas, such as 0, 5 s, 5 min, 2 h (1 to 50 of them, each from 0 to 7 days).',
    'preferences.err.keywords': 'At most 500 keywords of 200 characters.',
  },
  fr: {
    'preferences.title': 'Préférences de traitement',
    'preferences.intro': 'Comment les e-mails sont filtrés et comment les livraisons sont tentées. Les changements s’appliquent aux e-mails reçus après l’enregistrement.',
    'preferences.delivery': 'Livraison',
    'preferences.filters': 'Filtres',
    'preferences.detectors': 'Détecteurs',
    'preferences.limits': 'Limites de débit',
    'preferences.retry_schedule': 'Calendrier des tentatives',
    'preferences.retry_schedule.help': 'Attente avant chaque tentative, séparées par des virgules, par ex. 0, 5 s, 5 min, 30 min, 2 h (un nombre seul compte en secondes ; min, h et jours fonctionnent aussi). La première attente vaut en général 0. Autant d’attentes que de tentatives : après la dernière, la livraison est en échec (elle peut être relancée). Jusqu’à 50 attentes, chacune de 7 jours au plus.',
    'preferences.retry_schedule.summary': '{count} tentatives ; la dernière {total} après l’arrivée de l’e-mail, puis la livraison passe en échec.',
    'preferences.retry_schedule.summary_one': 'Une seule tentative, {total} après l’arrivée de l’e-mail, puis la livraison passe en échec.',
    'preferences.webhook_timeout_sec': 'Délai d’attente du webhook (secondes)',
    'preferences.webhook_timeout_sec.help': 'Temps laissé au destinataire pour répondre à une tentative avant qu’elle soit comptée en échec et retentée. Plus de 0, au plus 300. Une cible peut le remplacer.',
    'preferences.exclude_keywords': 'Mots-clés exclus (un par ligne)',
    'preferences.exclude_keywords.help': 'Un e-mail dont l’objet ou le corps contient l’un d’eux (accents et casse ignorés) est ignoré : il n’est livré nulle part.',
    'preferences.exclude_for': 'Mots-clés exclus pour les e-mails « {detector} »',
    'preferences.exclude_for.help': 'Idem, seulement pour les e-mails reconnus par ce détecteur.',
    'preferences.require_links': 'Exiger un lien de fichier',
    'preferences.require_links.help': 'Activé : un e-mail qu’aucun détecteur ni aucune règle n’a pris, et qui ne contient aucun lien de fichier, est ignoré. Désactivé : ces e-mails vont aussi aux cibles par défaut.',
    'preferences.max_email_size_kb': 'Taille maximale d’un e-mail (Ko)',
    'preferences.max_email_size_kb.help': 'Les e-mails dont le corps HTML est plus gros sont ignorés. Vide : aucune limite. De 1 à 65536.',
    'preferences.detector': 'Détecteur « {detector} »',
    'preferences.detector.other': 'Désactivé : il ne reconnaît plus rien, et les e-mails qu’il aurait reconnus suivent les règles et la route par défaut.',
    'preferences.detector.recadrage': 'Reconnaît les e-mails de missions « Recadrage » et leurs échéances. Désactivé : il ne reconnaît plus rien, et ces e-mails suivent les règles et la route par défaut comme les autres.',
    'preferences.detector.desabonnement_journee_tarifs': 'Reconnaît les e-mails de désabonnement / tarifs à la journée (et marque les urgents). Désactivé : il ne reconnaît plus rien.',
    'preferences.per_minute': 'Par minute',
    'preferences.per_hour': 'Par heure',
    'preferences.rate.help': 'Livraisons permises par cible ; au-delà, elles attendent, elles ne sont jamais abandonnées. Vide : aucune limite.',
    'preferences.rate_default': 'Limite par défaut de chaque cible',
    'preferences.own_limit': 'Limite propre à « {target} »',
    'preferences.own_limit.help': 'Activé : ces limites remplacent celle par défaut pour cette cible (les deux vides : aucune limite pour elle).',
    'preferences.err.list': 'Saisissez des durées séparées par des virgules, comme 0, 5 s, 5 min, 2 h (de 1 à 50, chacune de 0 à 7 jours).',
    'preferences.err.keywords': 'Au plus 500 mots-clés de 200 caractères.',
  },
});

/** The detectors' names, from the server (see ../detectors.js). */
let detectors = /** @type {string[]} */ ([]);
const LIST_LIMITS = { min: 0, max: 7 * 86400, minItems: 1, maxItems: 50 };

/**
 * @param {import('../configWidgets.js').DocState} state
 * @param {Record<string, any>} holder object holding the rate limit
 * @param {string} prefix key for validity tracking
 */
function rateFields(state, holder, prefix) {
  const one = (/** @type {'per_minute'|'per_hour'} */ key, /** @type {number} */ max) =>
    numberField(
      t(`preferences.${key}`),
      t('preferences.rate.help'),
      holder[key],
      { min: 1, max, integer: true, optional: true },
      (value) => {
        holder[key] = value;
        state.changed();
      },
      (bad) => {
        state.invalid(`${prefix}.${key}`, bad);
        state.changed();
      },
    );
  return h('div', { class: 'grid rate-grid' }, one('per_minute', 100000), one('per_hour', 1000000));
}

/**
 * The retry schedule in words: how many attempts, and when the last one happens.
 * @param {number[]} waits seconds
 */
function retrySummary(waits) {
  const total = waits.reduce((sum, s) => sum + s, 0);
  return tc('preferences.retry_schedule.summary', { count: waits.length, total: formatDuration(total, getLang()) });
}

/**
 * The retry schedule, shown and typed as durations ("0 s, 5 s, 5 min, 2 h"), saved as seconds.
 * @param {import('../configWidgets.js').DocState} state
 */
function retryField(state) {
  const d = state.draft;
  const retry = /** @type {HTMLInputElement} */ (
    h('input', { type: 'text', value: formatDurationList(d.retry_schedule, getLang()), class: 'wide', spellcheck: 'false', autocomplete: 'off' })
  );
  const wrap = field(t('preferences.retry_schedule'), retry, t('preferences.retry_schedule.help'));
  const summary = h('p', { class: 'retry-summary', 'aria-live': 'polite', text: retrySummary(d.retry_schedule) });
  const slot = errorSlot(retry);
  wrap.append(summary, slot.node);
  retry.addEventListener('input', () => {
    const parsed = parseDurationList(retry.value, LIST_LIMITS);
    slot.set(parsed.error ? t('preferences.err.list') : '');
    state.invalid('retry_schedule', parsed.error);
    if (parsed.values) {
      d.retry_schedule = parsed.values;
      summary.textContent = retrySummary(parsed.values);
    }
    state.changed();
  });
  return wrap;
}

/**
 * @param {import('../configWidgets.js').DocState} state
 */
function deliverySection(state) {
  const d = state.draft;
  return h(
    'fieldset',
    { class: 'card' },
    h('legend', { text: t('preferences.delivery') }),
    retryField(state),
    numberField(
      t('preferences.webhook_timeout_sec'),
      t('preferences.webhook_timeout_sec.help'),
      d.webhook_timeout_sec,
      { min: 0, max: 300, exclusiveMin: true },
      (value) => {
        d.webhook_timeout_sec = value;
        state.changed();
      },
      (bad) => {
        state.invalid('webhook_timeout_sec', bad);
        state.changed();
      },
    ),
  );
}

/**
 * A textarea of keywords, one per line.
 * @param {import('../configWidgets.js').DocState} state
 * @param {string} label
 * @param {string} help
 * @param {string[]} value
 * @param {(words: string[]) => void} set
 */
function keywordsField(state, label, help, value, set) {
  const area = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 3, value: value.join('\n') }));
  const wrap = field(label, area, help);
  const slot = errorSlot(area);
  wrap.appendChild(slot.node);
  const key = `kw-${label}`;
  area.addEventListener('input', () => {
    const words = parseLines(area.value);
    const bad = words.length > 500 || words.some((w) => w.length > 200);
    slot.set(bad ? t('preferences.err.keywords') : '');
    state.invalid(key, bad);
    if (!bad) set(words);
    state.changed();
  });
  return wrap;
}

/**
 * @param {import('../configWidgets.js').DocState} state
 */
function filtersSection(state) {
  const d = state.draft;
  return h(
    'fieldset',
    { class: 'card' },
    h('legend', { text: t('preferences.filters') }),
    switchField(t('preferences.require_links'), t('preferences.require_links.help'), d.require_links, (v) => {
      d.require_links = v;
      state.changed();
    }),
    numberField(
      t('preferences.max_email_size_kb'),
      t('preferences.max_email_size_kb.help'),
      d.max_email_size_kb,
      { min: 1, max: 65536, integer: true, optional: true },
      (value) => {
        d.max_email_size_kb = value;
        state.changed();
      },
      (bad) => {
        state.invalid('max_email_size_kb', bad);
        state.changed();
      },
    ),
    keywordsField(state, t('preferences.exclude_keywords'), t('preferences.exclude_keywords.help'), d.exclude_keywords, (words) => {
      d.exclude_keywords = words;
    }),
    detectors.map((name) =>
      keywordsField(
        state,
        t('preferences.exclude_for', { detector: detectorLabel(name) }),
        t('preferences.exclude_for.help'),
        d.exclude_keywords_per_detector[name] || [],
        (words) => {
          if (words.length) d.exclude_keywords_per_detector[name] = words;
          else delete d.exclude_keywords_per_detector[name];
        },
      ),
    ),
  );
}

/**
 * What a detector's switch does, in words (a detector without its own words gets the general ones).
 * @param {string} name
 */
function detectorHelp(name) {
  const key = `preferences.detector.${name}`;
  const text = t(key);
  return text === key ? t('preferences.detector.other') : text;
}

/**
 * @param {import('../configWidgets.js').DocState} state
 */
function detectorsSection(state) {
  const d = state.draft;
  return h(
    'fieldset',
    { class: 'card' },
    h('legend', { text: t('preferences.detectors') }),
    detectors.map((name) =>
      switchField(t('preferences.detector', { detector: detectorLabel(name) }), detectorHelp(name), d.detectors[name] !== false, (v) => {
        d.detectors[name] = v;
        state.changed();
      }),
    ),
  );
}

/**
 * @param {import('../configWidgets.js').DocState} state
 * @param {Array<{id: string, name: string}>} targets
 */
function limitsSection(state, targets) {
  const d = state.draft;
  const perTarget = targets.map((target) => {
    const holder = d.rate_limits_per_target[target.id] || { per_minute: null, per_hour: null };
    const fields = rateFields(state, holder, `rate.${target.id}`);
    fields.hidden = !d.rate_limits_per_target[target.id];
    return h(
      'div',
      { class: 'per-target-limit' },
      switchField(t('preferences.own_limit', { target: target.name }), t('preferences.own_limit.help'), !fields.hidden, (on) => {
        fields.hidden = !on;
        if (on) d.rate_limits_per_target[target.id] = holder;
        else delete d.rate_limits_per_target[target.id];
        state.changed();
      }),
      fields,
    );
  });
  return h(
    'fieldset',
    { class: 'card' },
    h('legend', { text: t('preferences.limits') }),
    h('h3', { text: t('preferences.rate_default') }),
    rateFields(state, d.rate_limit, 'rate.default'),
    perTarget,
  );
}

/**
 * @param {HTMLElement} el
 * @param {import('../app.js').ScreenContext} _ctx
 */
export function PreferencesTab(el, _ctx) {
  /** @type {Array<{id: string, name: string}>} */
  let targets = [];
  const editor = documentEditor(el, {
    screen: 'preferences',
    path: URLS.preferences,
    title: t('preferences.title'),
    intro: t('preferences.intro'),
    build(state) {
      return h(
        'div',
        { class: 'prefs' },
        deliverySection(state),
        filtersSection(state),
        detectorsSection(state),
        limitsSection(state, targets),
      );
    },
  });
  async function load() {
    [targets, detectors] = await Promise.all([
      loadTargets().catch(() => []),
      detectorNames(),
    ]);
    await editor.load();
  }
  return {
    update: load,
    show: () => (editor.dirty() ? undefined : load()),
    hide() {},
  };
}
