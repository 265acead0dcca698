// The words of outcomes and of the status banner, shared by the Overview, Targets, Deliveries
// and Emails screens: `say()` turns a phrase of statusLogic.js or waitingLogic.js into text
// (nested phrases and moments included), `actionLine()` adds the link where to act.

import { h } from './dom.js';
import { momentParts } from './formatLogic.js';
import { addMessages, getLang, t, tc } from './i18n.js';
import { routeHash } from './screens.js';

addMessages({
  en: {
    'outcome.at.today': 'at {time}',
    'outcome.at.tomorrow': 'tomorrow at {time}',
    'outcome.at.day': 'on {date} at {time}',
    'outcome.bare.today': '{time}',
    'outcome.bare.tomorrow': 'tomorrow {time}',
    'outcome.bare.day': '{date}, {time}',
    'outcome.error.http': 'HTTP {code}',
    'outcome.error.gone': 'HTTP 410 Gone',
    'outcome.error.timeout': 'timed out',
    'outcome.error.dns_error': 'DNS lookup failed',
    'outcome.error.connection_error': 'connection refused or lost',
    'outcome.error.success_not_true': 'answered without "success": true',
    'outcome.error.invalid_url': 'invalid URL',
    'outcome.error.blocked_address': 'address refused (private network)',
    'outcome.error.email_expired': 'the email expired from storage',
    'outcome.error.lease_expired': 'attempt interrupted (the sender stopped)',
    'outcome.error.other': 'error “{code}”',
    'outcome.error.unknown': 'unknown error',
    'outcome.why.gone': 'receiver answered 410 Gone',
    'outcome.why.raw': '{why}',
    'outcome.health.untested': 'Untested (never tried)',
    'outcome.health.healthy': 'Healthy',
    'outcome.health.failing': 'Failing — {error}',
    'outcome.health.circuit_open': 'Paused until {until} after repeated failures (circuit open)',
    'outcome.health.disabled': 'Switched off',
    'outcome.health.disabled_why': 'Switched off ({why})',
    'outcome.health.last_ok': 'Last success {at}',
    'outcome.health.never_ok': 'No success yet (last try {at})',
    'outcome.wait.window': 'Waiting for the delivery window',
    'outcome.wait.window_at': 'Waiting for the delivery window (opens {at})',
    'outcome.wait.absence_day': 'Day off (absence day)',
    'outcome.wait.absence_day_at': 'Day off (absence day): leaves {at}',
    'outcome.wait.paused': 'Sending is paused (runtime flag)',
    'outcome.wait.rate_limited': 'Rate limit reached',
    'outcome.wait.rate_limited_at': 'Rate limit reached: next try {at}',
    'outcome.wait.circuit_open': 'Receiver paused after failures (circuit open)',
    'outcome.wait.circuit_open_at': 'Receiver paused after failures (circuit open): next try {at}',
    'outcome.wait.target_disabled': 'Target switched off',
    'outcome.wait.target_missing': 'Target no longer exists',
    'outcome.wait.other': 'Waiting ({reason})',
    'outcome.remedy.paused': 'Switch sending on again to send it.',
    'outcome.remedy.rate_limited': 'It leaves by itself as soon as the rate limit allows.',
    'outcome.remedy.circuit_open': 'It is tried again by itself when the pause ends.',
    'outcome.remedy.target_disabled': 'Switch the target on to send it.',
    'outcome.remedy.target_missing': 'Create the target again (same id), or re-route the email.',
    'outcome.remedy.open_email': 'Open the email',
    'outcome.refused.not_waiting': 'Not sent: this delivery no longer waits (it left or finished meanwhile).',
    'outcome.refused.target_missing': 'Not sent: its target no longer exists. Create it again or re-route the email.',
    'outcome.refused.target_disabled': 'Not sent: its target is switched off. Switch it on first.',
    'outcome.refused.changed': 'Not sent: the delivery changed meanwhile. Reload it and try again.',
    'outcome.refused.missing': 'Not sent: this delivery no longer exists.',
    'outcome.refused.other': 'Not sent: the server refused.',
    'outcome.skipped': '{count} skipped ({why})',
    'outcome.skipped_one': '{count} skipped ({why})',
    'outcome.skip.not_waiting': 'no longer waiting',
    'outcome.skip.target_missing': 'target no longer exists',
    'outcome.skip.target_disabled': 'target switched off',
    'outcome.skip.changed': 'changed meanwhile',
    'outcome.skip.missing': 'no longer exists',
    'outcome.skip.other': 'refused',
    'outcome.email.no_target': 'no target could take it',
    'outcome.email.no_links': 'no download link, and no detector or rule claimed it',
    'outcome.email.too_large': 'larger than the size limit',
    'outcome.email.excluded_keyword': 'it contains the excluded keyword “{keyword}”',
    'outcome.email.default_route_drop': 'no rule matched, and the default route drops such mail',
    'outcome.email.outside_window': 'outside the delivery window, and the policy drops such mail',
    'outcome.email.other': '{reason}',
    'outcome.email.unknown': 'no reason recorded',
    'outcome.plan.now': 'sent at once',
    'outcome.plan.later': 'scheduled {at}',
    'outcome.plan.delivered': 'already delivered',
    'outcome.plan.kept': 'kept as it is',
    'outcome.reroute.parked': 'No target can take it with the current rules: it stays parked.',
    'outcome.reroute.still_ignored': 'The current rules still ignore it: {why}.',
    'outcome.reroute.ignored': 'The current rules would ignore it: {why}.',
    'outcome.reroute.same': 'The current rules change nothing for this email.',
    'outcome.reroute.new': 'With the current rules it gets {count} new deliveries.',
    'outcome.reroute.new_one': 'With the current rules it gets 1 new delivery.',
    'outcome.reroute.moved': 'With the current rules it gets {count} new deliveries; {cancelled} waiting for other targets are cancelled.',
    'outcome.reroute.moved_one': 'With the current rules it gets 1 new delivery; {cancelled} waiting for other targets are cancelled.',
    'status.all_good': 'Nothing waits or fails: every accepted email is delivered or on its way, and emails are arriving.',
    'status.store_degraded': 'The configuration store is degraded (Redis unreachable or read-only): changes cannot be saved.',
    'status.parked': '{count} emails are parked: no target could take them. Create a target or re-route them.',
    'status.parked_one': '1 email is parked: no target could take it. Create a target or re-route it.',
    'status.held_target_missing': '{count} deliveries wait for target “{target}”, which no longer exists. Create it again (same id) or re-route their emails.',
    'status.held_target_missing_one': '1 delivery waits for target “{target}”, which no longer exists. Create it again (same id) or re-route its email.',
    'status.held_target_disabled': '{count} deliveries wait for target “{name}”: it was switched off ({why}). Switch it on to send them.',
    'status.held_target_disabled_one': '1 delivery waits for target “{name}”: it was switched off ({why}). Switch it on to send it.',
    'status.held_target_off': '{count} deliveries wait for target “{name}”: it is switched off. Switch it on to send them.',
    'status.held_target_off_one': '1 delivery waits for target “{name}”: it is switched off. Switch it on to send it.',
    'status.target_idle_disabled': 'Target “{name}” was switched off ({why}): mail for it will wait until it is switched on again.',
    'status.target_idle_off': 'Target “{name}” is switched off: mail for it will wait until it is switched on again.',
    'status.dead_letters': '{count} dead letters wait to be replayed.',
    'status.dead_letters_one': '1 dead letter waits to be replayed.',
    'status.circuit_open': 'Target “{name}” keeps failing: Relais paused it until {until} (circuit open); {count} deliveries wait for it.',
    'status.circuit_open_one': 'Target “{name}” keeps failing: Relais paused it until {until} (circuit open); 1 delivery waits for it.',
    'status.circuit_open_idle': 'Target “{name}” keeps failing: Relais paused it until {until} (circuit open).',
    'status.target_failing': 'Target “{name}” is failing ({error}).',
    'status.waiting_paused': '{count} deliveries wait: sending is paused (runtime flag).',
    'status.waiting_paused_one': '1 delivery waits: sending is paused (runtime flag).',
    'status.waiting_window': '{count} deliveries wait for the delivery window to open.',
    'status.waiting_window_one': '1 delivery waits for the delivery window to open.',
    'status.waiting_absence_day': '{count} deliveries wait for the absence day to end.',
    'status.waiting_absence_day_one': '1 delivery waits for the absence day to end.',
    'status.waiting_rate_limited': '{count} deliveries wait: the rate limit is reached.',
    'status.waiting_rate_limited_one': '1 delivery waits: the rate limit is reached.',
    'status.retrying': '{count} deliveries are being retried.',
    'status.retrying_one': '1 delivery is being retried.',
    'status.backlog': 'The oldest due delivery has waited {minutes} min.',
    'status.quiet': 'No email received for {hours} h.',
    'status.no_ingress': 'No email has been received yet.',
    'status.no_persistence': 'Redis does not save to disk ({durability}): a restart would lose queued mail.',
    'status.unknown': 'The server reports “{code}”.',
    'status.link.targets': 'Open Targets',
    'status.link.parked': 'See the parked emails',
    'status.link.waiting': 'See these deliveries',
    'status.link.held': 'See the held deliveries',
    'status.link.dead': 'See the dead letters',
    'status.link.retrying': 'See the retries',
    'status.link.flags': 'Open Flags',
  },
  fr: {
    'outcome.at.today': 'à {time}',
    'outcome.at.tomorrow': 'demain à {time}',
    'outcome.at.day': 'le {date} à {time}',
    'outcome.bare.today': '{time}',
    'outcome.bare.tomorrow': 'demain {time}',
    'outcome.bare.day': '{date}, {time}',
    'outcome.error.http': 'HTTP {code}',
    'outcome.error.gone': 'HTTP 410 Gone',
    'outcome.error.timeout': 'délai dépassé',
    'outcome.error.dns_error': 'échec de la résolution DNS',
    'outcome.error.connection_error': 'connexion refusée ou interrompue',
    'outcome.error.success_not_true': 'réponse sans "success": true',
    'outcome.error.invalid_url': 'URL invalide',
    'outcome.error.blocked_address': 'adresse refusée (réseau privé)',
    'outcome.error.email_expired': 'l’e-mail a expiré du stockage',
    'outcome.error.lease_expired': 'essai interrompu (l’envoi s’est arrêté)',
    'outcome.error.other': 'erreur « {code} »',
    'outcome.error.unknown': 'erreur inconnue',
    'outcome.why.gone': 'le destinataire a répondu 410 Gone',
    'outcome.why.raw': '{why}',
    'outcome.health.untested': 'Non testée (jamais essayée)',
    'outcome.health.healthy': 'En bonne santé',
    'outcome.health.failing': 'En échec — {error}',
    'outcome.health.circuit_open': 'En pause jusqu’à {until} après des échecs répétés (disjoncteur ouvert)',
    'outcome.health.disabled': 'Désactivée',
    'outcome.health.disabled_why': 'Désactivée ({why})',
    'outcome.health.last_ok': 'Dernier succès {at}',
    'outcome.health.never_ok': 'Aucun succès pour l’instant (dernier essai {at})',
    'outcome.wait.window': 'En attente de la plage de livraison',
    'outcome.wait.window_at': 'En attente de la plage de livraison (ouverture {at})',
    'outcome.wait.absence_day': 'Jour d’absence',
    'outcome.wait.absence_day_at': 'Jour d’absence : départ {at}',
    'outcome.wait.paused': 'L’envoi est en pause (interrupteur)',
    'outcome.wait.rate_limited': 'Limite de débit atteinte',
    'outcome.wait.rate_limited_at': 'Limite de débit atteinte : prochain essai {at}',
    'outcome.wait.circuit_open': 'Destinataire en pause après des échecs (disjoncteur ouvert)',
    'outcome.wait.circuit_open_at': 'Destinataire en pause après des échecs (disjoncteur ouvert) : prochain essai {at}',
    'outcome.wait.target_disabled': 'Cible désactivée',
    'outcome.wait.target_missing': 'La cible n’existe plus',
    'outcome.wait.other': 'En attente ({reason})',
    'outcome.remedy.paused': 'Réactivez l’envoi pour l’envoyer.',
    'outcome.remedy.rate_limited': 'Elle part d’elle-même dès que la limite de débit le permet.',
    'outcome.remedy.circuit_open': 'Elle est réessayée d’elle-même à la fin de la pause.',
    'outcome.remedy.target_disabled': 'Réactivez la cible pour l’envoyer.',
    'outcome.remedy.target_missing': 'Recréez la cible (même identifiant) ou réacheminez l’e-mail.',
    'outcome.remedy.open_email': 'Ouvrir l’e-mail',
    'outcome.refused.not_waiting': 'Non envoyée : cette livraison n’attend plus (elle est partie ou terminée entre-temps).',
    'outcome.refused.target_missing': 'Non envoyée : sa cible n’existe plus. Recréez-la ou réacheminez l’e-mail.',
    'outcome.refused.target_disabled': 'Non envoyée : sa cible est désactivée. Réactivez-la d’abord.',
    'outcome.refused.changed': 'Non envoyée : la livraison a changé entre-temps. Rechargez-la et réessayez.',
    'outcome.refused.missing': 'Non envoyée : cette livraison n’existe plus.',
    'outcome.refused.other': 'Non envoyée : le serveur a refusé.',
    'outcome.skipped': '{count} laissées de côté ({why})',
    'outcome.skipped_one': '{count} laissée de côté ({why})',
    'outcome.skip.not_waiting': 'n’attendait plus',
    'outcome.skip.target_missing': 'cible disparue',
    'outcome.skip.target_disabled': 'cible désactivée',
    'outcome.skip.changed': 'modifiée entre-temps',
    'outcome.skip.missing': 'n’existe plus',
    'outcome.skip.other': 'refusée',
    'outcome.email.no_target': 'aucune cible ne pouvait le recevoir',
    'outcome.email.no_links': 'aucun lien de téléchargement, et aucun détecteur ni règle ne l’a pris en charge',
    'outcome.email.too_large': 'plus gros que la taille maximale',
    'outcome.email.excluded_keyword': 'il contient le mot exclu « {keyword} »',
    'outcome.email.default_route_drop': 'aucune règle ne s’applique, et la route par défaut écarte ce courrier',
    'outcome.email.outside_window': 'hors de la plage de livraison, et la politique écarte ce courrier',
    'outcome.email.other': '{reason}',
    'outcome.email.unknown': 'aucun motif enregistré',
    'outcome.plan.now': 'envoyée aussitôt',
    'outcome.plan.later': 'planifiée {at}',
    'outcome.plan.delivered': 'déjà livrée',
    'outcome.plan.kept': 'conservée telle quelle',
    'outcome.reroute.parked': 'Aucune cible ne peut le recevoir avec les règles actuelles : il reste en souffrance.',
    'outcome.reroute.still_ignored': 'Les règles actuelles l’écartent toujours : {why}.',
    'outcome.reroute.ignored': 'Les règles actuelles l’écarteraient : {why}.',
    'outcome.reroute.same': 'Les règles actuelles ne changent rien pour cet e-mail.',
    'outcome.reroute.new': 'Avec les règles actuelles, il reçoit {count} nouvelles livraisons.',
    'outcome.reroute.new_one': 'Avec les règles actuelles, il reçoit 1 nouvelle livraison.',
    'outcome.reroute.moved': 'Avec les règles actuelles, il reçoit {count} nouvelles livraisons ; {cancelled} en attente vers d’autres cibles sont annulées.',
    'outcome.reroute.moved_one': 'Avec les règles actuelles, il reçoit 1 nouvelle livraison ; {cancelled} en attente vers d’autres cibles sont annulées.',
    'status.all_good': 'Rien n’attend ni n’échoue : chaque e-mail accepté est livré ou en route, et les e-mails arrivent.',
    'status.store_degraded': 'Le stockage de la configuration est dégradé (Redis injoignable ou en lecture seule) : les modifications ne peuvent pas être enregistrées.',
    'status.parked': '{count} e-mails sont en souffrance : aucune cible ne pouvait les recevoir. Créez une cible ou réacheminez-les.',
    'status.parked_one': '1 e-mail est en souffrance : aucune cible ne pouvait le recevoir. Créez une cible ou réacheminez-le.',
    'status.held_target_missing': '{count} livraisons attendent la cible « {target} », qui n’existe plus. Recréez-la (même identifiant) ou réacheminez leurs e-mails.',
    'status.held_target_missing_one': '1 livraison attend la cible « {target} », qui n’existe plus. Recréez-la (même identifiant) ou réacheminez son e-mail.',
    'status.held_target_disabled': '{count} livraisons attendent la cible « {name} » : elle a été désactivée ({why}). Réactivez-la pour les envoyer.',
    'status.held_target_disabled_one': '1 livraison attend la cible « {name} » : elle a été désactivée ({why}). Réactivez-la pour l’envoyer.',
    'status.held_target_off': '{count} livraisons attendent la cible « {name} » : elle est désactivée. Réactivez-la pour les envoyer.',
    'status.held_target_off_one': '1 livraison attend la cible « {name} » : elle est désactivée. Réactivez-la pour l’envoyer.',
    'status.target_idle_disabled': 'La cible « {name} » a été désactivée ({why}) : le courrier pour elle attendra sa réactivation.',
    'status.target_idle_off': 'La cible « {name} » est désactivée : le courrier pour elle attendra sa réactivation.',
    'status.dead_letters': '{count} lettres mortes attendent d’être renvoyées.',
    'status.dead_letters_one': '1 lettre morte attend d’être renvoyée.',
    'status.circuit_open': 'La cible « {name} » échoue sans cesse : Relais l’a mise en pause jusqu’à {until} (disjoncteur ouvert) ; {count} livraisons l’attendent.',
    'status.circuit_open_one': 'La cible « {name} » échoue sans cesse : Relais l’a mise en pause jusqu’à {until} (disjoncteur ouvert) ; 1 livraison l’attend.',
    'status.circuit_open_idle': 'La cible « {name} » échoue sans cesse : Relais l’a mise en pause jusqu’à {until} (disjoncteur ouvert).',
    'status.target_failing': 'La cible « {name} » est en échec ({error}).',
    'status.waiting_paused': '{count} livraisons attendent : l’envoi est en pause (interrupteur).',
    'status.waiting_paused_one': '1 livraison attend : l’envoi est en pause (interrupteur).',
    'status.waiting_window': '{count} livraisons attendent l’ouverture de la plage de livraison.',
    'status.waiting_window_one': '1 livraison attend l’ouverture de la plage de livraison.',
    'status.waiting_absence_day': '{count} livraisons attendent la fin du jour d’absence.',
    'status.waiting_absence_day_one': '1 livraison attend la fin du jour d’absence.',
    'status.waiting_rate_limited': '{count} livraisons attendent : la limite de débit est atteinte.',
    'status.waiting_rate_limited_one': '1 livraison attend : la limite de débit est atteinte.',
    'status.retrying': '{count} livraisons sont en nouvel essai.',
    'status.retrying_one': '1 livraison est en nouvel essai.',
    'status.backlog': 'La plus ancienne livraison due attend depuis {minutes} min.',
    'status.quiet': 'Aucun e-mail reçu depuis {hours} h.',
    'status.no_ingress': 'Aucun e-mail n’a encore été reçu.',
    'status.no_persistence': 'Redis n’enregistre pas sur disque ({durability}) : un redémarrage perdrait le courrier en file.',
    'status.unknown': 'Le serveur signale « {code} ».',
    'status.link.targets': 'Ouvrir les cibles',
    'status.link.parked': 'Voir les e-mails en souffrance',
    'status.link.waiting': 'Voir ces livraisons',
    'status.link.held': 'Voir les livraisons retenues',
    'status.link.dead': 'Voir les lettres mortes',
    'status.link.retrying': 'Voir les nouveaux essais',
    'status.link.flags': 'Ouvrir les interrupteurs',
  },
});

/**
 * @typedef {import('./statusLogic.js').Phrase} Phrase
 * @typedef {import('./statusLogic.js').ActionPhrase} ActionPhrase
 * @typedef {import('./statusLogic.js').TimeParam} TimeParam
 */

/**
 * A moment in words, close to now: "at 14:00", "tomorrow at 9:00 AM"; bare: "14:00".
 * @param {TimeParam} moment
 */
export function sayMoment(moment) {
  if (!Number.isFinite(moment.time)) return '—';
  const lang = getLang();
  const parts = momentParts(moment.time, Date.now() / 1000, lang);
  return t(`outcome.${moment.bare ? 'bare' : 'at'}.${parts.when}`, parts);
}

/**
 * A phrase in the current language: nested phrases and moments worded first, the singular
 * or the plural picked by `count`.
 * @param {Phrase|null|undefined} phrase
 * @returns {string}
 */
export function say(phrase) {
  if (!phrase) return '';
  /** @type {Record<string, string|number>} */
  const params = {};
  for (const [name, value] of Object.entries(phrase.params || {})) {
    if (value && typeof value === 'object') params[name] = 'time' in value ? sayMoment(value) : say(value);
    else params[name] = value ?? '';
  }
  return tc(phrase.key, params);
}

/**
 * A phrase followed by its link (where to act), as inline content.
 * @param {ActionPhrase|null|undefined} phrase
 * @returns {Node[]}
 */
export function actionLine(phrase) {
  if (!phrase) return [];
  const text = document.createTextNode(say(phrase));
  if (!phrase.link) return [text];
  const { screen, params, key } = phrase.link;
  return [text, document.createTextNode(' '), h('a', { class: 'action-link', href: routeHash(screen, params), text: t(key) })];
}
