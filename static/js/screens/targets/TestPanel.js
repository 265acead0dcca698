// Preview or send a test webhook to a target; show the request and the answer.

import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { urlFor } from '../../endpoints.js';
import { getLang, t } from '../../i18n.js';
import { say } from '../../outcomeWords.js';
import { errorPhrase } from '../../statusLogic.js';
import { runAction } from '../../ui.js';
import { urlText } from './TargetList.js';
import './messages.js';

/** @param {number} ms */
const millis = (ms) => new Intl.NumberFormat(getLang(), { maximumFractionDigits: 1 }).format(ms);

/**
 * The outcome line: not sent (a preview), delivered, or not delivered and why, in words.
 * @param {any} r the `result` of a send, absent for a preview
 */
function outcomeLine(r) {
  if (!r) return h('p', { class: 'banner', text: t('targets.test.not_sent') });
  const text = r.ok
    ? t('targets.test.ok', { status: r.status_code, ms: millis(r.duration_ms) })
    : t('targets.test.failed', { error: say(errorPhrase(r.error, r.status_code)), ms: millis(r.duration_ms) });
  return h('p', { class: `banner ${r.ok ? 'green' : 'red'} test-outcome`, text });
}

/** @param {any} result */
function resultView(result) {
  const r = result.result;
  return h(
    'div',
    { class: 'stack' },
    outcomeLine(r),
    h('h4', { text: t('targets.test.request') }),
    h('p', { class: 'mono request-line' }, 'POST ', urlText(result.request.url)),
    h('h4', { text: t('targets.test.headers') }),
    h('pre', { text: JSON.stringify(result.request.headers, null, 2) }),
    h('h4', { text: t('targets.test.body') }),
    h('pre', { text: JSON.stringify(result.request.body, null, 2) }),
    r && r.response_snippet ? [h('h4', { text: t('targets.test.snippet') }), h('pre', { text: r.response_snippet })] : null,
  );
}

/**
 * The test panel of one target.
 * @param {import('./targetsLogic.js').Target} target
 */
export function testPanel(target) {
  const out = h('div', { class: 'test-result', role: 'status', 'aria-live': 'polite' });
  /** @param {'preview'|'send'} mode @param {Event} event */
  const run = (mode, event) =>
    runAction(
      /** @type {HTMLElement} */ (event.currentTarget),
      async () => {
        const result = await api.post(urlFor.targetTest(target.id), { mode });
        replace(out, resultView(result));
        return result;
      },
      { silent: true },
    );
  return h(
    'section',
    { class: 'card test-panel', 'aria-label': t('targets.test.title') },
    h('h3', { text: t('targets.test.title') }),
    h('p', { class: 'help', text: t('targets.test.help') }),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', text: t('targets.test.preview'), onclick: (/** @type {Event} */ e) => run('preview', e) }),
      h('button', { type: 'button', class: 'primary', text: t('targets.test.send'), onclick: (/** @type {Event} */ e) => run('send', e) }),
    ),
    out,
  );
}
