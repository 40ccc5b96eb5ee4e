import { z } from "@hono/zod-openapi";
import { ID_PATTERNS } from "../ids.ts";
import { zE164 } from "../phone/e164.ts";
import { displayName } from "../schemas/text-fields.ts";
import { contactZones, isTimeZone } from "./time-zones.ts";

/** The legal calling window every campaign's hours must sit inside (local time of the callee), in minutes. */
export const LEGAL_EARLIEST_MINUTE = 8 * 60;
export const LEGAL_LATEST_MINUTE = 21 * 60;
export const JSON_CONTACT_BATCH_MAX = 1_000;
export const CSV_CONTACT_ROWS_MAX = 100_000;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "a local time HH:MM (24-hour)");
export const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD").refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "not a calendar date");
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const zTimeZone = z.string().max(64).refine(isTimeZone, "not an IANA time zone (e.g. America/Chicago)");

export const CampaignSchedule = z
  .object({
    start_date: isoDate.openapi({ description: "First calling day (the callee's local date)." }),
    end_date: isoDate.openapi({ description: "Last calling day, inclusive." }),
    weekdays: z.array(z.enum(WEEKDAYS)).min(1).max(7).default(["mon", "tue", "wed", "thu", "fri"]),
    calling_hours: z
      .object({ start: hhmm, end: hhmm })
      .strict()
      .openapi({ description: "Local calling hours of each callee, inside the legal 08:00–21:00; `end` is exclusive." }),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.end_date < s.start_date) ctx.addIssue({ code: "custom", path: ["end_date"], message: "end_date is before start_date" });
    const start = minutesOf(s.calling_hours.start);
    const end = minutesOf(s.calling_hours.end);
    if (start < LEGAL_EARLIEST_MINUTE) ctx.addIssue({ code: "custom", path: ["calling_hours", "start"], message: "calls may not start before 08:00 local time" });
    if (end > LEGAL_LATEST_MINUTE) ctx.addIssue({ code: "custom", path: ["calling_hours", "end"], message: "calls must end by 21:00 local time" });
    if (end <= start) ctx.addIssue({ code: "custom", path: ["calling_hours", "end"], message: "end must be after start" });
  })
  .openapi("CampaignSchedule");
export type CampaignSchedule = z.infer<typeof CampaignSchedule>;

const LocalTimeWindow = z
  .object({ from: hhmm, to: hhmm })
  .strict()
  .refine((w) => minutesOf(w.to) > minutesOf(w.from), { path: ["to"], message: "must be after from" })
  .openapi({ description: "A local time of day for the retry (e.g. evenings, 17:00–20:00; `to` exclusive), in the callee's zones, inside the campaign's calling hours." });

const RetryRule = z
  .object({
    max_attempts: z.number().int().min(1).max(10).openapi({ description: "Dials in all while this is the outcome; 1 means never retried." }),
    min_gap_minutes: z.number().int().min(1).max(14 * 24 * 60).openapi({ description: "Least time between this outcome and the next dial." }),
    at_local_time: LocalTimeWindow.optional(),
  })
  .strict();
export type RetryRule = z.infer<typeof RetryRule>;

export const RETRYABLE_OUTCOMES = ["no_answer", "busy", "failed", "voicemail"] as const;
export type RetryableOutcome = (typeof RETRYABLE_OUTCOMES)[number];
export type CallOutcome = RetryableOutcome | "answered";

export const RetryPolicy = z
  .object({
    no_answer: RetryRule.default({ max_attempts: 3, min_gap_minutes: 60 }),
    busy: RetryRule.default({ max_attempts: 3, min_gap_minutes: 15 }),
    failed: RetryRule.default({ max_attempts: 2, min_gap_minutes: 30 }),
    voicemail: RetryRule.default({ max_attempts: 2, min_gap_minutes: 240 }),
  })
  .strict()
  .openapi("CampaignRetryPolicy");
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const CampaignContact = z
  .object({
    phone: zE164,
    timezone: zTimeZone.optional().openapi({ description: "The callee's own zone; the call must then suit both it and the area code's zones." }),
    variables: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/), z.string().max(1_000)).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Calling hours are the callee's local time: a number whose area code gives no zone needs its own.
    if (contactZones(c.phone, c.timezone).length === 0) ctx.addIssue({ code: "custom", path: ["timezone"], message: "required: the number's area code gives no time zone" });
  })
  .openapi("CampaignContactInput");
export type CampaignContact = z.infer<typeof CampaignContact>;

export const ContactBatch = z.object({ contacts: z.array(CampaignContact).min(1).max(JSON_CONTACT_BATCH_MAX) }).strict().openapi("CampaignContactBatch");

export const CreateCampaign = z
  .object({
    name: displayName(200),
    agent_id: z.string().regex(ID_PATTERNS.agent, "not a valid agent id"),
    caller_ids: z.array(zE164).min(1).max(100).openapi({ description: "The account's numbers to call from; a number in the callee's area code is preferred (local presence)." }),
    consent_type: z.enum(["outbound_calls", "marketing"]).default("outbound_calls"),
    schedule: CampaignSchedule,
    max_concurrency: z.number().int().min(1).max(10_000).openapi({ description: "At most the account's max_concurrent_calls less its reserved_inbound." }),
    pacing_per_minute: z.number().int().min(1).max(600).default(30).openapi({ description: "New dials per minute at most." }),
    retry: RetryPolicy.prefault({}),
    voicemail_action: z.enum(["retry", "complete"]).default("retry").openapi({
      description: "On an answering machine the agent's voicemail behaviour plays (hang up or leave its message); then `retry` treats the contact under `retry.voicemail`, `complete` counts it done.",
    }),
    contacts: z.array(CampaignContact).max(JSON_CONTACT_BATCH_MAX).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const { start, end } = c.schedule.calling_hours;
    for (const outcome of RETRYABLE_OUTCOMES) {
      const at = c.retry[outcome].at_local_time;
      if (at && (minutesOf(at.from) >= minutesOf(end) || minutesOf(at.to) <= minutesOf(start))) {
        ctx.addIssue({ code: "custom", path: ["retry", outcome, "at_local_time"], message: `must overlap the calling hours ${start}–${end}` });
      }
    }
  })
  .openapi("CreateCampaign");
export type CreateCampaign = z.infer<typeof CreateCampaign>;
export type CampaignConfig = Omit<CreateCampaign, "contacts" | "name" | "agent_id"> & { agent_id: string };

export const CONTACT_STATES = ["pending", "in_progress", "retry_scheduled", "done", "skipped", "failed", "uncertain"] as const;
export type ContactState = (typeof CONTACT_STATES)[number];
export const TERMINAL_CONTACT_STATES: ReadonlySet<ContactState> = new Set(["done", "skipped", "failed", "uncertain"]);

export const CAMPAIGN_STATES = ["draft", "scheduled", "running", "paused", "completed", "cancelled"] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];
