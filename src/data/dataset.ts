/**
 * The images a training or evaluation run reads, taken from the index: id, absolute path, label
 * bits, fold, and the ordered neighbours (previous/next slice of the same series) for 2.5D context.
 * Excluded images (known corrupt, incomplete labels) never appear as items.
 */
import { join } from 'node:path';
import { ichError } from '../core/errors.js';
import { asImageId, type ImageId } from '../core/ids.js';
import { getIndexRoot, type IndexDb } from './index-db.js';
import type { LabelBits } from './labels.js';
import type { SampleItem } from './sampler.js';

export interface DatasetItem {
  id: ImageId;
  /** Absolute path of the DICOM file. */
  file: string;
  /** Path relative to the indexed root (names cache files). */
  relPath: string;
  /** Label bits, or null when the image has no label. */
  bits: LabelBits | null;
  /** Fold (-1 holdout), null when not split. */
  fold: number | null;
  /** Neighbouring slices in the series ordered by position; null at the ends. */
  prevId: ImageId | null;
  nextId: ImageId | null;
  seriesKey: string;
  /** 0-based position in its series. */
  rank: number;
}

export interface Dataset {
  root: string;
  /** Selected items, sorted by image id (a stable order for the sampler). */
  items: DatasetItem[];
  /** Every image of the selected folds by id, labelled or not (neighbours of unlabelled slices too). */
  byId: Map<ImageId, DatasetItem>;
}

export interface DatasetQuery {
  /** Keep only these folds. */
  folds?: readonly number[];
  /** Drop these folds (e.g. the validation fold and the holdout). */
  excludeFolds?: readonly number[];
  /** Keep only labelled images (default true). */
  labelledOnly?: boolean;
}

/** Column order of the dataset query (rows are read as arrays: faster and lighter than objects). */
type Row = [image_id: string, path: string, bits: number | null, fold: number | null, prev_id: string | null, next_id: string | null, series_key: string, series_rank: number | null];

/**
 * Reads the dataset; throws ICH_E_INDEX when the index has not been ordered or a fold filter needs a
 * split. `byId` holds the images of the selected folds whether labelled or not (a series never spans
 * two folds, so every neighbour of an item is there); at 874k images a selection costs ~0.5 KB each.
 */
export function readDataset(db: IndexDb, query: DatasetQuery = {}): Dataset {
  const root = getIndexRoot(db);
  const rows = db
    .prepare(
      `SELECT i.image_id, i.path, l.bits, i.fold, i.prev_id, i.next_id, i.series_key, i.series_rank
       FROM images i LEFT JOIN labels l USING(image_id)
       WHERE i.image_id NOT IN (SELECT image_id FROM excluded) ORDER BY i.image_id`,
    )
    .raw(true)
    .all() as Row[];
  if ((query.folds || query.excludeFolds) && rows.length > 0 && rows.every((r) => r[3] === null)) {
    throw ichError('ICH_E_INDEX', 'the index has no folds: run `ichscan split` first', { file: db.name });
  }
  const byId = new Map<ImageId, DatasetItem>();
  const items: DatasetItem[] = [];
  const keep = query.folds ? new Set(query.folds) : undefined;
  const drop = new Set(query.excludeFolds ?? []);
  const labelledOnly = query.labelledOnly ?? true;
  for (const [imageId, path, bits, fold, prevId, nextId, seriesKey, rank] of rows) {
    if (rank === null) throw ichError('ICH_E_INDEX', 'series order missing (re-run `ichscan index`)', { file: db.name });
    if (keep && (fold === null || !keep.has(fold))) continue;
    if (fold !== null && drop.has(fold)) continue;
    const item: DatasetItem = {
      id: asImageId(imageId),
      file: join(root, path),
      relPath: path,
      bits,
      fold,
      prevId: prevId === null ? null : asImageId(prevId),
      nextId: nextId === null ? null : asImageId(nextId),
      seriesKey,
      rank,
    };
    byId.set(item.id, item);
    if (!labelledOnly || item.bits !== null) items.push(item);
  }
  return { root, items, byId };
}

/** Items as the sampler wants them (unlabelled images count as negatives). */
export function toSampleItems(items: readonly DatasetItem[]): SampleItem[] {
  return items.map((it) => ({ id: it.id, bits: it.bits ?? 0 }));
}

/**
 * Items ordered by series, then position in it: consecutive items are neighbours, so with 2.5D
 * context a batch reads each slice once instead of up to three times (use for validation and
 * prediction order; training order comes from the sampler).
 */
export function orderBySeries<T extends Pick<DatasetItem, 'seriesKey' | 'rank' | 'id'>>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.seriesKey < b.seriesKey ? -1 : a.seriesKey > b.seriesKey ? 1 : a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
}
