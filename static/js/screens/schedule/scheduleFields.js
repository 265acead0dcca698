// The Schedule form's parts: the time zone list, a window's two times, absence days,
// per-target windows and what happens outside the window.

import { errorSlot, switchField } from '../../configWidgets.js';
import { detectorLabel } from '../../detectors.js';
import { field, h, uid } from '../../dom.js';
import { t } from '../../i18n.js';
import { ACTIONS, DEFAULT_CASE, WEEKDAYS, formatHHMM, parseHHMM, policyKeys } from '../../scheduleLogic.js';
import './messages.js';

/** @returns {string[]} the browser's IANA zones, UTC first (Chromium leaves it out) */
export function timeZones() {
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
 * @param {import('../../configWidgets.js').DocState} state
 * @param {{start: string|null, end: string|null}} spec
 * @param {string} help
 */
export function windowFields(state, spec, help) {
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
 * @param {import('../../configWidgets.js').DocState} state
 */
export function absenceFieldset(state) {
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
 * @param {import('../../configWidgets.js').DocState} state
 * @param {Array<{id: string, name: string}>} targets
 * @param {(id: string) => HTMLElement} nowLine
 */
export function perTargetFieldset(state, targets, nowLine) {
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
 * @param {import('../../configWidgets.js').DocState} state
 * @param {string[]} detectors the detectors' names (a policy per detector)
 */
export function policiesFieldset(state, detectors) {
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
