import { describe, expect, it } from "vitest";
import { normalizeE164, zE164 } from "./e164.ts";

describe("normalizeE164", () => {
  it.each([
    ["+14155550100", "+14155550100"],
    ["  +1 (415) 555-0100 ", "+14155550100"],
    ["+44 20 7946 0958", "+442079460958"],
    ["+49.30.1234567", "+49301234567"],
    ["0044 20 7946 0958", "+442079460958"],
    ["14155550100", "+14155550100"],
    ["442079460958", "+442079460958"],
    ["1-415-555-0100", "+14155550100"],
    ["(415) 555-0100", "+14155550100"],
    ["4155550100", "+14155550100"],
  ])("normalises %j to %s", (input, expected) => {
    expect(normalizeE164(input)).toBe(expected);
  });

  it.each([
    ["sip:+14155550100@acme.sip.twilio.com;transport=udp", "+14155550100"],
    ["sip:14155550100@acme.sip.twilio.com", "+14155550100"],
    ["sips:+442079460958@trunk.example.net:5061", "+442079460958"],
    ["<sip:+14155550100@acme.sip.twilio.com>;tag=a1b2", "+14155550100"],
    ["SIP:%2B14155550100@acme.sip.twilio.com", "+14155550100"],
    ["sip:4155550100;phone-context=+1@pbx.example.com", "+14155550100"],
    ["tel:+1-415-555-0100", "+14155550100"],
  ])("takes the number from the SIP/tel URI %j", (input, expected) => {
    expect(normalizeE164(input)).toBe(expected);
  });

  it.each([
    "",
    "+",
    "hello",
    "sip:alice@acme.sip.twilio.com",
    "sip:@acme.sip.twilio.com",
    "020 7946 0958", // national trunk prefix: the country is unknown
    "+0442079460958", // country codes never start with 0
    "+1234567890123456", // 16 digits: longer than E.164 allows
    "+12345", // too short to be a number
    "+1 415 555 0100 ext 12",
    "+1415+5550100",
  ])("refuses %j", (input) => {
    expect(normalizeE164(input)).toBeNull();
  });
});

describe("zE164", () => {
  it("accepts E.164 exactly as given", () => {
    expect(zE164.parse("+14155550100")).toBe("+14155550100");
  });

  it("refuses other formats, suggesting the E.164 form when there is one", () => {
    const spaced = zE164.safeParse(" 14155550100"); // `+` decoded as a space from a query string
    expect(spaced.success).toBe(false);
    expect(spaced.error!.issues[0]!.message).toBe("must be in E.164 form, e.g. +14155550100 (digits only after the +; in a URL write + as %2B)");
    const garbage = zE164.safeParse("call me");
    expect(garbage.error!.issues[0]!.message).toMatch(/^must be a phone number in E\.164 form/);
    expect(zE164.safeParse(14155550100).success).toBe(false);
  });
});
