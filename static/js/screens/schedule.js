// Schedule: time zone, sending window, absence days, per-target windows and what happens
// outside the window, with a line saying in words what happens now.

import { URLS, targets as loadTargets } from '../endpoints.js';
import { detectorLabel, detectorNames } from '../detectors.js';
import { field, h, replace, uid } from '../dom.js';
import { addMessages, getLang, t } from '../i18n.js';
import { svg } from '../monitorWidgets.js';
import { ACTIONS, DEFAULT_CASE, WEEKDAYS, formatHHMM, formatMoment, nowStatus, parseHHMM, policyKeys, weekView } from '../scheduleLogic.js';
import { documentEditor, errorSlot, switchField } from '../configWidgets.js';

addMessages({
  en: {
    'schedule.title': 'Schedule',
    'schedule.intro': 'When webhooks may be sent. Outside the window each email follows its policy (held until the window opens, sent anyway, or dropped); on absence days everything is held.',
    'schedule.now_label': 'Now',
    'schedule.draft_note': 'With your unsaved changes:',
    'schedule.now.always': 'Open at all hours: emails are sent as they arrive.',
    'schedule.now.open': 'Open until {when}: emails are sent as they arrive.',
    'schedule.now.absence': 'Closed today (absence day): emails are held until {when}.',
    'schedule.now.hold': 'Closed: emails are held until {when}.',
    'schedule.now.drop': 'Closed until {when}: emails are dropped (default policy), except the cases with their own policy.',
    'schedule.now.send': 'Outside the window until {when}, but emails are sent anyway (default policy).',
    'schedule.now.never': 'Closed, and no allowed time ahead.',
    'schedule.tomorrow': 'tomorrow',
    'schedule.timezone': 'Time zone',
    'schedule.timezone.help': 'The window and the absence days are read in this zone, whatever the server’s clock.',
    'schedule.window': 'Sending window',
    'schedule.window.help': 'Both empty: always open. A start later than the end crosses midnight (22:00 – 06:00). Only a start: open until midnight; only an end: from midnight.',
    'schedule.start': 'Opens at',
    'schedule.end': 'Closes at',
    'schedule.absence': 'Absence days',
    'schedule.absence.help': 'On these days nothing is sent: deliveries are held until the next allowed day. At least one day must stay allowed.',
    'schedule.absence.all': 'At least one day of the week must allow sending.',
    'schedule.per_target': 'Per-target windows',
    'schedule.per_target.help': 'A target with its own window uses it instead of the global one.',
    'schedule.own_window': 'Own window for “{target}”',
    'schedule.own_window.help': 'Off: this target follows the global window.',
    'schedule.unknown_target': '{target} (no such target any more)',
    'schedule.policies': 'Outside the window',
    'schedule.policies.help': 'What happens to an email that arrives outside the window. The most specific case wins: urgent emails of a detector, then the detector, then the default. A routing rule’s own window policy wins over these.',
    'schedule.policy.default': 'Every other email (default)',
    'schedule.policy.detector': 'Emails of “{detector}”',
    'schedule.policy.urgent': 'Urgent emails of “{detector}”',
    'schedule.policy.unset': 'Not set (next case applies)',
    'schedule.action.send': 'Send anyway',
    'schedule.action.hold': 'Hold until the window opens',
    'schedule.action.drop': 'Drop (never sent)',
    'schedule.day.monday': 'Monday',
    'schedule.day.tuesday': 'Tuesday',
    'schedule.day.wednesday': 'Wednesday',
    'schedule.day.thursday': 'Thursday',
    'schedule.day.friday': 'Friday',
    'schedule.day.saturday': 'Saturday',
    'schedule.day.sunday': 'Sunday',
    'schedule.week': 'The week at a glance',
    'schedule.week.help': 'Green: webhooks are sent as emails arrive. Grey: outside the window (each email follows its policy) or an absence day. In the schedule’s time zone, with your unsaved changes.',
    'schedule.week.span': '{from}–{to}',
    'schedule.week.all_day': 'all day',
    'schedule.week.absent': 'absence day',
    'schedule.week.closed': 'closed all day',
    'schedule.week.row': '{day}: {summary}',
  },
  fr: {
    'schedule.title': 'Horaires',
    'schedule.intro': 'Quand les webhooks peuvent partir. Hors de la plage, chaque e-mail suit sa politique (retenu jusqu’à l’ouverture, envoyé quand même ou abandonné) ; les jours d’absence, tout est retenu.',
    'schedule.now_label': 'Maintenant',
    'schedule.draft_note': 'Avec vos modifications non enregistrées :',
    'schedule.now.always': 'Ouvert à toute heure : les e-mails partent dès leur arrivée.',
    'schedule.now.open': 'Ouvert jusqu’à {when} : les e-mails partent dès leur arrivée.',
    'schedule.now.absence': 'Fermé aujourd’hui (jour d’absence) : les e-mails sont retenus jusqu’à {when}.',
    'schedule.now.hold': 'Fermé : les e-mails sont retenus jusqu’à {when}.',
    'schedule.now.drop': 'Fermé jusqu’à {when} : les e-mails sont abandonnés (politique par défaut), sauf les cas qui ont leur propre politique.',
    'schedule.now.send': 'Hors plage jusqu’à {when}, mais les e-mails partent quand même (politique par défaut).',
    'schedule.now.never': 'Fermé, et aucun moment permis à venir.',
    'schedule.tomorrow': 'demain',
    'schedule.timezone': 'Fuseau horaire',
    'schedule.timezone.help': 'La plage et les jours d’absence sont lus dans ce fuseau, quelle que soit l’horloge du serveur.',
    'schedule.window': 'Plage d’envoi',
    'schedule.window.help': 'Les deux vides : toujours ouvert. Un début après la fin passe minuit (22:00 – 06:00). Seulement un début : ouvert jusqu’à minuit ; seulement une fin : depuis minuit.',
    'schedule.start': 'Ouvre à',
    'schedule.end': 'Ferme à',
    'schedule.absence': 'Jours d’absence',
    'schedule.absence.help': 'Ces jours-là, rien ne part : les livraisons sont retenues jusqu’au prochain jour permis. Au moins un jour doit rester permis.',
    'schedule.absence.all': 'Au moins un jour de la semaine doit permettre l’envoi.',
    'schedule.per_target': 'Plages par cible',
    'schedule.per_target.help': 'Une cible qui a sa propre plage l’utilise à la place de la plage globale.',
    'schedule.own_window': 'Plage propre à « {target} »',
    'schedule.own_window.help': 'Désactivé : cette cible suit la plage globale.',
    'schedule.unknown_target': '{target} (cible disparue)',
    'schedule.policies': 'Hors de la plage',
    'schedule.policies.help': 'Ce que devient un e-mail arrivé hors de la plage. Le cas le plus précis l’emporte : e-mails urgents d’un détecteur, puis le détecteur, puis le cas par défaut. La politique propre d’une règle de routage passe avant.',
    'schedule.policy.default': 'Tous les autres e-mails (par défaut)',
    'schedule.policy.detector': 'E-mails « {detector} »',
    'schedule.policy.urgent': 'E-mails urgents « {detector} »',
    'schedule.policy.unset': 'Non défini (cas suivant)',
    'schedule.action.send': 'Envoyer quand même',
    'schedule.action.hold': 'Retenir jusqu’à l’ouverture',
    'schedule.action.drop': 'Abandonner (jamais envoyé)',
    'schedule.day.monday': 'Lundi',
    'schedule.day.tuesday': 'Mardi',
    'schedule.day.wednesday': 'Mercredi',
    'schedule.day.thursday': 'Jeudi',
    'schedule.day.friday': 'Vendredi',
    'schedule.day.saturday': 'Samedi',
    'schedule.day.sunday': 'Dimanche',
    'schedule.week': 'La semaine en un coup d’œil',
    'schedule.week.help': 'En vert : les webhooks partent dès l’arrivée des e-mails. En gris : hors de la plage (chaque e-mail suit sa politique) ou jour d’absence. Dans le fuseau des horaires, avec vos modifications non enregistrées.',
    'schedule.week.span': '{from}–{to}',
    'schedule.week.all_day': 'toute la journée',
    'schedule.week.absent': 'jour d’absence',
    'schedule.week.closed': 'fermé toute la journée',
    'schedule.week.row': '{day} : {summary}',
  },
});

/** The detectors' names, from the server (see ../detectors.js). */
let detectors = /** @type {string[]} */ ([]);

/**
 * The now line in words.
 * @param {import('../scheduleLogic.js').NowStatus} s
 * @returns {{text: string, tone: 'green'|'amber'|'red'}}
 */
export function phraseStatus(s) {
  const words = { tomorrow: t('schedule.tomorrow') };
  const moment = s.until || s.next;
  const when = moment ? formatMoment(moment, getLang(), words, { closing: Boolean(s.until) }) : '';
  if (s.state === 'always') return { text: t('schedule.now.always'), tone: 'green' };
  if (s.state === 'open') return { text: t('schedule.now.open', { when }), tone: 'green' };
  if (!when) return { text: t('schedule.now.never'), tone: 'red' };
  if (s.state === 'absence') return { text: t('schedule.now.absence', { when }), tone: 'amber' };
  return { text: t(`schedule.now.${s.policy}`, { when }), tone: s.policy === 'drop' ? 'red' : 'amber' };
}

/** @returns {string[]} the browser's IANA zones, UTC first (Chromium leaves it out) */
function timeZones() {
  let zones = ['Europe/Paris'];
  try {
    zones = /** @type {any} */ (Intl).supportedValuesOf('timeZone');
  } catch {
    // An old browser: the document's zone is added below.
  }
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}

/**
 * Two time inputs editing a {start, end} window spec.
 * @param {import('../configWidgets.js').DocState} state
 * @param {{start: string|null, end: string|null}} spec
 * @param {string} help
 */
function windowFields(state, spec, help) {
  const one = (/** @type {'start'|'end'} */ key) => {
    const input = /** @type {HTMLInputElement} */ (
      h('input', { type: 'time', value: formatHHMM(parseHHMM(spec[key])), step: 60 })
    );
    input.addEventListener('input', () => {
      spec[key] = input.value || null;
      state.changed();
    });
    return field(t(`schedule.${key}`), input);
  };
  return h('div', { class: 'window-fields' }, h('div', { class: 'row' }, one('start'), one('end')), h('p', { class: 'help', text: help }));
}

/**
 * @param {import('../configWidgets.js').DocState} state
 */
function absenceFieldset(state) {
  const d = state.draft;
  const legendId = uid('abs');
  const note = h('p', { class: 'help', text: t('schedule.absence.help') });
  const group = h('div', { class: 'days row' });
  const slot = errorSlot(group);
  for (const day of WEEKDAYS) {
    const box = /** @type {HTMLInputElement} */ (
      h('input', { type: 'checkbox', id: uid('day'), checked: d.absence_days.includes(day), name: day })
    );
    box.addEventListener('change', () => {
      const set = new Set(d.absence_days);
      if (box.checked) set.add(day);
      else set.delete(day);
      d.absence_days = WEEKDAYS.filter((w) => set.has(w));
      const all = d.absence_days.length >= 7;
      slot.set(all ? t('schedule.absence.all') : '');
      state.invalid('absence', all);
      state.changed();
    });
    group.appendChild(h('span', { class: 'day' }, box, h('label', { for: box.id, text: t(`schedule.day.${day}`) })));
  }
  return h('fieldset', { class: 'card', 'aria-labelledby': legendId }, h('legend', { id: legendId, text: t('schedule.absence') }), note, group, slot.node);
}

/**
 * @param {import('../configWidgets.js').DocState} state
 * @param {Array<{id: string, name: string}>} targets
 * @param {(id: string) => HTMLElement} nowLine
 */
function perTargetFieldset(state, targets, nowLine) {
  const d = state.draft;
  const known = new Set(targets.map((x) => x.id));
  const rows = [
    ...targets.map((x) => ({ id: x.id, name: x.name })),
    ...Object.keys(d.per_target)
      .filter((id) => !known.has(id))
      .map((id) => ({ id, name: t('schedule.unknown_target', { target: id }) })),
  ];
  return h(
    'fieldset',
    { class: 'card' },
    h('legend', { text: t('schedule.per_target') }),
    h('p', { class: 'help', text: t('schedule.per_target.help') }),
    rows.map((target) => {
      const spec = d.per_target[target.id] || { start: null, end: null };
      const box = windowFields(state, spec, t('schedule.window.help'));
      const line = nowLine(target.id);
      box.appendChild(line);
      box.hidden = !d.per_target[target.id];
      return h(
        'div',
        { class: 'per-target-window' },
        switchField(t('schedule.own_window', { target: target.name }), t('schedule.own_window.help'), !box.hidden, (on) => {
          box.hidden = !on;
          if (on) d.per_target[target.id] = spec;
          else delete d.per_target[target.id];
          state.changed();
        }),
        box,
      );
    }),
  );
}

/**
 * @param {import('../configWidgets.js').DocState} state
 */
function policiesFieldset(state) {
  const d = state.draft;
  const label = (/** @type {string} */ key) => {
    if (key === DEFAULT_CASE) return t('schedule.policy.default');
    const [detector, urgent] = key.split('.');
    return t(urgent ? 'schedule.policy.urgent' : 'schedule.policy.detector', { detector: detectorLabel(detector) });
  };
  return h(
    'fieldset',
    { class: 'card' },
    h('legend', { text: t('schedule.policies') }),
    h('p', { class: 'help', text: t('schedule.policies.help') }),
    h(
      'div',
      { class: 'grid' },
      policyKeys(d.policies, detectors).map((key) => {
        const options = [
          ...(key === DEFAULT_CASE ? [] : [['', t('schedule.policy.unset')]]),
          ...ACTIONS.map((a) => [a, t(`schedule.action.${a}`)]),
        ];
        const select = /** @type {HTMLSelectElement} */ (
          h('select', { name: `policy-${key}` }, options.map(([v, text]) => h('option', { value: v, text, selected: (d.policies[key] ?? (key === DEFAULT_CASE ? 'hold' : '')) === v })))
        );
        select.addEventListener('change', () => {
          if (select.value) d.policies[key] = select.value;
          else delete d.policies[key];
          state.changed();
        });
        return field(label(key), select);
      }),
    ),
  );
}

/**
 * One day of the week view in words: "09:00–18:00", "all day", "absence day".
 * @param {import('../scheduleLogic.js').WeekRow} row
 */
function daySummary(row) {
  if (row.absent) return t('schedule.week.absent');
  const open = row.segments.filter((seg) => seg.open);
  if (!open.length) return t('schedule.week.closed');
  if (open.length === 1 && open[0].from === 0 && open[0].to === 24 * 60) return t('schedule.week.all_day');
  return open.map((seg) => t('schedule.week.span', { from: formatHHMM(seg.from), to: formatHHMM(seg.to) })).join(', ');
}

/** @param {import('../scheduleLogic.js').WeekRow} row */
function weekRow(row) {
  const summary = daySummary(row);
  const day = t(`schedule.day.${row.day}`);
  const bar = svg(
    'svg',
    { class: 'week-bar', viewBox: '0 0 1440 10', preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' },
    ...row.segments.map((seg) => svg('rect', { class: seg.open ? 'open' : row.absent ? 'absent' : 'closed', x: seg.from, width: seg.to - seg.from, y: 0, height: 10 })),
  );
  return h(
    'li',
    { class: 'week-row', dataset: { day: row.day }, 'aria-label': t('schedule.week.row', { day, summary }) },
    h('span', { class: 'week-day', 'aria-hidden': 'true', text: day }),
    bar,
    h('span', { class: 'week-summary', 'aria-hidden': 'true', text: summary }),
  );
}

/** The week at a glance, drawn again whenever the draft changes. */
function weekCard() {
  const list = h('ol', { class: 'week-rows' });
  const hours = h('div', { class: 'week-hours', 'aria-hidden': 'true' }, [0, 6, 12, 18, 24].map((hour) => h('span', { text: formatHHMM(hour * 60) })));
  const node = h('section', { class: 'card week-card', 'aria-label': t('schedule.week') }, h('h3', { text: t('schedule.week') }), h('p', { class: 'help', text: t('schedule.week.help') }), list, hours);
  return {
    node,
    /** @param {import('../scheduleLogic.js').TimeWindowsDoc} doc */
    show(doc) {
      replace(list, weekView(doc).map(weekRow));
    },
  };
}

/**
 * @param {HTMLElement} el
 * @param {import('../app.js').ScreenContext} _ctx
 */
export function ScheduleTab(el, _ctx) {
  const week = weekCard();
  /** @type {Array<{id: string, name: string}>} */
  let targets = [];
  /** @type {Map<string, HTMLElement>} */
  const targetLines = new Map();
  const nowText = h('p', { class: 'now-line' });
  const draftNote = h('span', { class: 'draft-note', text: t('schedule.draft_note'), hidden: true });
  const nowBanner = h('div', { class: 'banner green now-banner', role: 'status', 'aria-live': 'polite' }, h('strong', { text: t('schedule.now_label') }), draftNote, nowText);
  let timer = 0;

  /** @param {import('../configWidgets.js').DocState} state */
  function refreshNow(state) {
    if (!state.draft) return;
    const now = Date.now();
    const main = phraseStatus(nowStatus(state.draft, now));
    nowText.textContent = main.text;
    nowBanner.className = `banner ${main.tone} now-banner`;
    draftNote.hidden = !editor.dirty();
    week.show(state.draft);
    for (const [id, line] of targetLines) {
      line.textContent = state.draft.per_target[id] ? phraseStatus(nowStatus(state.draft, now, id)).text : '';
    }
  }

  const editor = documentEditor(el, {
    screen: 'schedule',
    path: URLS.timeWindows,
    title: t('schedule.title'),
    intro: t('schedule.intro'),
    build(state) {
      const d = state.draft;
      targetLines.clear();
      const zones = timeZones();
      if (!zones.includes(d.timezone)) zones.unshift(d.timezone);
      const zone = /** @type {HTMLSelectElement} */ (
        h('select', { name: 'timezone' }, zones.map((z) => h('option', { value: z, text: z, selected: z === d.timezone })))
      );
      zone.addEventListener('change', () => {
        d.timezone = zone.value;
        state.changed();
      });
      return h(
        'div',
        { class: 'schedule' },
        h(
          'fieldset',
          { class: 'card' },
          h('legend', { text: t('schedule.window') }),
          field(t('schedule.timezone'), zone, t('schedule.timezone.help')),
          windowFields(state, d.window, t('schedule.window.help')),
        ),
        week.node,
        absenceFieldset(state),
        policiesFieldset(state),
        perTargetFieldset(state, targets, (id) => {
          const line = h('p', { class: 'target-now', role: 'status' });
          targetLines.set(id, line);
          return line;
        }),
      );
    },
    onChange: refreshNow,
  });
  el.insertBefore(nowBanner, el.children[1] || null);

  async function load() {
    [targets, detectors] = await Promise.all([
      loadTargets().catch(() => []),
      detectorNames(),
    ]);
    await editor.load();
    refreshNow(editor.state);
  }

  return {
    update: load,
    show() {
      clearInterval(timer);
      timer = /** @type {any} */ (setInterval(() => refreshNow(editor.state), 30_000));
      return editor.dirty() ? refreshNow(editor.state) : load();
    },
    hide() {
      clearInterval(timer);
    },
  };
}
