/**
 * The cranial cavity of one preprocessed slice, read back from its window channels: HU from the
 * subdural window (L80 W200: −20…180 HU, 0.78 HU per grey level), bone from the saturated
 * soft-tissue window (L40 W380: ≥ 230 HU), the cavity as what a flood fill from the border cannot
 * reach through the (dilated) bone. The HU features, the blood-map features and the bleed masks
 * all start from it.
 */
import { ichError } from '../../core/errors.js';
import type { Image } from '../../core/tensor.js';
import type { WindowPreset } from '../../core/windows.js';
import { floodFromBorder } from '../../preprocess/morphology.js';

/** Bone dilation before the fill (pixels at 256 px ≈ 0.9 mm each): closes gaps, removes the partial-volume band. */
const CLOSE = 3;

/**
 * Binary erosion by r pixels with a square element: a 1-D min along x, then along y (separable).
 * Pixels outside the image count as `outside` (0 by default).
 */
export function erode(m: Uint8Array, w: number, h: number, r: number, outside: 0 | 1 = 0): Uint8Array {
  return erodeAlong(erodeAlong(m, w, h, r, 'x', outside), w, h, r, 'y', outside);
}

/** 1-D binary erosion along one axis. */
function erodeAlong(m: Uint8Array, w: number, h: number, r: number, axis: 'x' | 'y', outside: 0 | 1): Uint8Array {
  // A pixel survives when the run of 1s through it reaches r pixels both ways: one forward and one
  // backward pass counting run lengths, O(n) whatever r (the windowed minimum was O(n·r)).
  const out = new Uint8Array(w * h);
  const lines = axis === 'x' ? h : w;
  const len = axis === 'x' ? w : h;
  const step = axis === 'x' ? 1 : w;
  const run = new Int32Array(len);
  for (let l = 0; l < lines; l++) {
    const base = axis === 'x' ? l * w : l;
    // a run that starts at the image's edge continues outside it when outside pixels count as 1
    const edgeRun = outside ? r + 1 : 0;
    let c = edgeRun;
    for (let p = 0; p < len; p++) {
      c = m[base + p * step] ? c + 1 : 0;
      run[p] = c;
    }
    c = edgeRun;
    for (let p = len - 1; p >= 0; p--) {
      c = m[base + p * step] ? c + 1 : 0;
      if ((run[p] as number) > r && c > r) out[base + p * step] = 1;
    }
  }
  return out;
}

function channelOf(windows: readonly WindowPreset[], level: number, width: number): number {
  const i = windows.findIndex((w) => w.level === level && w.width === width);
  if (i < 0) throw ichError('ICH_E_MODEL_FORMAT', `HU features need the window L${level} W${width} among the model's windows`);
  return i;
}

/**
 * Which pixels the HU and blood-map features read: 'cavity' (cavityMask) or 'frame' (featureMask,
 * what models built before 2 Dec 2026 learned from; a card without `trunk.huRegion` means it).
 */
export type HuRegion = 'cavity' | 'frame';

/** The subdural-window HU ([h·w], −20…180) and the cranial-cavity mask (1 inside) of one slice. */
export interface SliceCavity {
  w: number;
  h: number;
  hu: Float32Array;
  bone: Uint8Array;
  boneCount: number;
  /** The cranial cavity: 1 inside the skull, away from bone (masks, the localiser's crop). */
  cavityMask: Uint8Array;
  /**
   * What the shipped head's HU and blood-map features read: every pixel more than CLOSE pixels
   * from bone and from the frame's edge — meant to be the cavity, but until 2 Dec 2026 the flood
   * below could never start (the erosion made the frame's edge a wall), so this is what the head
   * learned from; it stays until the head is retrained on `cavityMask`.
   */
  featureMask: Uint8Array;
}

/**
 * The last cavity computed per image (images are never mutated after preprocessing): the HU
 * features and the bleed masks of predict ask for the same slice's cavity, and the flood fill is
 * their largest shared cost.
 */
const cavityOf = new WeakMap<Image<'uint8'>, { windows: readonly WindowPreset[]; cavity: SliceCavity }>();

/** Reads HU and bone back from the window channels and finds the cranial cavity (see below). */
export function computeSliceCavity(img: Image<'uint8'>, windows: readonly WindowPreset[]): SliceCavity {
  const hit = cavityOf.get(img);
  if (hit && hit.windows === windows) return hit.cavity;
  const cavity = findSliceCavity(img, windows);
  cavityOf.set(img, { windows, cavity });
  return cavity;
}

function findSliceCavity(img: Image<'uint8'>, windows: readonly WindowPreset[]): SliceCavity {
  const [h, w, c] = img.shape;
  const sub = channelOf(windows, 80, 200);
  const soft = channelOf(windows, 40, 380);
  const d = img.data;
  const n = h * w;
  const hu = new Float32Array(n);
  const bone = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    hu[i] = ((d[i * c + sub] as number) / 255) * 200 - 20;
    bone[i] = (d[i * c + soft] as number) >= 254 ? 1 : 0;
  }
  // Cavity = pixels enclosed by bone: a flood fill from the image border through non-bone pixels
  // marks the outside; what it cannot reach and is not bone lies inside the skull. Where the skull
  // is open (skull base) the fill leaks in and the cavity is empty, which keeps the sinuses and
  // petrous bone out, and the partial-volume band along the inner table (bone averaged with brain
  // reads as 50–90 HU, like blood) is excluded.
  // The bone is first dilated by CLOSE pixels so that small gaps (sutures, thin temporal squama
  // below 230 HU after downsampling) do not let the fill in; the dilation also keeps the cavity
  // CLOSE pixels away from the inner table.
  const notBone = new Uint8Array(n);
  let boneCount = 0;
  for (let i = 0; i < n; i++) {
    if (bone[i]) boneCount++;
    else notBone[i] = 1;
  }
  // Outside the frame is air (not bone), so the fill starts from the frame's edge; the features'
  // mask (outside = 0) is the old erosion, whose edge ring stopped the fill (see featureMask).
  const far = erode(notBone, w, h, CLOSE, 1); // 1 = far from bone; 0 = bone dilated by CLOSE
  // the erosion with outside = 0 differs from `far` only within CLOSE px of the frame's edge, where it is 0
  const featureMask = far.slice();
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) if (y < CLOSE || x < CLOSE || y >= h - CLOSE || x >= w - CLOSE) featureMask[y * w + x] = 0;
  const outside = floodFromBorder(far, h, w);
  const cavityMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (far[i] && !outside[i]) cavityMask[i] = 1;
  return { w, h, hu, bone, boneCount, cavityMask, featureMask };
}

