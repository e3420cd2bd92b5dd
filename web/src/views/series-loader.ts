/**
 * The scored series as a stack: its slices in z order (the API's `slices`, as listed), each
 * slice's metadata from WADO-RS and its pixels from WADO-RS frames. The first slice asked for
 * fetches its own instance metadata and its frame side by side (the shortest path to a first
 * image); `prefetchAll` then reads the series metadata once and every other frame in the
 * background, nearest to the current slice first, a few at a time, so scrolling never waits.
 */
import type { SliceScore, StudyDetail } from '../api/types.js';
import { fetchFrameBytes, fetchInstanceMeta, fetchSeriesMeta, toStoredPixels, type InstanceMeta, type StoredPixels } from '../dicom/dicomweb-client.js';

/** Frame requests in flight at once while prefetching (browsers allow 6 per origin on HTTP/1.1). */
const PREFETCH_CONCURRENCY = 4;

export interface StackSlice {
  score: SliceScore;
  /** Known once its metadata arrived. */
  meta?: InstanceMeta;
}

export class SeriesLoader {
  readonly slices: StackSlice[];
  private readonly frames: (StoredPixels | undefined)[];
  private readonly pending = new Map<number, Promise<StoredPixels>>();
  private seriesMeta: Promise<void> | null = null;
  loaded = 0;
  /** Called whenever a frame arrives (index of the frame). */
  onFrame: (index: number) => void = () => undefined;

  constructor(detail: StudyDetail) {
    if (!detail.seriesInstanceUid) throw new Error('this study has no scored series yet');
    if (detail.slices.length === 0) throw new Error('the scored series lists no slices');
    this.study = detail.studyInstanceUid;
    this.series = detail.seriesInstanceUid;
    // the API lists the slices in z order already (ascending z: from the skull base up, head first)
    this.slices = detail.slices.map((score) => ({ score }));
    this.frames = this.slices.map(() => undefined);
  }

  readonly study: string;
  readonly series: string;

  frame(i: number): StoredPixels | undefined {
    return this.frames[i];
  }

  /** Metadata of every slice, read once (WADO-RS series metadata). */
  loadSeriesMeta(): Promise<void> {
    this.seriesMeta ??= fetchSeriesMeta(this.study, this.series).then((metas) => {
      for (const s of this.slices) s.meta ??= metas.get(s.score.sopInstanceUid);
    });
    return this.seriesMeta;
  }

  /** The pixels of slice `i`, fetched once (with its own metadata when the series' is not here). */
  load(i: number): Promise<StoredPixels> {
    const have = this.frames[i];
    if (have) return Promise.resolve(have);
    const inFlight = this.pending.get(i);
    if (inFlight) return inFlight;
    const s = this.slices[i];
    if (!s) return Promise.reject(new RangeError(`slice ${i}`));
    const sop = s.score.sopInstanceUid;
    const meta = s.meta ? Promise.resolve(s.meta) : this.seriesMeta ? this.seriesMeta.then(() => s.meta ?? fetchInstanceMeta(this.study, this.series, sop)) : fetchInstanceMeta(this.study, this.series, sop);
    const p = Promise.all([meta, fetchFrameBytes(this.study, this.series, sop)]).then(([m, bytes]) => {
      s.meta = m;
      const px = toStoredPixels(bytes, m);
      this.frames[i] = px;
      this.pending.delete(i);
      this.loaded++;
      this.onFrame(i);
      return px;
    });
    p.catch(() => this.pending.delete(i));
    this.pending.set(i, p);
    return p;
  }

  /** Fetches every frame, nearest to `from` first; resolves when all have arrived. */
  async prefetchAll(from: number, signal: AbortSignal): Promise<void> {
    await this.loadSeriesMeta();
    const order = this.slices.map((_, i) => i).sort((a, b) => Math.abs(a - from) - Math.abs(b - from));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < order.length && !signal.aborted) {
        const i = order[next++] as number;
        if (!this.frames[i]) await this.load(i);
      }
    };
    await Promise.all(Array.from({ length: PREFETCH_CONCURRENCY }, worker));
  }
}
