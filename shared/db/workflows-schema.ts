import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { accounts } from "./schema.ts";

/**
 * The D1 tables of the automation engine (workers/workflows/) and of integrations (workers/integrations/), apart
 * from schema.ts; drizzle-kit reads every shared/db/*schema.ts. Runs execute on Cloudflare Workflows, which holds
 * ids only; these rows are what runs work from and what the API shows of them. Step inputs are the step's definition
 * (templates, never rendered values); the event and outputs are here too, so an erasure reaches all of a run in D1.
 */
export const workflows = sqliteTable(
  "workflows",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    name: text("name").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    trigger: text("trigger", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    // Denormalised from `trigger` so the dispatch on an event reads only the account's workflows of that type.
    triggerType: text("trigger_type").notNull(),
    steps: text("steps", { mode: "json" }).$type<Record<string, unknown>[]>().notNull(),
    // Schedule triggers: the next instant the scheduled job starts a run.
    nextRunAt: text("next_run_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    // Where Twilio reaches the platform for calls the runs place (the saving request's public URL; PUBLIC_BASE_URL wins);
    // added after updated_at.
    publicBaseUrl: text("public_base_url"),
  },
  (t) => [index("workflows_account").on(t.accountId, t.createdAt), index("workflows_trigger").on(t.accountId, t.triggerType), index("workflows_next_run").on(t.nextRunAt)],
);

export const workflowRuns = sqliteTable(
  "workflow_runs",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    workflowId: text("workflow_id").notNull(),
    // The event that started it (`manual`, `schedule:<instant>` or a webhook event id): one run per workflow and event.
    triggerEventId: text("trigger_event_id").notNull(),
    triggerType: text("trigger_type").notNull(),
    // Ids the event refers to (call_id, agent_id, campaign_id), kept for the listing; never the event's personal data.
    triggerRef: text("trigger_ref", { mode: "json" }).$type<Record<string, string>>().notNull(),
    status: text("status", { enum: ["queued", "running", "sleeping", "completed", "failed", "cancelled"] }).notNull(),
    error: text("error"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    finishedAt: text("finished_at"),
    // The triggering event's data, read by the steps at step time: it never enters the engine's run state, so an
    // erasure reaches it here (added after finished_at).
    event: text("event", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [uniqueIndex("workflow_runs_event").on(t.workflowId, t.triggerEventId), index("workflow_runs_workflow").on(t.accountId, t.workflowId, t.createdAt)],
);

export const workflowRunSteps = sqliteTable(
  "workflow_run_steps",
  {
    runId: text("run_id").notNull(),
    position: integer("position").notNull(),
    stepId: text("step_id").notNull(),
    type: text("type").notNull(),
    status: text("status", { enum: ["pending", "running", "sleeping", "succeeded", "failed", "skipped", "cancelled"] }).notNull(),
    input: text("input", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    output: text("output", { mode: "json" }).$type<unknown>(),
    attempts: integer("attempts").notNull(),
    error: text("error"),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
  },
  (t) => [uniqueIndex("workflow_run_steps_position").on(t.runId, t.position)],
);

/**
 * An `outbound_call` step's dial, recorded before Twilio is asked (Twilio's Calls API has no idempotency key): a
 * retried step finds its call here, on the call's row or in Twilio's call list instead of dialling again. Ids only.
 */
export const workflowDialIntents = sqliteTable("workflow_dial_intents", {
  runId: text("run_id").notNull(),
  position: integer("position").notNull(),
  callId: text("call_id").notNull(),
  intentAt: integer("intent_at").notNull(),
  // Set once Twilio's answer (or its call list) gave the call's sid.
  callSid: text("call_sid"),
}, (t) => [primaryKey({ columns: [t.runId, t.position] })]);

/** A tenant's connection to an integration: its credentials sealed with the key ring (bound to account and integration). */
export const integrationConnections = sqliteTable(
  "integration_connections",
  {
    accountId: text("account_id").notNull().references(() => accounts.id),
    integration: text("integration").notNull(),
    status: text("status", { enum: ["connected", "broken"] }).notNull(),
    credentials: text("credentials", { mode: "json" }).$type<{ keyId: string; ciphertext: string }>().notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("integration_connections_account").on(t.accountId, t.integration)],
);
