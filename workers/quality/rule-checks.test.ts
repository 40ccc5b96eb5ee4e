import { describe, expect, it } from "vitest";
import { ComplianceConfig } from "../../shared/schemas/agent-quality-config.ts";
import { ruleViolations } from "./rule-checks.ts";
import { findSensitiveNumber } from "./sensitive-numbers.ts";

const compliance = ComplianceConfig.parse({
  required_phrases: [{ id: "recording", phrase: "This call may be recorded." }],
  forbidden_phrases: [{ id: "guarantee", phrase: "we guarantee" }],
});
const agent = (text: string) => ({ role: "agent" as const, text });
const caller = (text: string) => ({ role: "caller" as const, text });

describe("compliance rule checks", () => {
  it("passes a call where the agent said the required phrase (any case and punctuation) and nothing forbidden", () => {
    expect(ruleViolations(compliance, [agent("Hi! THIS call, may be recorded."), caller("We guarantee nothing: 4111 1111 1111 1111")])).toEqual([]);
  });

  it("flags a required phrase never said, a forbidden phrase said and a card number read back, the evidence masked", () => {
    const turns = [agent("Hi there."), caller("Is it safe?"), agent("We guarantee it. Your card is 4111-1111-1111-1111.")];
    expect(ruleViolations(compliance, turns)).toEqual([
      { check: "recording", kind: "required_phrase", detail: 'the agent never said "This call may be recorded."', evidence: "" },
      { check: "guarantee", kind: "forbidden_phrase", detail: 'the agent said "we guarantee"', evidence: "We guarantee it. Your card is ••••••••••••1111." },
      { check: "sensitive_readback", kind: "sensitive_readback", detail: "the agent read back a full card number", evidence: "We guarantee it. Your card is ••••••••••••1111." },
    ]);
  });

  it("does not run the card and SSN check when it is turned off", () => {
    const off = ComplianceConfig.parse({ sensitive_readback: false });
    expect(ruleViolations(off, [agent("Your SSN is 123-45-6789.")])).toEqual([]);
  });
});

describe("card numbers and SSNs in the agent's words", () => {
  it.each([
    ["digits grouped by spaces", "That is 4111 1111 1111 1111, right?", "card", "That is ••••••••••••1111, right?"],
    ["spoken number words", "four one one one one one one one one one one one one one one one", "card", "••••••••••••1111"],
    ["an SSN grouped 3-2-4", "Your SSN is 123-45-6789.", "ssn", "Your SSN is •••••6789."],
    ["an SSN of nine digits", "SSN 123456789 noted", "ssn", "SSN •••••6789 noted"],
  ])("finds %s", (_, text, kind, masked) => {
    expect(findSensitiveNumber(text)).toEqual({ kind, masked });
  });

  it.each([
    ["a number failing the Luhn check", "Order 4111 1111 1111 1112 shipped."],
    ["the last four digits only", "The card ending 1111 is on file."],
    ["a phone number", "Call us on 415 555 0100."],
    ["a time and a date", "See you at 10:30 on 2026-03-01."],
  ])("leaves %s alone", (_, text) => {
    expect(findSensitiveNumber(text)).toBeUndefined();
  });
});
