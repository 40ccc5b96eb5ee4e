import { describe, expect, it } from "vitest";
import { billingMonth, localTime, monthAt } from "./billing-month.ts";
import { dueMonth } from "./monthly-invoices.ts";

const at = (iso: string) => new Date(iso);
const span = (month: string, zone: string) => {
  const m = billingMonth(month, zone);
  return [m.start.toISOString(), m.end.toISOString()];
};

describe("billing months in the account's time zone", () => {
  it("run from local midnight on the 1st to local midnight on the next 1st, across DST changes", () => {
    // New York leaves DST on 2026-11-01 at 02:00, the very day November begins: October ends on EDT, November on EST.
    expect(span("2026-10", "America/New_York")).toEqual(["2026-10-01T04:00:00.000Z", "2026-11-01T04:00:00.000Z"]);
    expect(span("2026-11", "America/New_York")).toEqual(["2026-11-01T04:00:00.000Z", "2026-12-01T05:00:00.000Z"]);
    // London enters BST on 2027-03-28: March is an hour short, April starts at 23:00 UTC the day before.
    expect(span("2027-03", "Europe/London")).toEqual(["2027-03-01T00:00:00.000Z", "2027-03-31T23:00:00.000Z"]);
    // Sydney enters DST on 2026-10-04 (the southern spring), a half-hour zone, and a zone that changes at midnight.
    expect(span("2026-10", "Australia/Sydney")).toEqual(["2026-09-30T14:00:00.000Z", "2026-10-31T13:00:00.000Z"]);
    expect(span("2026-12", "Asia/Kolkata")).toEqual(["2026-11-30T18:30:00.000Z", "2026-12-31T18:30:00.000Z"]);
    expect(span("2026-09", "America/Santiago")).toEqual(["2026-09-01T04:00:00.000Z", "2026-10-01T03:00:00.000Z"]);
    // The year wraps.
    expect(span("2026-12", "UTC")).toEqual(["2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"]);
  });

  it("place an instant in the month of its local date", () => {
    expect(monthAt(at("2026-12-01T04:59:59.999Z"), "America/New_York").month).toBe("2026-11");
    expect(monthAt(at("2026-12-01T05:00:00.000Z"), "America/New_York").month).toBe("2026-12");
    expect(monthAt(at("2026-12-31T18:29:59.999Z"), "Asia/Kolkata").month).toBe("2026-12");
    expect(monthAt(at("2026-12-31T18:30:00.000Z"), "Asia/Kolkata").month).toBe("2027-01");
    expect(localTime(at("2026-12-01T05:00:00.000Z"), "America/New_York")).toBe("2026-12-01 00:00");
  });

  it("make an invoice due at the hourly run after the month ends locally, not before", () => {
    // The cron runs at :17 past each hour; New York's November ends at 05:00 UTC on 1 December.
    expect(dueMonth(at("2026-12-01T04:17:00.000Z"), "America/New_York").month).toBe("2026-10");
    expect(dueMonth(at("2026-12-01T05:17:00.000Z"), "America/New_York").month).toBe("2026-11");
    expect(dueMonth(at("2027-03-31T22:17:00.000Z"), "Europe/London").month).toBe("2027-02");
    expect(dueMonth(at("2027-03-31T23:17:00.000Z"), "Europe/London").month).toBe("2027-03");
    expect(dueMonth(at("2027-01-01T00:17:00.000Z"), "UTC").month).toBe("2026-12");
  });

  it("refuse what is not a yyyy-mm month", () => {
    for (const bad of ["2026-13", "2026-00", "26-11", "2026-1", "2026-11-01"]) expect(() => billingMonth(bad, "UTC"), bad).toThrow(RangeError);
  });
});
