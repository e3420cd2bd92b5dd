/**
 * Images of the RSNA 2019 download that are known to be unusable, with the reason. They are
 * dropped when labels are read (and reported as excluded), so no fold, sampler or metric sees them.
 * Keep this list short and sourced: add an entry only with a reason a reader can check.
 */
import { asImageId, type ImageId } from '../core/ids.js';

export const KNOWN_CORRUPT_IMAGES: ReadonlyMap<ImageId, string> = new Map([
  [
    asImageId('ID_6431af929'),
    'corrupt pixel data in the Kaggle stage_1/stage_2 train download (pydicom cannot read it; excluded by the RSNA 2019 top solutions)',
  ],
]);
