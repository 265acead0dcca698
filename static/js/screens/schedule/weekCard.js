// The week at a glance: each day's window (or absence) in words and as a bar.

import { h, replace } from '../../dom.js';
import { t } from '../../i18n.js';
import { svg } from '../../monitorWidgets.js';
import { formatHHMM, weekView } from '../../scheduleLogic.js';
import './messages.js';

/**
 * One day of the week view in words: "09:00–18:00", "all day", "absence day".
 * @param {import('../../scheduleLogic.js').WeekRow} row
 */
function daySummary(row) {
  if (row.absent) return t('schedule.week.absent');
  const open = row.segments.filter((seg) => seg.open);
  if (!open.length) return t('schedule.week.closed');
  if (open.length === 1 && open[0].from === 0 && open[0].to === 24 * 60) return t('schedule.week.all_day');
  return open.map((seg) => t('schedule.week.span', { from: formatHHMM(seg.from), to: formatHHMM(seg.to) })).join(', ');
}

/** @param {import('../../scheduleLogic.js').WeekRow} row */
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
export function weekCard() {
  const list = h('ol', { class: 'week-rows' });
  const hours = h('div', { class: 'week-hours', 'aria-hidden': 'true' }, [0, 6, 12, 18, 24].map((hour) => h('span', { text: formatHHMM(hour * 60) })));
  const node = h('section', { class: 'card week-card', 'aria-label': t('schedule.week') }, h('h3', { text: t('schedule.week') }), h('p', { class: 'help', text: t('schedule.week.help') }), list, hours);
  return {
    node,
    /** @param {import('../../scheduleLogic.js').TimeWindowsDoc} doc */
    show(doc) {
      replace(list, weekView(doc).map(weekRow));
    },
  };
}
