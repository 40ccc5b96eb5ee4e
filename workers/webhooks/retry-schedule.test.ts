import { describe, expect, it } from "vitest";
import { DELIVERY_MAX_RETRIES, retryDelaySeconds } from "./retry-schedule.ts";

describe("webhook retry schedule", () => {
  it("backs off exponentially within Queues' limits for about three days, then gives up", () => {
    const delays = Array.from({ length: DELIVERY_MAX_RETRIES }, (_, i) => retryDelaySeconds(i + 1)!);
    expect(delays.slice(0, 4)).toEqual([30, 60, 120, 240]);
    expect(Math.max(...delays)).toBe(43_200);
    const totalHours = delays.reduce((a, b) => a + b, 0) / 3600;
    expect(totalHours).toBeGreaterThan(72);
    expect(totalHours).toBeLessThan(84);
    expect(retryDelaySeconds(DELIVERY_MAX_RETRIES + 1)).toBeNull();
    expect(DELIVERY_MAX_RETRIES).toBeLessThanOrEqual(100);
  });
});
