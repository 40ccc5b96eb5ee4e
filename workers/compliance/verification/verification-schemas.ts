/** The verification case on the wire: what a tenant declares (PUT /v1/verification) and what it and the operator read. */
import { z } from "@hono/zod-openapi";
import { TRUST_HUB_STATUSES, VERIFICATION_STATES } from "../../../shared/pg/schema.ts";
import { displayName, emailAddress } from "../../../shared/schemas/text-fields.ts";
import { trustHubBusinessSchema } from "../trust-hub/trust-hub-business.ts";
import { isCountryCode } from "./countries.ts";

export const Country = z
  .string()
  .refine(isCountryCode, { message: "not an ISO 3166-1 alpha-2 country code (upper case, such as US, GB or DE)" })
  .openapi({ description: "ISO 3166-1 alpha-2.", example: "US" });

const text = (max: number) => displayName(max);

const Address = z
  .object({
    line1: text(200),
    line2: text(200).optional(),
    city: text(100),
    region: text(100).optional(),
    postal_code: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 -]{0,15}$/, "letters, digits, spaces and hyphens, at most 16"),
    country: Country,
  })
  .strict()
  .openapi("VerificationAddress");

const DateOfBirth = z.iso
  .date("a date as YYYY-MM-DD")
  .refine((d) => d >= "1900-01-01" && d <= new Date().toISOString().slice(0, 10), { message: "must be a date between 1900-01-01 and today" })
  .openapi({ example: "1980-04-17" });

const IdentityDocument = z
  .object({
    type: z.enum(["passport", "national_id", "driving_licence"]),
    number: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 -]{2,39}$/, "3 to 40 letters, digits, spaces or hyphens"),
    country: Country,
  })
  .strict()
  .openapi("VerificationDocument");

const person = {
  name: text(200),
  date_of_birth: DateOfBirth,
  nationality: Country,
  address: Address,
  document: IdentityDocument.optional(),
};

const Representative = z
  .object({ ...person, title: text(100).openapi({ example: "Director" }), email: emailAddress() })
  .strict()
  .openapi("AuthorisedRepresentative");

const BeneficialOwner = z
  .object({ ...person, ownership_percent: z.number().min(25, "only owners of 25 % or more are declared").max(100) })
  .strict()
  .openapi("BeneficialOwner");

const business = trustHubBusinessSchema.shape;

/** What Twilio's Trust Hub needs that the case does not already say; with it, approval registers the account there. */
const TrustHubDetails = z
  .object({
    business_type: business.businessType,
    industry_code: business.industry.openapi({ description: "Twilio's industry code, such as HEALTHCARE, RETAIL or TECHNOLOGY.", example: "HEALTHCARE" }),
    registration_identifier: business.registrationIdentifier.openapi({ description: "What `registration.number` is (EIN, DUNS, VAT, …)." }),
    regions_of_operation: business.regionsOfOperation,
    representative_phone: business.representative.shape.phoneNumber.openapi({ description: "The representative's phone, E.164.", example: "+14155550177" }),
    representative_position: business.representative.shape.position,
  })
  .strict()
  .openapi("TrustHubDetails", {
    description: "Optional. With it, approving the case registers the account's Secondary Customer Profile and SHAKEN/STIR trust product with Twilio's Trust Hub (`trust_hub` in the case shows the progress).",
  });

export const VerificationDetails = z
  .object({
    legal_name: text(200),
    trade_names: z.array(text(200)).max(10).default([]),
    registration: z
      .object({
        number: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ./-]{1,39}$/, "2 to 40 letters, digits, spaces, dots, slashes or hyphens, starting with a letter or digit"),
        country: Country,
      })
      .strict(),
    address: Address,
    website: z.url({ protocol: /^https?$/, error: "an http(s) URL" }).max(2000).openapi({ example: "https://acme.example" }),
    industry: text(100).openapi({ example: "Dental clinics" }),
    use_description: z.string().min(20, "say in at least 20 characters what the agents will do").max(4000),
    expected_monthly_minutes: z.number().int().min(0).max(100_000_000),
    representative: Representative,
    beneficial_owners: z.array(BeneficialOwner).max(4),
    trust_hub: TrustHubDetails.optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    const total = d.beneficial_owners.reduce((sum, o) => sum + o.ownership_percent, 0);
    if (total > 100) ctx.addIssue({ code: "custom", path: ["beneficial_owners"], message: `the owners' shares add up to ${total} %, more than 100 %` });
  })
  .openapi("VerificationDetails");
export type VerificationDetails = z.infer<typeof VerificationDetails>;

const ScreeningMatch = z
  .object({
    input: z.string().openapi({ description: "The screened name that matched." }),
    source: z.enum(["sdn", "consolidated"]),
    ent_num: z.number().int(),
    listed_name: z.string(),
    matched_name: z.string(),
    matched_kind: z.enum(["primary", "alias"]),
    score: z.number(),
    type: z.string().nullable(),
    programs: z.array(z.string()),
  })
  .openapi("SanctionsMatch");
export type ScreeningMatchView = z.infer<typeof ScreeningMatch>;

export const Evidence = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("sanctions_screening"),
      at: z.string(),
      threshold: z.number(),
      screened_names: z.number().int(),
      matches: z.array(ScreeningMatch),
      list_version: z
        .object({ source: z.enum(["sdn", "consolidated"]), version_id: z.number().int() })
        .optional()
        .openapi({ description: "Set on a rescreen: the new list version whose matches reopened the approved case (only matches not already in the evidence)." }),
    }),
    z.object({ kind: z.literal("identity"), at: z.string(), event_id: z.string(), session_id: z.string(), status: z.enum(["verified", "requires_input", "canceled"]), error_code: z.string().nullable() }),
    z.object({
      kind: z.literal("decision"),
      at: z.string(),
      decision: z.enum(["approved", "rejected", "needs_info"]),
      reason: z.string(),
      confirmed_match: z.object({ source: z.enum(["sdn", "consolidated"]), ent_num: z.number().int() }).nullable(),
    }),
  ])
  .openapi("VerificationEvidence");
export type Evidence = z.infer<typeof Evidence>;

const BundleProgress = z.object({ sid: z.string(), status: z.enum(TRUST_HUB_STATUSES).nullable() }).nullable();

const TrustHubProgress = z
  .object({
    step: z.string().openapi({ description: "Where the registration is (`awaiting_profile_review`, `awaiting_product_review`, `done`, …)." }),
    customer_profile: BundleProgress,
    trust_product: BundleProgress,
    assigned_numbers: z.number().int(),
    failure_reason: z.string().nullable().openapi({ description: "Twilio's reason, when it rejected a bundle." }),
    last_error: z.string().nullable().openapi({ description: "The last failed attempt's error; the hourly job retries." }),
  })
  .openapi("TrustHubProgress");

export const VerificationCase = z
  .object({
    account_id: z.string(),
    state: z.enum(VERIFICATION_STATES),
    details: VerificationDetails.nullable().openapi({ description: "Null until the first PUT." }),
    decision_reason: z.string().nullable().openapi({ description: "The operator's reason for the last decision (with needs_info: what to change)." }),
    submitted_at: z.string().nullable(),
    decided_at: z.string().nullable(),
    updated_at: z.string().nullable(),
    trust_hub: TrustHubProgress.nullable().openapi({ description: "The Twilio Trust Hub registration, once approval started it (null before, or without `details.trust_hub`)." }),
  })
  .openapi("VerificationCase");
export type VerificationCase = z.infer<typeof VerificationCase>;

export const ReviewedCase = VerificationCase.extend({ evidence: z.array(Evidence) }).openapi("ReviewedVerificationCase");

export const Decision = z
  .object({
    reason: z.string().min(1).max(2000).openapi({ description: "Why; audited, and shown to the tenant." }),
  })
  .strict()
  .openapi("VerificationDecision");

export const Rejection = Decision.extend({
  confirmed_match: z
    .object({ source: z.enum(["sdn", "consolidated"]), ent_num: z.number().int() })
    .strict()
    .optional()
    .openapi({ description: "The screening match the operator confirms (one of the case's evidence): the reason for rejecting." }),
})
  .strict()
  .openapi("VerificationRejection");

export const IdentitySession = z
  .object({
    session_id: z.string().openapi({ example: "vs_1Pq2r3" }),
    url: z.string().nullable().openapi({ description: "Stripe's hosted page where the representative photographs their document and takes a selfie." }),
    client_secret: z.string().nullable().openapi({ description: "For Stripe.js's `verifyIdentity`, instead of the page." }),
    status: z.string(),
  })
  .openapi("IdentitySession");
