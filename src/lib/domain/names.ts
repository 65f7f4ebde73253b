/**
 * The order of structures' names in every list and answer: French collation (accents, case and
 * punctuation as a reader expects them). One collator for the process: `localeCompare(…, 'fr')`
 * builds one per call.
 */
export const compareNames = new Intl.Collator('fr').compare;
