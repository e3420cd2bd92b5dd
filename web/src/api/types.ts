/**
 * The JSON the service answers: the server's own contract (src/serve/http/api-types.ts, built by
 * its study-view.ts), re-exported so the viewer and the server cannot disagree on a field.
 */
export type { SliceScore, StudyDetail, StudyStatus, WorklistEntry } from '../../../src/serve/http/api-types.js';

/** The five hemorrhage subtypes, in the order the model and the SEG number them. */
export const SUBTYPES = ['epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'] as const;
export type Subtype = (typeof SUBTYPES)[number];
