/**
 * The scored series as a stack: its slices in z order (the API's `slices`, as listed), each
 * slice's metadata from WADO-RS series metadata and its pixels from WADO-RS frames. The first
 * slice asked for is fetched at once; `prefetchAll` then fetches the rest in the background,
 * nearest to the current slice first, a few at a time, so scrolling never waits on the network.
 */
import type { SliceScore, StudyDetail } from '../api/types.js';
import { fetchFrame, fetchSeriesMeta, type InstanceMeta, type StoredPixels } from '../dicom/dicomweb-client.js';

/** Frame requests in flight at once while prefetching (the browser allows 6 per origin on HTTP/1.1). */
const PREFETCH_CONCURRENCY = 4;

export interface StackSlice {
  score: SliceScore;
  meta: InstanceMeta;
}

export class SeriesLoader {
  readonly slices: StackSlice[];
  private readonly frames: (StoredPixels | undefined)[];
  private readonly pending = new Map<number, Promise<StoredPixels>>();
  loaded = 0;
  /** Called whenever a frame arrives (index of the frame). */
  onFrame: (index: number) => void = () => undefined;

  private constructor(
    readonly study: string,
    readonly series: string,
    slices: StackSlice[],
  ) {
    this.slices = slices;
    this.frames = slices.map(() => undefined);
  }

  /** The stack of `detail`'s scored series; slices missing from the metadata are left out. */
  static async open(detail: StudyDetail): Promise<SeriesLoader> {
    const series = detail.seriesInstanceUid;
    if (!series) throw new Error('this study has no scored series yet');
    const metas = await fetchSeriesMeta(detail.studyInstanceUid, series);
    // the API lists the slices in z order already (ascending z: from the skull base up, head first)
    const slices = detail.slices.flatMap((score) => {
        const meta = metas.get(score.sopInstanceUid);
        return meta ? [{ score, meta }] : [];
      });
    if (slices.length === 0) throw new Error('none of the scored slices is in the series metadata');
    return new SeriesLoader(detail.studyInstanceUid, series, slices);
  }

  frame(i: number): StoredPixels | undefined {
    return this.frames[i];
  }

  /** The pixels of slice `i`, fetched once. */
  load(i: number): Promise<StoredPixels> {
    const have = this.frames[i];
    if (have) return Promise.resolve(have);
    const inFlight = this.pending.get(i);
    if (inFlight) return inFlight;
    const s = this.slices[i];
    if (!s) return Promise.reject(new RangeError(`slice ${i}`));
    const p = fetchFrame(this.study, this.series, s.meta).then((px) => {
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
