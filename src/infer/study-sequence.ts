/**
 * Running a study head (card `trunk.studyHead`, src/model/architectures/study-conv.ts) on one
 * series: one ONNX call per z-sequence with the embeddings as [1, n, 1, F], n dynamic. The head was
 * trained on series at about `contextSpacingMm` (5 mm); a thin series (median spacing below 0.75 ×
 * that) is split into r = round(spacing / gap) interleaved sequences i, i + r, i + 2r, … — each at
 * about the trained spacing — and every slice takes the output of its own sequence, as
 * `neighbourTable` gives a per-slice head neighbours at ±spacing.
 */
import { ichError } from '../core/errors.js';
import type { InferenceEngine } from '../model/onnx/runner.js';

const K = 6;

/**
 * The shipped head sees 5 slices (one Conv [5 × 1], 'same' padding with "average slices" beyond the
 * ends). A sequence shorter than that — a lone slice, a few slices sent on their own — would be
 * mostly padding, and its bleeding slices would read as average ones (measured on seed 9091's
 * slices scored one by one: mean P(any) of bleeding slices 0.15 alone vs 0.46 in their series, none
 * over the study threshold). Such a sequence is padded with copies of its end slices instead, as if
 * the anatomy went on unchanged, and only its own slices' outputs are kept. Four copies a side
 * cover heads that see up to 9 slices; for the shipped one 2 would give the same outputs.
 */
export const SHORT_SEQUENCE = 5;
export const EDGE_COPIES = 4;

/** The rows the head runs on for a sequence of m slices: 0 … m−1, or with EDGE_COPIES copies of each end when m < SHORT_SEQUENCE. */
export function paddedRows(m: number): number[] {
  const own = Array.from({ length: m }, (_, j) => j);
  if (m >= SHORT_SEQUENCE || m === 0) return own;
  return [...Array<number>(EDGE_COPIES).fill(0), ...own, ...Array<number>(EDGE_COPIES).fill(m - 1)];
}

/** Slice indices of each sequence the head runs on (a partition of 0 … n−1, each in z order). */
export function splitBySpacing(n: number, z?: readonly (number | null)[], spacingMm?: number): number[][] {
  const all = Array.from({ length: n }, (_, i) => i);
  const zs = z && z.length === n && z.every((v) => v !== null) ? (z as number[]) : undefined;
  if (!zs || !spacingMm || n <= 2) return [all];
  const gaps = zs.slice(1).map((v, i) => Math.abs(v - (zs[i] as number))).sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)] as number;
  if (!(median > 0) || median >= 0.75 * spacingMm) return [all];
  const r = Math.min(n, Math.max(1, Math.round(spacingMm / median)));
  return Array.from({ length: r }, (_, o) => all.filter((i) => i % r === o));
}

/** Probabilities [n, 6] from embeddings [n, F] through the study head, one call per sequence (short ones edge-padded). */
export async function runStudyHead(head: InferenceEngine, emb: Float32Array, n: number, F: number, sequences: readonly number[][]): Promise<Float32Array> {
  const out = new Float32Array(n * K);
  for (const seq of sequences) {
    const m = seq.length;
    if (m === 0) continue;
    const rows = paddedRows(m);
    const offset = rows.length > m ? EDGE_COPIES : 0;
    const x = new Float32Array(rows.length * F);
    rows.forEach((j, r) => {
      const i = seq[j] as number;
      x.set(emb.subarray(i * F, (i + 1) * F), r * F);
    });
    const p = await head.run({ data: x, shape: [1, rows.length, 1, F] });
    if (p.length !== rows.length * K) throw ichError('ICH_E_MODEL_FORMAT', `study head returned ${p.length} values for ${rows.length} slices (expected ${K} each)`);
    seq.forEach((i, j) => out.set(p.subarray((offset + j) * K, (offset + j + 1) * K), i * K));
  }
  return out;
}
