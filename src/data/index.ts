/**
 * The data stage: dataset index (SQLite), Kaggle labels, leak-free folds, per-epoch sampling and
 * the multi-core batch loader. Everything downstream imports from here only.
 */
export { readLabelsCsv, parseLabelKey, labelBitsToVector, isPositive, type LabelBits, type LabelTable, type LabelStats } from './labels.js';
export { KNOWN_CORRUPT_IMAGES } from './known-corrupt.js';
export { openIndexDb, getMeta, getIndexRoot, INDEX_SCHEMA_VERSION, type IndexDb, type OpenIndexOptions } from './index-db.js';
export { buildIndex, type BuildIndexOptions, type BuildIndexReport } from './build-index.js';
export { summarizeIndex, type IndexSummary } from './index-summary.js';
export { orderSeries } from './index-write.js';
export { scanHeaderFile, imageIdForFile, type ImageRecord, type ScanResult } from './scan-header.js';
export { assignFolds, HOLDOUT_FOLD, type SplitGroup, type SplitOptions } from './split.js';
export { splitIndex, reportFolds, assertNoGroupLeak, readSplitGroups, type FoldReport } from './split-db.js';
export { sampleEpoch, parseSamplingSpec, resampleRates, CAPSTONE_SAMPLING, type SamplingConfig, type SampleItem, type SampleClass } from './sampler.js';
export { readDataset, toSampleItems, orderBySeries, type Dataset, type DatasetItem, type DatasetQuery } from './dataset.js';
export { createBatchLoader, cachePathFor, type BatchLoader, type LoaderOptions, type LoadedBatch, type LoaderStats } from './loader.js';
export { stackChannels, type LoaderPreprocess, type LoadFailure } from './loader-job.js';
