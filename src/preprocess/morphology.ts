/**
 * Small binary/scalar image operations on one slice (row-major, `rows × cols`) that finding
 * anatomy from HU needs — `synth --insert-into` (synth/insert/anatomy.ts) and the model's cranial
 * cavity (model/features/cavity.ts): box means, a chamfer distance transform in mm (anisotropic
 * pixels), flood fill from the border and connected components. All 4-connected unless said
 * otherwise; all deterministic.
 */

/** Mean over a (2r+1)² box (clamped at the borders) via an integral image. */
export function boxMean(src: Float32Array, rows: number, cols: number, r: number): Float32Array {
  const w = cols + 1;
  const integral = new Float64Array((rows + 1) * w);
  for (let y = 0; y < rows; y++) {
    let run = 0;
    for (let x = 0; x < cols; x++) {
      run += src[y * cols + x] as number;
      integral[(y + 1) * w + x + 1] = (integral[y * w + x + 1] as number) + run;
    }
  }
  const out = new Float32Array(rows * cols);
  for (let y = 0; y < rows; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(rows, y + r + 1);
    for (let x = 0; x < cols; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(cols, x + r + 1);
      const s = (integral[y1 * w + x1] as number) - (integral[y0 * w + x1] as number) - (integral[y1 * w + x0] as number) + (integral[y0 * w + x0] as number);
      out[y * cols + x] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/**
 * Distance in mm from every pixel to the nearest pixel where `source` is 1 (0 there): a two-pass
 * 8-neighbour chamfer with weights dx, dy and √(dx² + dy²) — within ~8 % of Euclidean, plenty for
 * "how far from the inner table". `dx` = column spacing, `dy` = row spacing, mm.
 */
export function distanceFrom(source: Uint8Array, rows: number, cols: number, dx: number, dy: number): Float32Array {
  const INF = 1e9;
  const d = new Float32Array(rows * cols);
  for (let k = 0; k < d.length; k++) d[k] = source[k] ? 0 : INF;
  const dd = Math.hypot(dx, dy);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const k = y * cols + x;
      let v = d[k] as number;
      if (v === 0) continue;
      if (x > 0) v = Math.min(v, (d[k - 1] as number) + dx);
      if (y > 0) {
        v = Math.min(v, (d[k - cols] as number) + dy);
        if (x > 0) v = Math.min(v, (d[k - cols - 1] as number) + dd);
        if (x < cols - 1) v = Math.min(v, (d[k - cols + 1] as number) + dd);
      }
      d[k] = v;
    }
  }
  for (let y = rows - 1; y >= 0; y--) {
    for (let x = cols - 1; x >= 0; x--) {
      const k = y * cols + x;
      let v = d[k] as number;
      if (v === 0) continue;
      if (x < cols - 1) v = Math.min(v, (d[k + 1] as number) + dx);
      if (y < rows - 1) {
        v = Math.min(v, (d[k + cols] as number) + dy);
        if (x < cols - 1) v = Math.min(v, (d[k + cols + 1] as number) + dd);
        if (x > 0) v = Math.min(v, (d[k + cols - 1] as number) + dd);
      }
      d[k] = v;
    }
  }
  return d;
}

/** Pixels reachable from the image border through `passable` pixels (4-connected). */
export function floodFromBorder(passable: Uint8Array, rows: number, cols: number): Uint8Array {
  const seen = new Uint8Array(rows * cols);
  const stack = new Int32Array(rows * cols);
  let top = 0;
  const push = (k: number): void => {
    if (!seen[k] && passable[k]) {
      seen[k] = 1;
      stack[top++] = k;
    }
  };
  for (let x = 0; x < cols; x++) {
    push(x);
    push((rows - 1) * cols + x);
  }
  for (let y = 0; y < rows; y++) {
    push(y * cols);
    push(y * cols + cols - 1);
  }
  while (top > 0) {
    const k = stack[--top] as number;
    const x = k % cols;
    if (x > 0) push(k - 1);
    if (x < cols - 1) push(k + 1);
    if (k >= cols) push(k - cols);
    if (k < (rows - 1) * cols) push(k + cols);
  }
  return seen;
}

export interface Components {
  /** 0 = background, 1..count = component. */
  labels: Int32Array;
  count: number;
  /** Pixel count per label (index 0 unused). */
  areas: number[];
}

/** Connected components of `mask` (4- or 8-connected), labelled in raster order of their first pixel. */
export function labelComponents(mask: Uint8Array, rows: number, cols: number, connectivity: 4 | 8 = 4): Components {
  const labels = new Int32Array(rows * cols);
  const stack = new Int32Array(rows * cols);
  const areas = [0];
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    count++;
    let area = 0;
    let top = 0;
    labels[start] = count;
    stack[top++] = start;
    while (top > 0) {
      const k = stack[--top] as number;
      area++;
      const x = k % cols;
      const visit = (j: number): void => {
        if (mask[j] && !labels[j]) {
          labels[j] = count;
          stack[top++] = j;
        }
      };
      const up = k >= cols;
      const down = k < (rows - 1) * cols;
      if (x > 0) visit(k - 1);
      if (x < cols - 1) visit(k + 1);
      if (up) visit(k - cols);
      if (down) visit(k + cols);
      if (connectivity === 8) {
        if (up && x > 0) visit(k - cols - 1);
        if (up && x < cols - 1) visit(k - cols + 1);
        if (down && x > 0) visit(k + cols - 1);
        if (down && x < cols - 1) visit(k + cols + 1);
      }
    }
    areas.push(area);
  }
  return { labels, count, areas };
}

/** Keeps only the largest component of `mask` (in a new array); empty when `mask` is. */
export function largestComponent(mask: Uint8Array, rows: number, cols: number, connectivity: 4 | 8 = 4): Uint8Array {
  const c = labelComponents(mask, rows, cols, connectivity);
  let best = 0;
  for (let i = 1; i <= c.count; i++) if ((c.areas[i] as number) > (c.areas[best] ?? 0)) best = i;
  const out = new Uint8Array(mask.length);
  if (best === 0) return out;
  for (let k = 0; k < out.length; k++) if (c.labels[k] === best) out[k] = 1;
  return out;
}
