import { expect } from "vitest";

/** Test-only: the bar for measured delays is "within 10 % of the profile". */
export function within10Percent(measured: number, expected: number): void {
  expect(measured).toBeGreaterThanOrEqual(expected * 0.9);
  expect(measured).toBeLessThanOrEqual(expected * 1.1);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
