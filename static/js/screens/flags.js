// Flags: the runtime switches (ingress, webhook sending, dedup), each with what it does;
// the ones that stop part of the service ask for confirmation and show a warning while set.

import { h, replace } from '../dom.js';
import { URLS } from '../endpoints.js';
import { addMessages, t } from '../i18n.js';
import { newlyStopping, stopping } from '../configLogic.js';
import { documentEditor, switchField } from '../configWidgets.js';
import { confirmDialog } from '../ui.js';

addMessages({
  en: {
    'flags.title': 'Runtime flags',
    'flags.intro': 'Switches that take effect at once, without a deploy. Each change is recorded in the audit log.',
    'flags.gmail_ingress_enabled': 'Accept emails from Gmail',
    'flags.gmail_ingress_enabled.help': 'Off: the ingress answers 409 and the Apps Script keeps the Gmail label, so those emails are pushed again on a later run once this is back on. Nothing is lost, nothing comes in.',
    'flags.webhook_sending_enabled': 'Send webhooks',
    'flags.webhook_sending_enabled.help': 'Off: emails are still accepted and their deliveries stay queued; nothing is sent (and nothing is lost) until this is on again.',
    'flags.disable_email_id_dedup': 'Accept emails already seen (no deduplication)',
    'flags.disable_email_id_dedup.help': 'On: every push is processed, even an email Relais has already handled, so receivers may get it twice (they can still deduplicate on the webhook-id header). Keep off except to re-send on purpose.',
    'flags.warn.gmail_ingress_enabled': 'Ingress is switched off: new emails are refused (the Apps Script will retry them later).',
    'flags.warn.webhook_sending_enabled': 'Webhook sending is switched off: deliveries are piling up in the queue.',
    'flags.warn.disable_email_id_dedup': 'Deduplication is off: an email pushed twice is delivered twice.',
    'flags.all_ok': 'Everything is running normally.',
    'flags.confirm': 'This stops part of the service: {what}. Save anyway?',
    'flags.confirm_button': 'Yes, switch it',
  },
  fr: {
    'flags.title': 'Interrupteurs',
    'flags.intro': 'Des interrupteurs qui s’appliquent tout de suite, sans redéploiement. Chaque changement est inscrit au journal d’audit.',
    'flags.gmail_ingress_enabled': 'Accepter les e-mails de Gmail',
    'flags.gmail_ingress_enabled.help': 'Désactivé : l’entrée répond 409 et l’Apps Script garde le libellé Gmail ; ces e-mails seront renvoyés lors d’une exécution suivante, une fois l’interrupteur réactivé. Rien n’est perdu, rien n’entre.',
    'flags.webhook_sending_enabled': 'Envoyer les webhooks',
    'flags.webhook_sending_enabled.help': 'Désactivé : les e-mails sont toujours acceptés et leurs livraisons restent en file ; rien n’est envoyé (ni perdu) jusqu’à la réactivation.',
    'flags.disable_email_id_dedup': 'Accepter les e-mails déjà vus (sans dédoublonnage)',
    'flags.disable_email_id_dedup.help': 'Activé : chaque envoi est traité, même un e-mail déjà vu ; les destinataires peuvent le recevoir deux fois (ils peuvent encore dédoublonner avec l’en-tête webhook-id). À laisser désactivé, sauf pour renvoyer exprès.',
    'flags.warn.gmail_ingress_enabled': 'L’entrée est coupée : les nouveaux e-mails sont refusés (l’Apps Script les renverra plus tard).',
    'flags.warn.webhook_sending_enabled': 'L’envoi des webhooks est coupé : les livraisons s’accumulent dans la file.',
    'flags.warn.disable_email_id_dedup': 'Le dédoublonnage est désactivé : un e-mail envoyé deux fois est livré deux fois.',
    'flags.all_ok': 'Tout fonctionne normalement.',
    'flags.confirm': 'Cela arrête une partie du service : {what}. Enregistrer quand même ?',
    'flags.confirm_button': 'Oui, basculer',
  },
});

const FLAGS = ['gmail_ingress_enabled', 'webhook_sending_enabled', 'disable_email_id_dedup'];

/**
 * @param {HTMLElement} el
 * @param {import('../app.js').ScreenContext} _ctx
 */
export function FlagsTab(el, _ctx) {
  const status = h('div', { class: 'flags-status', role: 'status' });

  /** @param {Record<string, boolean>} flags */
  function showStatus(flags) {
    const bad = stopping(flags);
    replace(
      status,
      bad.length
        ? h('div', { class: 'banner red' }, bad.map((name) => h('p', { class: 'flag-warning', text: t(`flags.warn.${name}`) })))
        : h('div', { class: 'banner green' }, h('p', { text: t('flags.all_ok') })),
    );
  }

  const editor = documentEditor(el, {
    screen: 'flags',
    path: URLS.runtimeFlags,
    title: t('flags.title'),
    intro: t('flags.intro'),
    build(state) {
      return h(
        'div',
        { class: 'card flag-list' },
        FLAGS.map((name) => {
          const node = switchField(t(`flags.${name}`), t(`flags.${name}.help`), Boolean(state.draft[name]), (value) => {
            state.draft[name] = value;
            node.classList.toggle('stopping', stopping(state.draft).includes(name));
            state.changed();
          }, { name });
          node.classList.toggle('stopping', stopping(state.draft).includes(name));
          return node;
        }),
      );
    },
    async beforeSave(state) {
      const risky = newlyStopping(state.saved, state.draft);
      if (!risky.length) return true;
      const what = risky.map((name) => t(`flags.warn.${name}`)).join(' ');
      return confirmDialog(t('flags.confirm', { what }), { confirmLabel: t('flags.confirm_button'), danger: true });
    },
    afterSave(state) {
      showStatus(state.saved);
    },
  });
  el.insertBefore(status, el.children[1] || null);
  const load = async () => {
    await editor.load();
    if (editor.state.saved) showStatus(editor.state.saved);
  };

  return {
    update: load,
    show: () => (editor.dirty() ? undefined : load()),
    hide() {},
  };
}
