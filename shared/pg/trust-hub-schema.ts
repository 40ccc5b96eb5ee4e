/** The Postgres tier's compliance tables: each account's Twilio Trust Hub registration (workers/compliance/trust-hub/). */
import { check, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { createdAt, oneOf } from "./columns.ts";

/**
 * The registration's steps, in order. Each step creates (or finds) one Twilio resource and stores its SID before the
 * step advances, so a run that stopped anywhere resumes at its step without making a second copy.
 * `awaiting_profile_review` and `awaiting_product_review` wait for Twilio's status callback; `done` and `rejected` end.
 */
export const TRUST_HUB_STEPS = [
  "profile",
  "business_end_user",
  "representative_end_user",
  "address",
  "supporting_document",
  "profile_assignments",
  "profile_evaluation",
  "profile_submit",
  "awaiting_profile_review",
  "trust_product",
  "trust_product_assignments",
  "trust_product_numbers",
  "trust_product_evaluation",
  "trust_product_submit",
  "awaiting_product_review",
  "done",
  "rejected",
] as const;
export type TrustHubStep = (typeof TRUST_HUB_STEPS)[number];

/** Twilio's status of a customer profile or trust product. */
export const TRUST_HUB_STATUSES = ["draft", "pending-review", "in-review", "twilio-rejected", "twilio-approved"] as const;
export type TrustHubStatus = (typeof TRUST_HUB_STATUSES)[number];

export const trustHubRegistrations = pgTable(
  "trust_hub_registrations",
  {
    accountId: text("account_id").primaryKey(),
    step: text("step", { enum: TRUST_HUB_STEPS }).notNull(),
    // Where Twilio posts status changes (the platform's public URL when the registration started).
    statusCallbackUrl: text("status_callback_url").notNull(),
    // The business and its representative as the verification case gave them, sealed with the key ring (AES-GCM).
    businessKeyId: text("business_key_id").notNull(),
    businessCiphertext: text("business_ciphertext").notNull(),
    customerProfileSid: text("customer_profile_sid"),
    businessEndUserSid: text("business_end_user_sid"),
    representativeEndUserSid: text("representative_end_user_sid"),
    addressSid: text("address_sid"),
    supportingDocumentSid: text("supporting_document_sid"),
    profileStatus: text("profile_status", { enum: TRUST_HUB_STATUSES }),
    trustProductSid: text("trust_product_sid"),
    trustProductStatus: text("trust_product_status", { enum: TRUST_HUB_STATUSES }),
    // Twilio's reason when it rejected the profile or the product.
    failureReason: text("failure_reason"),
    // Phone numbers (PN…) assigned to the trust product so far.
    assignedNumberSids: text("assigned_number_sids").array().notNull().default([]),
    // Failed runs since the last step that went through, and the last failure: the retry job's evidence.
    failedAttempts: integer("failed_attempts").notNull().default(0),
    lastError: text("last_error"),
    // A run holds the registration until then, so a callback and the retry job never run its steps at once.
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("trust_hub_registrations_step").on(t.step),
    check("trust_hub_registrations_step_check", oneOf("step", TRUST_HUB_STEPS)),
    check("trust_hub_registrations_profile_status_check", oneOf("profile_status", TRUST_HUB_STATUSES)),
    check("trust_hub_registrations_trust_product_status_check", oneOf("trust_product_status", TRUST_HUB_STATUSES)),
  ],
);
export type TrustHubRegistration = typeof trustHubRegistrations.$inferSelect;
