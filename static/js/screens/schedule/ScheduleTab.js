// Schedule: time zone, sending window, absence days, per-target windows and what happens
// outside the window, with a line saying in words what happens now.

import { documentEditor } from '../../configWidgets.js';
import { detectorNames } from '../../detectors.js';
import { field, h } from '../../dom.js';
import { URLS, targets as loadTargets } from '../../endpoints.js';
import { getLang, t } from '../../i18n.js';
import { formatMoment, nowStatus } from '../../scheduleLogic.js';
import { absenceFieldset, perTargetFieldset, policiesFieldset, timeZones, windowFields } from './scheduleFields.js';
import { weekCard } from './weekCard.js';
import './messages.js';

/** The detectors' names, from the server (see ../../detectors.js). */
let detectors = /** @type {string[]} */ ([]);

/**
 * The now line in words.
 * @param {import('../../scheduleLogic.js').NowStatus} s
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

/**
 * @param {HTMLElement} el
 * @param {import('../../app.js').ScreenContext} _ctx
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

  /** @param {import('../../configWidgets.js').DocState} state */
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
        policiesFieldset(state, detectors),
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
