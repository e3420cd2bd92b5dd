/**
 * Seeded smooth 3-D gradient noise (Perlin's improved noise with a seeded permutation): continuous
 * across slices and free of the blocky look of value noise. Used for anatomy that must look
 * organic (gyri, texture, irregular bleed borders). Output is roughly in [-1, 1]; period 256.
 */
import { createRng } from '../core/random.js';

export type Noise3 = (x: number, y: number, z: number) => number;

const fade = (t: number): number => t * t * t * (t * (t * 6 - 15) + 10);

function grad(hash: number, x: number, y: number, z: number): number {
  const h = hash & 15;
  const u = h < 8 ? x : y;
  const v = h < 4 ? y : h === 12 || h === 14 ? x : z;
  return ((h & 1) === 0 ? u : -u) + ((h & 2) === 0 ? v : -v);
}

/** A gradient-noise function for a seed: same seed, same field. */
export function createValueNoise(seed: number): Noise3 {
  const rng = createRng(seed);
  const base = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 255; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = base[i] as number;
    base[i] = base[j] as number;
    base[j] = t;
  }
  const p = new Uint8Array(512);
  for (let i = 0; i < 512; i++) p[i] = base[i & 255] as number;
  return (x, y, z) => {
    const fx = Math.floor(x), fy = Math.floor(y), fz = Math.floor(z);
    const X = fx & 255, Y = fy & 255, Z = fz & 255;
    x -= fx;
    y -= fy;
    z -= fz;
    const u = fade(x), v = fade(y), w = fade(z);
    const A = (p[X] as number) + Y, AA = (p[A] as number) + Z, AB = (p[A + 1] as number) + Z;
    const B = (p[X + 1] as number) + Y, BA = (p[B] as number) + Z, BB = (p[B + 1] as number) + Z;
    const l1 = grad(p[AA] as number, x, y, z) + u * (grad(p[BA] as number, x - 1, y, z) - grad(p[AA] as number, x, y, z));
    const l2 = grad(p[AB] as number, x, y - 1, z) + u * (grad(p[BB] as number, x - 1, y - 1, z) - grad(p[AB] as number, x, y - 1, z));
    const l3 = grad(p[AA + 1] as number, x, y, z - 1) + u * (grad(p[BA + 1] as number, x - 1, y, z - 1) - grad(p[AA + 1] as number, x, y, z - 1));
    const l4 = grad(p[AB + 1] as number, x, y - 1, z - 1) + u * (grad(p[BB + 1] as number, x - 1, y - 1, z - 1) - grad(p[AB + 1] as number, x, y - 1, z - 1));
    const m1 = l1 + v * (l2 - l1);
    const m2 = l3 + v * (l4 - l3);
    return m1 + w * (m2 - m1);
  };
}

const noiseCache = new Map<number, Noise3>();
/**
 * `createValueNoise(seed)`, memoised (a bleed or lesion reuses its field on every slice; at most
 * ~64 fields are kept). The same seed gives the same field whether or not it was cached.
 */
export function cachedNoise(seed: number): Noise3 {
  let n = noiseCache.get(seed);
  if (!n) {
    if (noiseCache.size > 64) noiseCache.clear();
    n = createValueNoise(seed);
    noiseCache.set(seed, n);
  }
  return n;
}

/** Two octaves (second at about twice the frequency, half the amplitude), in about [-1, 1]. */
export function fractalNoise(noise: Noise3, x: number, y: number, z: number): number {
  return (noise(x, y, z) + 0.5 * noise(2.03 * x + 17.1, 2.03 * y + 5.3, 2.03 * z + 9.7)) / 1.5;
}
