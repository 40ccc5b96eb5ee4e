import { and, eq, inArray } from "drizzle-orm";
import { liveAgentVersion } from "../../shared/agents/live-agent.ts";
import { database } from "../../shared/db/client.ts";
import { campaigns } from "../../shared/db/campaigns-schema.ts";
import { phoneNumbers } from "../../shared/db/schema.ts";
import type { ProblemIssue } from "../api/problem.ts";
import type { WorkflowStep, WorkflowTrigger } from "./workflow-schemas.ts";

const ENDED_CAMPAIGN = new Set(["completed", "cancelled"]);

/**
 * What a workflow names in the account, checked at save: its campaigns (existing; a step's not ended), its call
 * steps' agents (live) and caller IDs (active numbers). Another tenant's ids are as unknown as missing ones.
 */
export async function referenceIssues(env: Env, accountId: string, trigger: WorkflowTrigger, steps: readonly WorkflowStep[]): Promise<ProblemIssue[]> {
  const db = database(env.DB);
  const named = [...(trigger.type === "campaign.completed" ? (trigger.campaign_ids ?? []) : []), ...steps.flatMap((s) => (s.type === "add_to_campaign" ? [s.campaign_id] : []))];
  const found = named.length === 0 ? [] : await db.select({ id: campaigns.id, state: campaigns.state }).from(campaigns).where(and(eq(campaigns.accountId, accountId), inArray(campaigns.id, [...new Set(named)]))).all();
  const stateOf = new Map(found.map((c) => [c.id, c.state]));
  const issues: ProblemIssue[] = [];
  if (trigger.type === "campaign.completed") {
    trigger.campaign_ids?.forEach((id, i) => {
      if (!stateOf.has(id)) issues.push({ path: `trigger.campaign_ids.${i}`, message: `no campaign ${id} in this account`, code: "unknown_campaign" });
    });
  }
  for (const [i, step] of steps.entries()) {
    if (step.type === "add_to_campaign") {
      const state = stateOf.get(step.campaign_id);
      if (state === undefined) issues.push({ path: `steps.${i}.campaign_id`, message: `no campaign ${step.campaign_id} in this account`, code: "unknown_campaign" });
      else if (ENDED_CAMPAIGN.has(state)) issues.push({ path: `steps.${i}.campaign_id`, message: `the campaign is ${state}: it takes no more contacts`, code: "campaign_ended" });
    }
    if (step.type === "outbound_call") {
      if (!(await liveAgentVersion(env, accountId, step.agent_id))) issues.push({ path: `steps.${i}.agent_id`, message: "the agent does not exist, is archived, or was never published", code: "unknown_agent" });
      const number = await db.select({ id: phoneNumbers.id }).from(phoneNumbers).where(and(eq(phoneNumbers.accountId, accountId), eq(phoneNumbers.e164, step.from), eq(phoneNumbers.status, "active"))).get();
      if (!number) issues.push({ path: `steps.${i}.from`, message: "not one of this account's active numbers", code: "unknown_number" });
    }
  }
  return issues;
}
