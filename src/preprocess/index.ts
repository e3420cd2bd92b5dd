/**
 * The preprocessing stage: Hounsfield units → windowed, resized HWC tensors (one pipeline for
 * training, loading, prediction and the cache), seeded augmentation, the tensor cache file, PNG.
 * See docs/preprocessing.md.
 */
export { windowHu, createWindowFunction, type WindowOptions } from './window.js';
export { resizeImage, computeAxisWeights, targetShape, type TargetSize } from './resize.js';
export { preprocessDecoded, quantizeToUint8, type PreprocessOptions } from './preprocess-decoded.js';
export { createHuMapper, resolveHuMapParams, type HuMapOptions, type HuMapParams } from './hu-map.js';
export { clearLookupTableCache } from './lut.js';
export {
  drawAugmentParams,
  applyAugment,
  huJitterOf,
  isGeometricIdentity,
  IDENTITY_AUGMENT,
  type AugmentConfig,
  type AugmentParams,
} from './augment.js';
export {
  writeTensorCache,
  readTensorCache,
  encodeTensorCache,
  decodeTensorCache,
  toBatch,
  TENSOR_CACHE_EXT,
  TENSOR_CACHE_VERSION,
  type TensorCacheMeta,
  type TensorCacheEntry,
  type CacheDType,
} from './tensor-cache.js';
export { encodePng } from './png.js';
export { crc32 } from './crc32.js';
