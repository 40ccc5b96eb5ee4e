import { z } from "@hono/zod-openapi";
import { zE164 } from "../../../shared/phone/e164.ts";

export const PersonRequest = z.object({ phone: zE164.openapi({ example: "+14155550123" }) }).strict().openapi("PrivacyPersonRequest");

export const ErasureReceipt = z
  .object({
    phone_hash: z.string().openapi({ description: "The number's salted hash: all that is left of it (the audit log names the person the same way)." }),
    erased_at: z.string(),
    removed: z.object({
      transcript_turns: z.number().int(),
      call_events: z.number().int(),
      analyses: z.number().int(),
      recordings: z.number().int().openapi({ description: "Deleted at Twilio." }),
      consent_records: z.number().int(),
      do_not_call_entry: z.boolean(),
      webhook_messages: z.number().int().openapi({ description: "Stored webhook deliveries that named the number." }),
      stored_responses: z.number().int().openapi({ description: "Idempotent replays that named the number." }),
      security_events: z.number().int(),
      dead_letters: z.number().int(),
      call_objects: z.number().int().openapi({ description: "Delivered calls' objects that forgot the call." }),
      campaign_contacts: z.number().int().openapi({ description: "Campaigns that held the number: a contact never dialled is deleted, a dialled one keeps its calls and outcome under the number's hash." }),
      workflow_runs: z.number().int().openapi({ description: "Workflow runs whose step records named the number, now under its hash (outputs keep ids only)." }),
    }),
    calls_pseudonymised: z.number().int().openapi({ description: "Calls kept for billing and usage, the number replaced by its hash." }),
    kept: z.object({ do_not_call: z.boolean(), refused_consent_types: z.array(z.string()) }).openapi({ description: "The refusals the tombstone keeps in force." }),
  })
  .openapi("ErasureReceipt");

const Turn = z.object({ seq: z.number().int(), role: z.string(), text: z.string(), interrupted: z.boolean(), started_at: z.string(), ended_at: z.string().nullable() });
const Analysis = z.object({
  version: z.number().int(),
  status: z.string(),
  summary: z.string().nullable(),
  structured_data: z.unknown(),
  success: z.unknown(),
  sentiment: z.string().nullable(),
  disposition: z.string().nullable(),
  completed_at: z.string().nullable(),
});

export const PersonExport = z
  .object({
    phone: z.string(),
    exported_at: z.string(),
    calls: z.array(
      z.object({
        id: z.string(),
        direction: z.string(),
        from: z.string(),
        to: z.string(),
        status: z.string(),
        created_at: z.string(),
        answered_at: z.string().nullable(),
        ended_at: z.string().nullable(),
        duration_seconds: z.number().int().nullable(),
        end_reason: z.string().nullable(),
        recording_sid: z.string().nullable(),
        transcript: z.array(Turn),
        events: z.array(z.object({ type: z.string(), at: z.string(), data: z.unknown() })),
        analyses: z.array(Analysis),
      }),
    ),
    consent_records: z.array(z.object({ id: z.string(), consent_type: z.string(), status: z.string(), source: z.string(), captured_at: z.string(), expires_at: z.string().nullable() })),
    do_not_call: z.object({ reason: z.string().nullable(), created_at: z.string() }).nullable(),
    erased: z.object({ erased_at: z.string(), do_not_call: z.boolean(), refused_consent_types: z.array(z.string()) }).nullable(),
  })
  .openapi("PersonExport");

export const RETENTION_DAYS = [30, 90, 365] as const;
const Days = z
  .union([z.literal(30), z.literal(90), z.literal(365), z.null()])
  .openapi({ description: "Days after the call ended (30, 90 or 365), or null: kept forever." });

export const RetentionPolicy = z
  .object({ transcripts_days: Days, recordings_days: Days, call_events_days: Days, analysis_days: Days })
  .strict()
  .openapi("RetentionPolicy");
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;
