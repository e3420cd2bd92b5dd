/** One closeness check for numeric test outputs (kernels against a reference backend). */
import assert from 'node:assert/strict';

/**
 * Max |actual − expected| ≤ relTol × max(max |expected|, floor): relative to the tensor's scale, so
 * a near-zero element does not demand an absolute match of its own.
 */
export function assertClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, relTol = 1e-4, floor = 1e-6): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let maxAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(expected[i] as number));
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] as number) - (expected[i] as number)));
  }
  assert.ok(maxDiff <= relTol * Math.max(maxAbs, floor), `${what}: max |diff| ${maxDiff.toExponential(2)} vs max |ref| ${maxAbs.toExponential(2)} (tolerance ${relTol})`);
}
