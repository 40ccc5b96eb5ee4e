import type { WorkflowTrigger } from "./workflow-schemas.ts";

/** The parts of an event the trigger filters read. */
export interface CallEventFacts {
  campaign_id?: string | null;
  agent_id: string;
  end_reason: string | null;
  succeeded?: boolean | null;
  disposition?: string | null;
  structured_data?: Record<string, unknown> | null;
}

/** Whether an event passes a workflow trigger's filters (every given filter must hold). */
export function triggerMatches(trigger: WorkflowTrigger, facts: CallEventFacts): boolean {
  if (trigger.type === "manual" || trigger.type === "schedule") return false;
  if (trigger.type === "campaign.completed") return !trigger.campaign_ids || (typeof facts.campaign_id === "string" && trigger.campaign_ids.includes(facts.campaign_id));
  if (trigger.agent_ids && !trigger.agent_ids.includes(facts.agent_id)) return false;
  if (trigger.end_reasons && (facts.end_reason === null || !trigger.end_reasons.includes(facts.end_reason))) return false;
  if (trigger.type === "call.ended") return true;
  if (trigger.success !== undefined && facts.succeeded !== trigger.success) return false;
  if (trigger.dispositions && (facts.disposition == null || !trigger.dispositions.includes(facts.disposition))) return false;
  for (const [field, wanted] of Object.entries(trigger.fields ?? {})) {
    const data = facts.structured_data ?? {};
    if (!Object.hasOwn(data, field) || data[field] !== wanted) return false;
  }
  return true;
}
