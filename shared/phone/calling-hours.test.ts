import { describe, expect, it } from "vitest";
import { checkCallingHours } from "./calling-hours.ts";
import { NON_US_NANP_AREA_CODES, US_AREA_CODE_TIME_ZONES } from "./us-area-code-time-zones.ts";

const at = (iso: string) => new Date(iso);

describe("checkCallingHours: New York (DST edges)", () => {
  const ny = "+12125550100";

  it("winter (EST, UTC-5): 07:59 refused, 08:00 allowed", () => {
    expect(checkCallingHours(ny, at("2025-01-15T12:59:00Z"))).toEqual({
      allowed: false,
      reason: "outside_hours",
      timeZones: ["America/New_York"],
      localTimes: ["07:59"],
    });
    expect(checkCallingHours(ny, at("2025-01-15T13:00:00Z"))).toEqual({
      allowed: true,
      reason: "within_hours",
      timeZones: ["America/New_York"],
      localTimes: ["08:00"],
    });
  });

  it("summer (EDT, UTC-4): 07:59 refused, 08:00 allowed", () => {
    const before = checkCallingHours(ny, at("2025-07-15T11:59:00Z"));
    expect(before).toMatchObject({ allowed: false, reason: "outside_hours", localTimes: ["07:59"] });
    const after = checkCallingHours(ny, at("2025-07-15T12:00:00Z"));
    expect(after).toMatchObject({ allowed: true, reason: "within_hours", localTimes: ["08:00"] });
  });

  it("the same UTC instant is allowed in summer but not in winter", () => {
    expect(checkCallingHours(ny, at("2025-07-15T12:30:00Z")).allowed).toBe(true); // 08:30 EDT
    expect(checkCallingHours(ny, at("2025-01-15T12:30:00Z")).allowed).toBe(false); // 07:30 EST
  });

  it("on the spring-forward day (2025-03-09) uses the new offset", () => {
    expect(checkCallingHours(ny, at("2025-03-09T11:59:00Z"))).toMatchObject({ allowed: false, localTimes: ["07:59"] });
    expect(checkCallingHours(ny, at("2025-03-09T12:00:00Z"))).toMatchObject({ allowed: true, localTimes: ["08:00"] });
  });

  it("on the fall-back day (2025-11-02) uses the new offset", () => {
    expect(checkCallingHours(ny, at("2025-11-02T12:59:00Z"))).toMatchObject({ allowed: false, localTimes: ["07:59"] });
    expect(checkCallingHours(ny, at("2025-11-02T13:00:00Z"))).toMatchObject({ allowed: true, localTimes: ["08:00"] });
  });

  it("end of the window is exclusive: 20:59 allowed, 21:00 refused, midnight refused", () => {
    expect(checkCallingHours(ny, at("2025-01-16T01:59:00Z"))).toMatchObject({ allowed: true, localTimes: ["20:59"] });
    expect(checkCallingHours(ny, at("2025-01-16T02:00:00Z"))).toMatchObject({ allowed: false, localTimes: ["21:00"] });
    expect(checkCallingHours(ny, at("2025-01-16T05:00:00Z"))).toMatchObject({ allowed: false, localTimes: ["00:00"] });
  });

  it("honours a custom window", () => {
    const window = { startHour: 9, endHour: 20 };
    expect(checkCallingHours(ny, at("2025-01-15T13:30:00Z"), window).allowed).toBe(false); // 08:30
    expect(checkCallingHours(ny, at("2025-01-15T14:00:00Z"), window).allowed).toBe(true); // 09:00
    expect(checkCallingHours(ny, at("2025-01-16T01:00:00Z"), window).allowed).toBe(false); // 20:00
  });
});

describe("checkCallingHours: zones without DST and far-off zones", () => {
  it("Arizona (no DST) vs Denver in summer: Phoenix is an hour behind", () => {
    const now = at("2025-07-15T14:30:00Z");
    expect(checkCallingHours("+16025550100", now)).toEqual({
      allowed: false,
      reason: "outside_hours",
      timeZones: ["America/Phoenix"],
      localTimes: ["07:30"],
    });
    expect(checkCallingHours("+13035550100", now)).toEqual({
      allowed: true,
      reason: "within_hours",
      timeZones: ["America/Denver"],
      localTimes: ["08:30"],
    });
  });

  it("Arizona and Denver agree in winter", () => {
    const now = at("2025-01-15T15:30:00Z");
    expect(checkCallingHours("+16025550100", now).localTimes).toEqual(["08:30"]);
    expect(checkCallingHours("+13035550100", now).localTimes).toEqual(["08:30"]);
  });

  it("Hawaii (UTC-10, no DST)", () => {
    expect(checkCallingHours("+18085550100", at("2025-07-15T17:59:00Z"))).toMatchObject({ allowed: false, timeZones: ["Pacific/Honolulu"], localTimes: ["07:59"] });
    expect(checkCallingHours("+18085550100", at("2025-07-15T18:00:00Z"))).toMatchObject({ allowed: true, localTimes: ["08:00"] });
    expect(checkCallingHours("+18085550100", at("2025-01-15T18:00:00Z"))).toMatchObject({ allowed: true, localTimes: ["08:00"] });
  });

  it("Alaska: needs 08:00 in Anchorage and in the western Aleutians", () => {
    // 16:30Z in July: Anchorage (AKDT, UTC-8) 08:30, Adak (HDT, UTC-9) 07:30.
    expect(checkCallingHours("+19075550100", at("2025-07-15T16:30:00Z"))).toEqual({
      allowed: false,
      reason: "outside_hours",
      timeZones: ["America/Anchorage", "America/Adak"],
      localTimes: ["08:30", "07:30"],
    });
    expect(checkCallingHours("+19075550100", at("2025-07-15T17:00:00Z"))).toMatchObject({ allowed: true, localTimes: ["09:00", "08:00"] });
  });

  it("Puerto Rico and Guam", () => {
    expect(checkCallingHours("+17875550100", at("2025-07-15T12:00:00Z"))).toMatchObject({ allowed: true, timeZones: ["America/Puerto_Rico"], localTimes: ["08:00"] });
    expect(checkCallingHours("+16715550100", at("2025-07-15T12:00:00Z"))).toMatchObject({ allowed: false, timeZones: ["Pacific/Guam"], localTimes: ["22:00"] });
  });
});

describe("checkCallingHours: area codes spanning two zones", () => {
  const panhandle = "+18505550100"; // Pensacola (Central) and Tallahassee (Eastern)

  it("refuses in the evening when the Eastern part is past 21:00", () => {
    expect(checkCallingHours(panhandle, at("2025-07-16T01:30:00Z"))).toEqual({
      allowed: false,
      reason: "outside_hours",
      timeZones: ["America/Chicago", "America/New_York"],
      localTimes: ["20:30", "21:30"],
    });
  });

  it("refuses in the morning when the Central part is before 08:00", () => {
    expect(checkCallingHours(panhandle, at("2025-07-15T12:30:00Z"))).toMatchObject({ allowed: false, localTimes: ["07:30", "08:30"] });
  });

  it("allows when every zone is within hours", () => {
    expect(checkCallingHours(panhandle, at("2025-07-15T13:00:00Z"))).toMatchObject({ allowed: true, reason: "within_hours", localTimes: ["08:00", "09:00"] });
  });

  it("El Paso (915) is Mountain first, with Central too", () => {
    expect(checkCallingHours("+19155550100", at("2025-07-15T14:30:00Z"))).toMatchObject({
      allowed: true,
      timeZones: ["America/Denver", "America/Chicago"],
      localTimes: ["08:30", "09:30"],
    });
  });
});

describe("checkCallingHours: numbers the rule does not cover", () => {
  const noon = at("2025-07-15T16:00:00Z");
  const midnightNy = at("2025-07-15T04:00:00Z");

  it("toll-free and other non-geographic +1 codes fail closed", () => {
    for (const n of ["+18005550100", "+18885550100", "+18335550100", "+19005550100", "+15005550100", "+17005550100"]) {
      expect(checkCallingHours(n, noon)).toEqual({ allowed: false, reason: "unknown_area_code", timeZones: [], localTimes: [] });
    }
  });

  it("unassigned or malformed +1 numbers fail closed", () => {
    expect(checkCallingHours("+19995550100", noon).reason).toBe("unknown_area_code");
    expect(checkCallingHours("+1212555010", noon).reason).toBe("unknown_area_code"); // 10 digits
    expect(checkCallingHours("+121255501000", noon).reason).toBe("unknown_area_code"); // 12 digits
    expect(checkCallingHours("+12120550100", noon).reason).toBe("unknown_area_code"); // exchange starting with 0
  });

  it("UK number is not a US callee", () => {
    expect(checkCallingHours("+442071838750", midnightNy)).toEqual({ allowed: true, reason: "not_us", timeZones: [], localTimes: [] });
  });

  it("Canadian and Caribbean NANP numbers are not US callees", () => {
    expect(checkCallingHours("+14165550100", midnightNy)).toMatchObject({ allowed: true, reason: "not_us" }); // Toronto
    expect(checkCallingHours("+16045550100", midnightNy)).toMatchObject({ allowed: true, reason: "not_us" }); // Vancouver
    expect(checkCallingHours("+18765550100", midnightNy)).toMatchObject({ allowed: true, reason: "not_us" }); // Jamaica
  });

  it("rejects input that is not E.164, an invalid Date or window", () => {
    expect(() => checkCallingHours("2125550100", noon)).toThrow(RangeError);
    expect(() => checkCallingHours("+1 212 555 0100", noon)).toThrow(RangeError);
    expect(() => checkCallingHours("+12125550100", new Date(Number.NaN))).toThrow(RangeError);
    expect(() => checkCallingHours("+12125550100", noon, { startHour: 21, endHour: 8 })).toThrow(RangeError);
  });
});

describe("US_AREA_CODE_TIME_ZONES", () => {
  it.each([
    ["212", "America/New_York"], // New York City
    ["213", "America/Los_Angeles"], // Los Angeles
    ["312", "America/Chicago"], // Chicago
    ["305", "America/New_York"], // Miami
    ["602", "America/Phoenix"], // Phoenix
    ["808", "Pacific/Honolulu"], // Honolulu
    ["907", "America/Anchorage"], // Anchorage
    ["206", "America/Los_Angeles"], // Seattle
    ["214", "America/Chicago"], // Dallas
    ["303", "America/Denver"], // Denver
    ["404", "America/New_York"], // Atlanta
    ["617", "America/New_York"], // Boston
    ["702", "America/Los_Angeles"], // Las Vegas
    ["202", "America/New_York"], // Washington, DC
    ["787", "America/Puerto_Rico"], // Puerto Rico
    ["939", "America/Puerto_Rico"],
    ["201", "America/New_York"],
    ["480", "America/Phoenix"],
    ["208", "America/Denver"], // Boise
    ["317", "America/New_York"], // Indianapolis
  ])("%s → %s", (code, zone) => {
    expect(US_AREA_CODE_TIME_ZONES[code]?.[0]).toBe(zone);
  });

  it("has every assigned US area code (≥ 330) with 3-digit NXX keys", () => {
    const codes = Object.keys(US_AREA_CODE_TIME_ZONES);
    expect(codes.length).toBeGreaterThanOrEqual(330);
    for (const code of codes) expect(code).toMatch(/^[2-9]\d\d$/);
  });

  it("leaves out non-geographic, Canadian and Caribbean codes", () => {
    for (const code of ["800", "833", "844", "855", "866", "877", "888", "900", "500", "521", "533", "700", "710", "211", "911"]) {
      expect(US_AREA_CODE_TIME_ZONES[code], code).toBeUndefined();
    }
    for (const code of Object.keys(NON_US_NANP_AREA_CODES)) {
      expect(US_AREA_CODE_TIME_ZONES[code], code).toBeUndefined();
    }
  });

  it("every zone name is accepted by Intl.DateTimeFormat, no zone listed twice", () => {
    const zones = new Set(Object.values(US_AREA_CODE_TIME_ZONES).flat());
    for (const timeZone of zones) {
      expect(() => new Intl.DateTimeFormat("en-US", { timeZone }), timeZone).not.toThrow();
    }
    for (const [code, list] of Object.entries(US_AREA_CODE_TIME_ZONES)) {
      expect(new Set(list).size, code).toBe(list.length);
    }
  });
});
