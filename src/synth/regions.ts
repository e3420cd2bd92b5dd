/**
 * Tissue classes the anatomy renderer assigns per pixel. Hemorrhage shapes use them to decide
 * where blood can sit (e.g. intraventricular blood only in VENTRICLE, subarachnoid blood in CSF).
 */
export const REGION = {
  OUTSIDE: 0,
  SCALP: 1,
  BONE: 2,
  /** Air inside the head (sinuses, mastoid cells). */
  AIR: 3,
  /** Subarachnoid CSF: convexity, sulci, fissures, cisterns. */
  CSF: 4,
  VENTRICLE: 5,
  GRAY: 6,
  WHITE: 7,
  DEEP_GRAY: 8,
  /** Falx and tentorium. */
  DURA: 9,
  CEREBELLUM: 10,
  BRAINSTEM: 11,
  /** Neck and facial soft tissue. */
  SOFT: 12,
} as const;

/** True for brain tissue where an intraparenchymal bleed may sit. */
export function isParenchyma(region: number): boolean {
  return region === REGION.GRAY || region === REGION.WHITE || region === REGION.DEEP_GRAY || region === REGION.CEREBELLUM || region === REGION.BRAINSTEM;
}

/** True for anything inside the dura (brain, CSF, ventricles, dura). */
export function isIntracranial(region: number): boolean {
  return isParenchyma(region) || region === REGION.CSF || region === REGION.VENTRICLE || region === REGION.DURA;
}
