import { z } from "@hono/zod-openapi";
import type { campaigns } from "../../shared/db/campaigns-schema.ts";
import { CAMPAIGN_STATES, CONTACT_STATES, CampaignSchedule, RetryPolicy, type CampaignConfig } from "../../shared/campaigns/campaign-schemas.ts";
import type { CampaignProgress, ContactView } from "../../shared/campaigns/campaign-rpc.ts";
import type { ContactAnalysis } from "./contact-analyses.ts";

const Outcome = z.enum(["answered", "voicemail", "no_answer", "busy", "failed"]);
const Counts = z.object(Object.fromEntries(CONTACT_STATES.map((s) => [s, z.number().int()])) as Record<(typeof CONTACT_STATES)[number], z.ZodNumber>);

export const Campaign = z
  .object({
    id: z.string().openapi({ example: "CMP-7KQ2M9XD4H" }),
    name: z.string(),
    agent_id: z.string(),
    state: z.enum(CAMPAIGN_STATES),
    paused_reason: z.string().nullable().openapi({ description: "Why the platform paused it (the account was suspended, a caller ID was released…); null when the tenant did." }),
    caller_ids: z.array(z.string()),
    consent_type: z.enum(["outbound_calls", "marketing"]),
    schedule: CampaignSchedule,
    max_concurrency: z.number().int(),
    pacing_per_minute: z.number().int(),
    retry: RetryPolicy,
    voicemail_action: z.enum(["retry", "complete"]),
    contact_count: z.number().int(),
    progress: z.object({ counts: Counts, in_flight: z.number().int(), peak_in_flight: z.number().int() }).openapi({ description: "Live counts of contacts per state, and calls in flight." }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Campaign");

type CampaignRow = typeof campaigns.$inferSelect;

export function campaignView(row: CampaignRow, progress: CampaignProgress): z.infer<typeof Campaign> {
  const config = row.config as unknown as CampaignConfig;
  return {
    id: row.id,
    name: row.name,
    agent_id: row.agentId,
    state: progress.state,
    paused_reason: progress.paused_reason,
    caller_ids: config.caller_ids,
    consent_type: config.consent_type,
    schedule: config.schedule,
    max_concurrency: config.max_concurrency,
    pacing_per_minute: config.pacing_per_minute,
    retry: config.retry,
    voicemail_action: config.voicemail_action,
    contact_count: Object.values(progress.counts).reduce((a, b) => a + b, 0),
    progress: { counts: progress.counts, in_flight: progress.in_flight, peak_in_flight: progress.peak_in_flight },
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export const CampaignContact = z
  .object({
    phone: z.string(),
    timezone: z.string().nullable(),
    variables: z.record(z.string(), z.string()),
    state: z.enum(CONTACT_STATES),
    reason: z.string().nullable().openapi({ description: "Why it was skipped (`consent_no_record`, `consent_do_not_call`, `calling_hours_unknown_area_code`, `verification_required`, `schedule_ended`, `cancelled`…) or is uncertain (`dial_unconfirmed`)." }),
    outcome: Outcome.nullable(),
    attempts: z.array(
      z.object({
        call_id: z.string(),
        attempt: z.number().int(),
        from: z.string(),
        status: z.enum(["intent", "placed", "ended", "uncertain"]),
        outcome: Outcome.nullable(),
        dialed_at: z.string(),
      }),
    ),
    next_attempt_at: z.string().nullable(),
    analysis: z
      .object({ call_id: z.string(), succeeded: z.boolean().nullable(), disposition: z.string().nullable() })
      .nullable()
      .openapi({ description: "The post-call analysis of the contact's latest analysed call, once it exists: whether it counts as a success, and its disposition." }),
  })
  .openapi("CampaignContact");

export const contactView = (c: ContactView, analysis: ContactAnalysis | undefined): z.infer<typeof CampaignContact> => ({
  phone: c.phone,
  timezone: c.timezone,
  variables: c.variables,
  state: c.state,
  reason: c.reason,
  outcome: c.outcome,
  attempts: c.attempts.map((a) => ({ ...a, status: a.status as "intent" | "placed" | "ended" | "uncertain" })),
  next_attempt_at: c.next_attempt_at,
  analysis: analysis ?? null,
});

const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export const RESULTS_CSV_HEADER = "phone,state,reason,outcome,attempts,call_ids,last_dialed_at,analysis_succeeded,analysis_disposition\r\n";

/** One contact as a line of the results export. */
export function resultsCsvLine(c: ContactView, analysis: ContactAnalysis | undefined): string {
  const last = c.attempts[c.attempts.length - 1];
  const succeeded = analysis?.succeeded == null ? "" : String(analysis.succeeded);
  return [c.phone, c.state, c.reason ?? "", c.outcome ?? "", String(c.attempts.length), c.attempts.map((a) => a.call_id).join(" "), last?.dialed_at ?? "", succeeded, analysis?.disposition ?? ""].map(csvCell).join(",") + "\r\n";
}
