import { env } from "cloudflare:workers";
import { database } from "../../shared/db/client.ts";
import { calls, callTurns } from "../../shared/db/schema.ts";
import { accountAnchor } from "../../shared/calls/call-records.ts";
import { newCallId } from "../../shared/ids.ts";
import { callRecordsDb, type Region } from "../../shared/residency/residency.ts";
import { api, type Tenant } from "../../test/workers/api-client.ts";

export const MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

/** An analysis config asking for everything, with answers the simulator's rules make exact. */
export const FULL_ANALYSIS = {
  structured_data: {
    type: "object",
    properties: {
      preferred_day: { type: "string", description: "The day the caller wants", example: "Tuesday" },
      party_size: { type: "integer", description: "How many people come" },
      new_patient: { type: "boolean", description: "Whether the caller is a new patient" },
      service: { type: "string", description: "What the visit is for", enum: ["cleaning", "filling", "checkup"] },
    },
    required: ["preferred_day", "service"],
  },
  success_evaluation: { type: "pass_fail", criteria: "An appointment was booked." },
  sentiment: true,
  disposition: { tags: ["booked", "callback", "other"] },
};

/** A published agent with this analysis config (undefined: none). */
export async function agentWithAnalysis(t: Tenant, analysis: unknown): Promise<{ id: string; version: number }> {
  const created = await api(t.key).post("/v1/agents", { name: "Front desk", config: { system_prompt: "Be brief.", llm: { model: MODEL }, ...(analysis ? { analysis } : {}) } });
  if (created.status !== 201) throw new Error(`agent: ${created.status} ${created.text}`);
  const published = await api(t.key).post(`/v1/agents/${created.json.id}/publish`);
  if (published.status !== 201) throw new Error(`publish: ${published.status} ${published.text}`);
  return { id: created.json.id, version: published.json.version };
}

/** A finished call with its transcript in its region's D1 (an EU account's: DB_EU), as the call's object leaves it. */
export async function finishedCall(
  t: Tenant,
  agent: { id: string; version: number },
  turns: ["caller" | "agent", string][],
  status: "completed" | "in-progress" = "completed",
  region: Region = "us",
): Promise<string> {
  const id = newCallId(region);
  const db = database(callRecordsDb(env, region));
  if (region === "eu") await accountAnchor(db, t.accountId).run();
  await db
    .insert(calls)
    .values({ id, accountId: t.accountId, agentId: agent.id, agentVersion: agent.version, direction: "inbound", fromNumber: "+14155550100", toNumber: "+16285550100", status, createdAt: new Date().toISOString() })
    .run();
  if (turns.length > 0) {
    await db
      .insert(callTurns)
      .values(turns.map(([role, text], seq) => ({ callId: id, seq, accountId: t.accountId, role, text, startedAt: new Date(Date.UTC(2026, 2, 1, 12, 0, seq)).toISOString() })))
      .run();
  }
  return id;
}

export const BOOKING_CALL: ["caller" | "agent", string][] = [
  ["agent", "Hi, Acme Dental, how can I help?"],
  ["caller", "I need a cleaning. My preferred day is Tuesday, and the party size is 3."],
  ["agent", "Tuesday at ten works. You are booked."],
  ["caller", "Great, thank you!"],
  ["agent", "See you then. Goodbye!"],
];

/** A finished call of an agent with the full analysis config: what `POST /v1/calls/{id}/analyze` accepts. */
export const analysableCall = async (t: Tenant) => finishedCall(t, await agentWithAnalysis(t, FULL_ANALYSIS), BOOKING_CALL);
