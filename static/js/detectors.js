// The detectors' names come from the server (GET /api/detectors), their one home; the
// screens that name detectors (preferences, schedule policies) read them from here.
import { api } from './api.js';
import { addMessages, t } from './i18n.js';

/** @type {Promise<string[]> | null} */
let pending = null;

/**
 * The detectors' names, in the order they run; asked once per page load. When the server
 * cannot say, the names the document being edited already uses stand in.
 * @param {string[]} [known] names found in the edited document
 * @returns {Promise<string[]>}
 */
export async function detectorNames(known = []) {
  pending ??= api
    .get('/api/detectors')
    .then((r) => /** @type {string[]} */ (r.items))
    .catch(() => {
      pending = null;
      return [];
    });
  const names = await pending;
  return names.length ? names : [...new Set(known)];
}

addMessages({
  en: {
    'detector.recadrage': 'Recadrage missions',
    'detector.desabonnement_journee_tarifs': 'Unsubscribe / day rates',
  },
  fr: {
    'detector.recadrage': 'Missions Recadrage',
    'detector.desabonnement_journee_tarifs': 'Désabonnement / tarifs à la journée',
  },
});

/**
 * A detector's name for people (its server name when it has no words of its own).
 * @param {string} name
 * @returns {string}
 */
export function detectorLabel(name) {
  const key = `detector.${name}`;
  const text = t(key);
  return text === key ? name : text;
}
