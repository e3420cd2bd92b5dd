/** Angles in the head's axial plane, radians. */

/** An angle (or a difference of two) wrapped to [−π, π]. */
export function wrapPi(x: number): number {
  let y = x % (2 * Math.PI);
  if (y > Math.PI) y -= 2 * Math.PI;
  if (y < -Math.PI) y += 2 * Math.PI;
  return y;
}
