/**
 * sRGB (0–255) → CIELab (D65) → the scaled 16-bit triple of RecommendedDisplayCIELabValue
 * (PS3.3 C.10.7.1.1: L 0..100 → 0..65535, a and b −128..127 → 0..65535).
 */
function linearise(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function f(t: number): number {
  return t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29;
}

/** CIELab L*, a*, b* of an sRGB colour (D65 white). */
export function rgbToLab([r, g, b]: readonly [number, number, number]): [number, number, number] {
  const [lr, lg, lb] = [linearise(r), linearise(g), linearise(b)];
  const x = (0.4124 * lr + 0.3576 * lg + 0.1805 * lb) / 0.95047;
  const y = 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
  const z = (0.0193 * lr + 0.1192 * lg + 0.9505 * lb) / 1.08883;
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** The DICOM-scaled CIELab triple (each 0..65535). */
export function rgbToDicomLab(rgb: readonly [number, number, number]): number[] {
  const [l, a, b] = rgbToLab(rgb);
  const clamp = (v: number): number => Math.max(0, Math.min(65535, Math.round(v)));
  return [clamp((l * 65535) / 100), clamp(((a + 128) * 65535) / 255), clamp(((b + 128) * 65535) / 255)];
}
