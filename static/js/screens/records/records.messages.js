// The words of the list shared by the Deliveries and Emails screens, in English and French.

import { addMessages } from '../../i18n.js';

addMessages({
  en: {
    'records.search': 'Search',
    'records.clear': 'Clear',
    'records.showing': 'Showing {first}–{last} of {total}',
    'records.showing_about': 'Showing {first}–{last} of about {total}',
    'records.close': 'Close details',
    'records.back': 'Back to the list',
    'records.busy': 'Loading…',
  },
  fr: {
    'records.search': 'Rechercher',
    'records.clear': 'Effacer',
    'records.showing': 'Affichage de {first} à {last} sur {total}',
    'records.showing_about': 'Affichage de {first} à {last} sur environ {total}',
    'records.close': 'Fermer le détail',
    'records.back': 'Retour à la liste',
    'records.busy': 'Chargement…',
  },
});
