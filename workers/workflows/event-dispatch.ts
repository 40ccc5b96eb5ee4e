import { and, eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { calls } from "../../shared/db/schema.ts";
import { workflows } from "../../shared/db/workflows-schema.ts";
import type { WebhookEvent } from "../../shared/webhooks/event-catalogue.ts";
import { startRun } from "./run-starter.ts";
import { triggerMatches, type CallEventFacts } from "./trigger-match.ts";
import type { WorkflowTrigger } from "./workflow-schemas.ts";

const TRIGGER_EVENTS = new Set(["call.ended", "call.analyzed"]);

/**
 * Starts the account's enabled workflows whose trigger an event matches. Called by the `webhook-events` consumer
 * for every event, so workflows see exactly the events webhooks do; a redelivered event starts no second run.
 */
export async function dispatchWorkflows(env: Env, event: WebhookEvent): Promise<string[]> {
  if (!TRIGGER_EVENTS.has(event.type)) return [];
  const db = database(env.DB);
  const candidates = await db
    .select()
    .from(workflows)
    .where(and(eq(workflows.accountId, event.account_id), eq(workflows.triggerType, event.type), eq(workflows.enabled, true)))
    .all();
  if (candidates.length === 0) return [];
  const data = event.data as Record<string, unknown>;
  const facts = await callFacts(env, event.account_id, data);
  const runs: string[] = [];
  for (const workflow of candidates) {
    if (!triggerMatches(workflow.trigger as WorkflowTrigger, facts)) continue;
    runs.push(await startRun(env, workflow, { eventId: event.id, eventType: event.type, event: data }));
  }
  return runs;
}

/** `call.analyzed` does not carry the end reason: it comes from the call's row. */
async function callFacts(env: Env, accountId: string, data: Record<string, unknown>): Promise<CallEventFacts> {
  let endReason = typeof data.end_reason === "string" ? data.end_reason : null;
  if (endReason === null && typeof data.call_id === "string") {
    const call = await database(env.DB).select({ endReason: calls.endReason }).from(calls).where(and(eq(calls.id, data.call_id), eq(calls.accountId, accountId))).get();
    endReason = call?.endReason ?? null;
  }
  return {
    agent_id: String(data.agent_id ?? ""),
    end_reason: endReason,
    succeeded: data.succeeded as boolean | null | undefined,
    disposition: data.disposition as string | null | undefined,
    structured_data: data.structured_data as Record<string, unknown> | null | undefined,
  };
}
