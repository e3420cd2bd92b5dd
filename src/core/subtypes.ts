/**
 * The six RSNA 2019 labels, in the order the Kaggle CSV lists them per image
 * (`ID_<img>_epidural` … `ID_<img>_any`). Arrays of per-label values (probabilities,
 * targets, losses) always use this order; index with `SUBTYPE_INDEX`.
 */
export const SUBTYPES = [
  'epidural',
  'intraparenchymal',
  'intraventricular',
  'subarachnoid',
  'subdural',
  'any',
] as const;

export type Subtype = (typeof SUBTYPES)[number];

/** The five hemorrhage subtypes without the `any` summary label. */
export const HEMORRHAGE_SUBTYPES = SUBTYPES.filter((s): s is Exclude<Subtype, 'any'> => s !== 'any');

export const SUBTYPE_INDEX: Readonly<Record<Subtype, number>> = Object.freeze(
  Object.fromEntries(SUBTYPES.map((s, i) => [s, i])) as Record<Subtype, number>,
);

/** Kaggle metric weights in SUBTYPES order: `any` counts twice (RSNA 2019 evaluation page). */
export const KAGGLE_WEIGHTS: Readonly<Float64Array> = Float64Array.from(SUBTYPES.map((s) => (s === 'any' ? 2 : 1)));

/** Kaggle clips predictions to [1e-15, 1 - 1e-15] before the log loss. */
export const KAGGLE_EPS = 1e-15;

/** Six values in SUBTYPES order (0/1 targets or probabilities). Length is always 6. */
export type LabelVector = Float32Array;

export function isSubtype(s: string): s is Subtype {
  return (SUBTYPES as readonly string[]).includes(s);
}
