/**
 * Geometry shared by the convolution gradient kernels: how a gradient convolution must be padded
 * (or cropped, where the forward pass never read the last rows/columns) so that it produces
 * exactly the wanted output size. All shapes are NHWC; "pad" is the forward pass's padding.
 */
import * as tf from '@tensorflow/tfjs';

export type PadSpec = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvGeometry {
  /** Forward stride (rows, columns). */
  strides: [number, number];
  /** Forward dilation (rows, columns). */
  dilations: [number, number];
  /** Forward padding added before the first row / column. */
  padTop: number;
  padLeft: number;
  /** Forward output size. */
  outHeight: number;
  outWidth: number;
}

function pair(v: number | [number, number] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Forward geometry of a conv/depthwise conv, from tfjs' own shape logic (so padding matches exactly). */
export function computeConvGeometry(
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  dilations: number | [number, number] | undefined,
  pad: PadSpec,
  roundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean,
): ConvGeometry {
  const s = pair(strides, 1);
  const d = pair(dilations, 1);
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    s,
    d,
    pad,
    roundingMode,
    depthwise,
    'channelsLast',
  );
  return { strides: s, dilations: d, padTop: info.padInfo.top, padLeft: info.padInfo.left, outHeight: info.outHeight, outWidth: info.outWidth };
}

/**
 * Pads (positive amounts) or crops (negative amounts) rows and columns of an NHWC tensor so that a
 * later convolution can use explicit non-negative padding. Returns the possibly-cropped tensor and
 * the remaining non-negative pads.
 */
export function splitPadding(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { x: tf.Tensor4D; pad: [[number, number], [number, number], [number, number], [number, number]] } {
  const [n, h, w, c] = x.shape;
  const cropTop = Math.max(0, -top);
  const cropBottom = Math.max(0, -bottom);
  const cropLeft = Math.max(0, -left);
  const cropRight = Math.max(0, -right);
  const cropped =
    cropTop + cropBottom + cropLeft + cropRight > 0
      ? tf.slice(x, [0, cropTop, cropLeft, 0], [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c])
      : x;
  return {
    x: cropped,
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/**
 * Inserts (s-1) zero rows/columns between the rows/columns of an NHWC tensor (the "dilated" output
 * gradient of a strided convolution). Result height (h-1)*sh+1, width (w-1)*sw+1.
 */
export function insertZeros(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const spread = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const full = tf.reshape(spread, [n, h * sh, w * sw, c]) as tf.Tensor4D;
  return tf.slice(full, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/** Sides to pad (negative: crop) around an input-gradient correlation: (kh−1)·d − pad before, and what makes the output h × w after. */
export interface Sides {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Padding of the zero-inserted output gradient (height zh, width zw) for the input-gradient
 * correlation with the rotated filter, so that the result is exactly h × w.
 */
export function inputGradientSides(g: ConvGeometry, kh: number, kw: number, h: number, w: number, zh: number, zw: number): Sides {
  const [dh, dw] = g.dilations;
  const top = (kh - 1) * dh - g.padTop;
  const left = (kw - 1) * dw - g.padLeft;
  return { top, left, bottom: h - zh - top + (kh - 1) * dh, right: w - zw - left + (kw - 1) * dw };
}

/**
 * Padding of the input for the filter-gradient correlation (the output gradient as the filter,
 * dilated by the stride, read with the forward dilation as stride), so that the result is kh × kw.
 */
export function filterGradientSides(g: ConvGeometry, kh: number, kw: number, h: number, w: number): Sides {
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  return {
    top: g.padTop,
    left: g.padLeft,
    bottom: (kh - 1) * dh + (g.outHeight - 1) * sh - g.padTop - (h - 1),
    right: (kw - 1) * dw + (g.outWidth - 1) * sw - g.padLeft - (w - 1),
  };
}
