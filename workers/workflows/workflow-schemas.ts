import { z } from "@hono/zod-openapi";
import { ID_PATTERNS } from "../../shared/ids.ts";
import { zE164 } from "../../shared/phone/e164.ts";
import { displayName } from "../../shared/schemas/text-fields.ts";
import { CronError, nextRun, parseCron } from "./cron-schedule.ts";

/** A step's id: how later templates name its output (`{{ steps.<id>.… }}`). */
const StepId = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "lower-case letters, digits and _ (starting with a letter), at most 40");

/** Template strings may be long (a message body), never unbounded. */
const Template = z.string().max(16_000);

const FieldPath = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, "a field path such as event.succeeded");

export const HttpStep = z
  .object({
    id: StepId,
    type: z.literal("http"),
    url: Template.openapi({ description: "HTTPS on 443 at a public address (the agent tools' SSRF rules); may be a template." }),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("POST"),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), Template).default({}),
    body: z.unknown().optional().openapi({ description: "Any JSON; every string in it is a template." }),
  })
  .strict();

export const ActionStep = z
  .object({
    id: StepId,
    type: z.literal("action"),
    integration: z.string().max(40),
    action: z.string().max(60),
    input: z.record(z.string(), z.unknown()).default({}).openapi({ description: "The action's input; every string in it is a template." }),
  })
  .strict();

export const ConditionStep = z
  .object({
    id: StepId,
    type: z.literal("condition"),
    field: FieldPath,
    op: z.enum(["eq", "ne", "gt", "gte", "lt", "lte", "contains", "exists", "not_exists"]),
    value: z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]).optional(),
  })
  .strict()
  .openapi({ description: "When false, the run ends here (completed; later steps are skipped)." });

export const DelayStep = z
  .object({
    id: StepId,
    type: z.literal("delay"),
    duration: z
      .string()
      .regex(/^([1-9]\d{0,4}) (minute|hour|day)s?$/, "a duration such as `15 minutes`, `2 hours` or `3 days`")
      .refine((d) => !(durationMs(d) > 365 * 86_400_000), "at most 365 days"),
  })
  .strict();

/** Variables for the agent's prompt (or the campaign contact): each value a template. */
const Variables = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/), Template).default({});

export const OutboundCallStep = z
  .object({
    id: StepId,
    type: z.literal("outbound_call"),
    agent_id: z.string().regex(ID_PATTERNS.agent, "not a valid agent id"),
    from: zE164.openapi({ description: "One of the account's active numbers." }),
    to: Template.openapi({ description: "The callee: E.164 once rendered, usually a template such as `{{ event.phone }}`." }),
    consent_type: z.enum(["outbound_calls", "marketing"]).default("outbound_calls"),
    variables: Variables,
    machine_detection: z.boolean().default(true),
  })
  .strict()
  .openapi({ description: "Places one call through the same checks as `POST /v1/calls` (consent, do-not-call, calling hours, account status, concurrency, credit). A refusal fails the step (a full account is retried); the output is the call's id." });

export const AddToCampaignStep = z
  .object({
    id: StepId,
    type: z.literal("add_to_campaign"),
    campaign_id: z.string().regex(ID_PATTERNS.campaign, "not a valid campaign id"),
    phone: Template.openapi({ description: "E.164 once rendered, usually a template such as `{{ event.phone }}`." }),
    timezone: Template.optional().openapi({ description: "The callee's IANA zone once rendered (needed when the area code gives none)." }),
    variables: Variables,
  })
  .strict()
  .openapi({ description: "Appends a contact to one of the account's campaigns that is not completed or cancelled; a phone already in it is left as it is (`added: false`)." });

export const SmsStep = z
  .object({
    id: StepId,
    type: z.literal("sms"),
    to: Template.openapi({ description: "A template rendering to an E.164 number, e.g. `{{ event.from }}`." }),
    body: Template.openapi({ description: "The text (a template); at most 1600 characters once rendered." }),
  })
  .strict()
  .openapi({ description: "Texts `to` from the account's oldest active number through its Twilio account; output `{ message_sid, from }`." });

export const WorkflowStep = z.discriminatedUnion("type", [HttpStep, ActionStep, ConditionStep, DelayStep, OutboundCallStep, AddToCampaignStep, SmsStep]).openapi("WorkflowStep");
export type WorkflowStep = z.infer<typeof WorkflowStep>;

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
/** Milliseconds of a delay's duration (NaN for text that is not one). */
export function durationMs(duration: string): number {
  const match = /^(\d+) (minute|hour|day)s?$/.exec(duration);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : Number.NaN;
}

const CallFilters = {
  agent_ids: z.array(z.string().regex(ID_PATTERNS.agent, "not a valid agent id")).max(50).optional(),
  end_reasons: z.array(z.string().max(100)).max(50).optional(),
};

export const WorkflowTrigger = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("call.ended"), ...CallFilters }).strict(),
    z
      .object({
        type: z.literal("call.analyzed"),
        ...CallFilters,
        success: z.boolean().optional().openapi({ description: "Only analyses that succeeded (`true`) or did not (`false`): the analysis's `succeeded`." }),
        dispositions: z.array(z.string().max(100)).max(50).optional(),
        fields: z.record(z.string().max(100), z.union([z.string().max(1000), z.number(), z.boolean()])).optional().openapi({ description: "Structured-data fields that must equal these values." }),
      })
      .strict(),
    z
      .object({
        type: z.literal("schedule"),
        cron: z
          .string()
          .max(100)
          .superRefine((cron, ctx) => {
            try {
              if (nextRun(parseCron(cron), new Date()) === undefined) ctx.addIssue({ code: "custom", message: "this schedule never comes round" });
            } catch (error) {
              if (!(error instanceof CronError)) throw error;
              ctx.addIssue({ code: "custom", message: error.message });
            }
          })
          .openapi({ description: "Five-field cron, UTC (e.g. `0 9 * * 1-5`). Runs start from the platform's periodic job, so at most as often as its trigger (hourly)." }),
      })
      .strict(),
    z
      .object({
        type: z.literal("campaign.completed"),
        campaign_ids: z.array(z.string().regex(ID_PATTERNS.campaign, "not a valid campaign id")).max(50).optional().openapi({ description: "Only these campaigns (default: any of the account's)." }),
      })
      .strict(),
    z.object({ type: z.literal("manual") }).strict(),
  ])
  .openapi("WorkflowTrigger");
export type WorkflowTrigger = z.infer<typeof WorkflowTrigger>;

export const CreateWorkflow = z
  .object({
    name: displayName(200),
    enabled: z.boolean().default(true),
    trigger: WorkflowTrigger,
    steps: z
      .array(WorkflowStep)
      .min(1)
      .max(20)
      .superRefine((steps, ctx) => {
        const seen = new Set<string>();
        steps.forEach((step, i) => {
          if (seen.has(step.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `the step id "${step.id}" is used twice` });
          seen.add(step.id);
        });
      }),
  })
  .strict()
  .openapi("CreateWorkflow");

export const Workflow = z
  .object({
    id: z.string().openapi({ example: "WFL-7KQ2M9XD4H" }),
    name: z.string(),
    enabled: z.boolean(),
    trigger: WorkflowTrigger,
    steps: z.array(WorkflowStep),
    next_run_at: z.string().nullable().openapi({ description: "Schedule triggers: when the next run is due (UTC)." }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Workflow");

export const RUN_STATUSES = ["queued", "running", "sleeping", "completed", "failed", "cancelled"] as const;
export const STEP_STATUSES = ["pending", "running", "sleeping", "succeeded", "failed", "skipped", "cancelled"] as const;

export const WorkflowRunStep = z
  .object({
    position: z.number().int(),
    step_id: z.string(),
    type: z.string(),
    status: z.enum(STEP_STATUSES),
    input: z.record(z.string(), z.unknown()).openapi({ description: "The step as defined (its templates, not rendered values: runs keep no personal data)." }),
    output: z.unknown().openapi({ description: "An excerpt of the output: ids and statuses." }),
    attempts: z.number().int(),
    error: z.string().nullable(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi("WorkflowRunStep");

export const WorkflowRun = z
  .object({
    id: z.string().openapi({ example: "WFR-7KQ2M9XD4HTV" }),
    workflow_id: z.string(),
    status: z.enum(RUN_STATUSES),
    trigger_type: z.string(),
    trigger_event_id: z.string(),
    trigger_ref: z.record(z.string(), z.string()).openapi({ description: "Ids from the triggering event (call_id, agent_id, campaign_id)." }),
    error: z.string().nullable(),
    steps: z.array(WorkflowRunStep),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("WorkflowRun");

export const StartRun = z
  .object({ input: z.record(z.string(), z.unknown()).default({}).openapi({ description: "The run's `event` (manual workflows: any JSON object)." }) })
  .strict()
  .openapi("StartWorkflowRun");
export type ConditionStep = z.infer<typeof ConditionStep>;
export type OutboundCallStep = z.infer<typeof OutboundCallStep>;
export type AddToCampaignStep = z.infer<typeof AddToCampaignStep>;
