import { describe, expect, it } from "vitest";
import { PII_KINDS } from "./pii-kinds.ts";
import { findPii, luhnValid, redactJson, redactText } from "./pii-detector.ts";

const NOW = new Date("2026-12-06T12:00:00Z");
const ALL = PII_KINDS;
const kindsIn = (text: string) => findPii(text, ALL, NOW).map((f) => f.kind);

describe("PII detector", () => {
  it.each([
    ["my card is 4111 1111 1111 1111 thanks", "card_number"],
    ["card 4242-4242-4242-4242", "card_number"],
    ["amex 378282246310005", "card_number"],
    ["SSN 123-45-6789", "ssn"],
    ["social is 123 45 6789", "ssn"],
    ["write to jane.doe+calls@example.co.uk please", "email"],
    ["call me on +14155550123", "phone_number"],
    ["my number is (415) 555-0123", "phone_number"],
    ["it's 415.555.0123", "phone_number"],
    ["born 03/14/1985", "date_of_birth"],
    ["March 14th, 1985", "date_of_birth"],
    ["14 March 1985", "date_of_birth"],
    ["1985-03-14", "date_of_birth"],
  ])("finds %j", (text, kind) => {
    expect(kindsIn(text)).toEqual([kind]);
  });

  it.each([
    ["order 4111 1111 1111 1112", "fails Luhn"],
    ["reference 1234567890123", "fails Luhn"],
    ["000-12-3456", "area 000 is never issued"],
    ["666-12-3456", "area 666 is never issued"],
    ["123-00-4567", "group 00 is never issued"],
    ["your appointment is on 12/05/2026", "a recent date is not a birth date"],
    ["see you March 3, 2025", "a recent date is not a birth date"],
    ["room 5550123", "a bare 7-digit number"],
    ["version 1.2.3 of the app at 10:30", "no digits of a kind"],
    ["user at example dot com", "an address not written as one"],
    ["we open at 9 and have 250 staff since 1999", "a year alone"],
  ])("leaves %j (%s)", (text) => {
    expect(kindsIn(text)).toEqual([]);
  });

  it("checks Luhn on the digits", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
  });

  it("redacts only the listed kinds, and never takes an unlisted card for a phone number", () => {
    const text = "Card 4111 1111 1111 1111, mail a@b.io, phone +14155550123";
    expect(redactText(text, ["email", "phone_number"], NOW)).toBe("Card 4111 1111 1111 1111, mail [redacted:email], phone [redacted:phone_number]");
    expect(redactText(text, [], NOW)).toBe(text);
  });

  it("redacts JSON strings and numbers, keeping keys and the JSON valid", () => {
    const args = { card: 4111111111111111, email: "a@b.io", nested: [{ dob: "born 1985-03-14" }], count: 3 };
    expect(redactJson(args, ALL, NOW)).toEqual({ card: "[redacted:card_number]", email: "[redacted:email]", nested: [{ dob: "born [redacted:date_of_birth]" }], count: 3 });
  });
});
