import { z } from "@hono/zod-openapi";

/** `+`, a country code that never starts with 0, and at most 15 digits in all (ITU-T E.164). */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

// A 10-digit North American number: area code and exchange both start with 2–9.
const NANP_NATIONAL = /^[2-9]\d{2}[2-9]\d{6}$/;

/**
 * The user part of a `sip:`/`sips:`/`tel:` URI, or the input itself. Twilio SIP domains and trunks send `To`/`From`
 * as `sip:+14155550100@acme.sip.twilio.com;transport=udp`, sometimes in angle brackets, sometimes without the `+`.
 */
function dialString(input: string): string {
  const uri = /^<?(?:sips?|tel):([^@;>]*)/i.exec(input);
  if (!uri) return input;
  try {
    return decodeURIComponent(uri[1]!);
  } catch {
    return uri[1]!;
  }
}

/**
 * Normalises a phone number to E.164 (`+<digits>`), or null when it is not one. Accepts E.164, the usual
 * visual separators (spaces, `-`, `.`, parentheses), the `00` international prefix and SIP/tel URIs. Digits
 * without a `+` are taken to include the country code (`14155550100`, as SIP user parts carry it), except a
 * 10-digit North American number, which carriers send without the `1`. A national number with a trunk `0`
 * (`020 7946 0958`) is refused: its country cannot be known.
 */
export function normalizeE164(input: string): string | null {
  const dialed = dialString(input.trim()).trim();
  if (!/^\+?[\d\s().-]+$/.test(dialed)) return null;
  const digits = dialed.replace(/\D/g, "");
  let international: string;
  if (dialed.startsWith("+")) international = digits;
  else if (digits.startsWith("00")) international = digits.slice(2);
  else if (NANP_NATIONAL.test(digits)) international = `1${digits}`;
  else international = digits;
  const e164 = `+${international}`;
  return E164_PATTERN.test(e164) ? e164 : null;
}

/** A phone number in E.164. Not normalised on input: the API stores and compares numbers exactly as given. */
export const zE164 = z
  .string()
  .regex(E164_PATTERN, {
    error: (issue) => {
      const suggestion = typeof issue.input === "string" ? normalizeE164(issue.input) : null;
      // A `+` in a query string arrives as a space, the most common way a valid number fails here.
      return suggestion
        ? `must be in E.164 form, e.g. ${suggestion} (digits only after the +; in a URL write + as %2B)`
        : "must be a phone number in E.164 form: +, country code and number, digits only (e.g. +14155550100)";
    },
  })
  .openapi({ example: "+14155550100", description: "E.164: `+`, country code and number, digits only." });
