// Access: magic links (MagicLinks.js), log out everywhere, the audit log (auditView.js).

import { api, toSignIn } from '../../api.js';
import { h, replace, uid } from '../../dom.js';
import { URLS } from '../../endpoints.js';
import { t } from '../../i18n.js';
import { confirmDialog, runAction } from '../../ui.js';
import { auditSection } from './auditView.js';
import { linksSection } from './MagicLinks.js';
import './messages.js';

/** Log out everywhere, with what it does. */
function sessionsSection() {
  const logoutAll = h('button', {
    type: 'button',
    class: 'danger',
    text: t('access.sessions.logout_all'),
    onclick: async () => {
      if (!(await confirmDialog(t('access.sessions.confirm'), { danger: true, confirmLabel: t('access.sessions.logout_all') }))) return;
      const done = await runAction(logoutAll, () => api.post(URLS.logoutAll), { silent: true });
      if (done) toSignIn();
    },
  });
  const title = uid('h');
  return h('section', { class: 'card', 'aria-labelledby': title }, h('h2', { id: title, text: t('access.sessions.title') }), h('p', { text: t('access.sessions.intro') }), logoutAll);
}

/**
 * @param {HTMLElement} el
 * @param {{session: {user: string, csrf_token: string}, navigate: Function}} _ctx
 */
export function AccessTab(el, _ctx) {
  const links = linksSection();
  const audit = auditSection();
  replace(el, links.node, sessionsSection(), audit.node);
  const load = () => Promise.all([links.load(), audit.load()]);
  return {
    update: load,
    /** @param {Record<string, string>} _params */
    show: (_params) => load(),
    hide: links.hide,
  };
}
