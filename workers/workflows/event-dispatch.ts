import { and, eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { calls } from "../../shared/db/schema.ts";
import { workflows } from "../../shared/db/workflows-schema.ts";
import type { WebhookEvent } from "../../shared/webhooks/event-catalogue.ts";
import { startRun } from "./run-starter.ts";
import { triggerMatches, type CallEventFacts } from "./trigger-match.ts";
import type { WorkflowTrigger } from "./workflow-schemas.ts";
import { callRecordsDbOf } from "../../shared/residency/residency.ts";

const TRIGGER_EVENTS = new Set(["call.ended", "call.analyzed", "campaign.completed"]);

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
  const facts = await eventFacts(env, event.account_id, event.data as Record<string, unknown>);
  // Call events give runs the person's number (`event.phone`), so a step can call them back.
  const data = facts.phone ? { ...(event.data as Record<string, unknown>), phone: facts.phone } : (event.data as Record<string, unknown>);
  const runs: string[] = [];
  for (const workflow of candidates) {
    if (!triggerMatches(workflow.trigger as WorkflowTrigger, facts)) continue;
    runs.push(await startRun(env, workflow, { eventId: event.id, eventType: event.type, event: data }));
  }
  return runs;
}

/**
 * What trigger filters read, and the person's number on a call event (the caller inbound, the callee outbound).
 * `call.analyzed` carries neither the end reason nor the numbers: they come from the call's row.
 */
async function eventFacts(env: Env, accountId: string, data: Record<string, unknown>): Promise<CallEventFacts & { phone: string | null }> {
  const call =
    typeof data.call_id === "string"
      ? await database(callRecordsDbOf(env, data.call_id)).select({ endReason: calls.endReason, direction: calls.direction, from: calls.fromNumber, to: calls.toNumber }).from(calls).where(and(eq(calls.id, data.call_id), eq(calls.accountId, accountId))).get()
      : undefined;
  const endReason = typeof data.end_reason === "string" ? data.end_reason : (call?.endReason ?? null);
  const direction = call?.direction ?? data.direction;
  const person = direction === "inbound" ? (call?.from ?? data.from) : (call?.to ?? data.to);
  return {
    campaign_id: typeof data.campaign_id === "string" ? data.campaign_id : null,
    agent_id: String(data.agent_id ?? ""),
    end_reason: endReason,
    succeeded: data.succeeded as boolean | null | undefined,
    disposition: data.disposition as string | null | undefined,
    structured_data: data.structured_data as Record<string, unknown> | null | undefined,
    phone: typeof person === "string" && person.startsWith("+") ? person : null,
  };
}
