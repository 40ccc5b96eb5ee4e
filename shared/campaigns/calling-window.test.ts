import { describe, expect, it } from "vitest";
import { CampaignSchedule } from "./campaign-schemas.ts";
import { isWithinWindow, nextWindowOpening } from "./calling-window.ts";
import { contactZones } from "./time-zones.ts";

const schedule = CampaignSchedule.parse({
  start_date: "2026-01-12",
  end_date: "2026-01-16",
  weekdays: ["mon", "tue", "wed", "thu", "fri"],
  calling_hours: { start: "09:00", end: "17:30" },
});
const at = (iso: string) => Date.parse(iso);
const NEW_YORK = contactZones("+12125550100");
const LOS_ANGELES = contactZones("+14155550100");
const ALASKA = contactZones("+19075550100"); // Anchorage and Adak

describe("calling windows at fixed instants across time zones", () => {
  it.each([
    ["2026-01-14T14:00:00Z", NEW_YORK, true], // 09:00 in New York: the first minute
    ["2026-01-14T13:59:00Z", NEW_YORK, false],
    ["2026-01-14T22:29:00Z", NEW_YORK, true], // 17:29 in New York: the last minute
    ["2026-01-14T17:00:00Z", LOS_ANGELES, true], // 09:00 in Los Angeles
    ["2026-01-14T16:59:00Z", LOS_ANGELES, false],
    ["2026-01-15T01:30:00Z", LOS_ANGELES, false], // 17:30 in LA: the end is exclusive
    ["2026-01-14T18:30:00Z", ALASKA, false], // 09:30 in Anchorage, 08:30 on Adak
    ["2026-01-14T19:00:00Z", ALASKA, true], // 10:00 / 09:00
    ["2026-01-17T17:00:00Z", NEW_YORK, false], // a Saturday
    ["2026-01-19T17:00:00Z", NEW_YORK, false], // after end_date
  ])("%s", (instant, zones, open) => {
    expect(isWithinWindow(schedule, zones, at(instant))).toBe(open);
  });

  it("needs both the contact's own zone and its area code's zones to allow the call", () => {
    // A New York number whose owner lives in Los Angeles: 09:00–17:30 in both is 12:00–17:30 New York time.
    const zones = contactZones("+12125550100", "America/Los_Angeles");
    expect(zones).toEqual(["America/New_York", "America/Los_Angeles"]);
    expect(isWithinWindow(schedule, zones, at("2026-01-14T16:00:00Z"))).toBe(false); // 11:00 NY, 08:00 LA
    expect(isWithinWindow(schedule, zones, at("2026-01-14T17:00:00Z"))).toBe(true);
    expect(isWithinWindow(schedule, zones, at("2026-01-14T22:30:00Z"))).toBe(false); // 17:30 NY
  });

  it("finds the next opening to the minute, over a weekend, and none after the end date", () => {
    expect(nextWindowOpening(schedule, NEW_YORK, at("2026-01-14T03:07:00Z"))).toBe(at("2026-01-14T14:00:00Z"));
    expect(nextWindowOpening(schedule, ALASKA, at("2026-01-14T10:00:00Z"))).toBe(at("2026-01-14T19:00:00Z"));
    const odd = CampaignSchedule.parse({ ...schedule, calling_hours: { start: "09:07", end: "10:00" } });
    expect(nextWindowOpening(odd, LOS_ANGELES, at("2026-01-14T12:00:00Z"))).toBe(at("2026-01-14T17:07:00Z"));
    // Friday after hours → nothing until end_date has passed: no opening at all.
    expect(nextWindowOpening(schedule, NEW_YORK, at("2026-01-16T23:00:00Z"))).toBeNull();
    const longer = CampaignSchedule.parse({ ...schedule, end_date: "2026-01-20" });
    expect(nextWindowOpening(longer, NEW_YORK, at("2026-01-16T23:00:00Z"))).toBe(at("2026-01-19T14:00:00Z"));
  });
});

describe("schedules outside legal hours are refused", () => {
  it.each([
    [{ start: "07:59", end: "12:00" }, "calling_hours.start"],
    [{ start: "09:00", end: "21:01" }, "calling_hours.end"],
    [{ start: "12:00", end: "12:00" }, "calling_hours.end"],
  ])("%j", (hours, path) => {
    const parsed = CampaignSchedule.safeParse({ ...schedule, calling_hours: hours });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join("."))).toContain(path);
  });
});
