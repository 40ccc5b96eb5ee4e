import { describe, expect, it } from "vitest";
import { CronError, nextRun, parseCron } from "./cron-schedule.ts";

const next = (cron: string, after: string) => nextRun(parseCron(cron), new Date(after))?.toISOString();

describe("cron schedules", () => {
  it("finds the next matching minute, strictly after the given instant (UTC)", () => {
    expect(next("*/15 * * * *", "2026-12-06T10:07:30Z")).toBe("2026-12-06T10:15:00.000Z");
    expect(next("0 9 * * *", "2026-12-06T09:00:00Z")).toBe("2026-12-07T09:00:00.000Z");
    expect(next("30 8 * * 1-5", "2026-12-05T12:00:00Z")).toBe("2026-12-07T08:30:00.000Z"); // Saturday → Monday
    expect(next("0 0 1 1 *", "2026-06-01T00:00:00Z")).toBe("2027-01-01T00:00:00.000Z");
    expect(next("0 12 * * 7", "2026-12-06T13:00:00Z")).toBe("2026-12-13T12:00:00.000Z"); // 7 is Sunday
    expect(next("0 0 29 2 *", "2026-03-01T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
  });

  it("refuses malformed expressions and out-of-range values", () => {
    for (const bad of ["* * * *", "60 * * * *", "* 24 * * *", "5-1 * * * *", "*/0 * * * *", "a * * * *"]) expect(() => parseCron(bad)).toThrow(CronError);
    expect(nextRun(parseCron("0 0 31 2 *"), new Date("2026-01-01T00:00:00Z"))).toBeUndefined();
  });
});
