import { expect } from "vitest";

/**
 * Test-only: a drawn figure (a sampler's output, a median of seeded draws) is "within 10 % of the profile". A delay
 * measured on the wall clock is checked with `notSoonerThan` instead: load can only lengthen it.
 */
export function within10Percent(measured: number, expected: number): void {
  expect(measured).toBeGreaterThanOrEqual(expected * 0.9);
  expect(measured).toBeLessThanOrEqual(expected * 1.1);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A delay measured on the wall clock took at least `expectedMs` (less 2 ms of timer rounding). */
export function notSoonerThan(measuredMs: number, expectedMs: number): void {
  expect(measuredMs).toBeGreaterThanOrEqual(expectedMs - 2);
}
