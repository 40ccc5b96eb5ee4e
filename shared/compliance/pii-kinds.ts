import { z } from "@hono/zod-openapi";

/** The kinds of callers' personal data the platform's own detector finds (shared/compliance/pii-detector.ts). */
export const PII_KINDS = ["card_number", "ssn", "email", "phone_number", "date_of_birth"] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export const PiiRedaction = z
  .array(z.enum(PII_KINDS))
  .max(PII_KINDS.length)
  .refine((kinds) => new Set(kinds).size === kinds.length, { message: "each kind at most once" })
  .openapi({
    description:
      "Kinds of personal data replaced by `[redacted:<kind>]` in what is stored (turns, events, analysis input), sent to webhooks and logged. The live model still hears the caller unredacted. Card numbers are Luhn-checked; a date of birth is a full date at least 10 years back.",
  });

/** A marker that says what was there, never what it was. */
export const redactionMarker = (kind: PiiKind) => `[redacted:${kind}]`;
