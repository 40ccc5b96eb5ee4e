import type { PgDatabase } from "../../shared/pg/client.ts";
import { callFacts, turnFacts } from "../../shared/pg/schema.ts";
import { analyticsSettings } from "./analytics-settings.ts";
import { rollUpCall } from "./rollups.ts";

export interface SeededCall {
  callId?: string;
  startedAt: string;
  agentId?: string;
  agentVersion?: number;
  direction?: "inbound" | "outbound";
  durationS?: number;
  costMinor?: number;
  endReason?: string;
  /** The call's post-call success verdict (none when omitted). */
  succeeded?: boolean | null;
  /** Agent turns' voice-to-voice ms; `stt` their speech-to-text ms (one per turn where given). */
  v2v?: number[];
  stt?: number[];
}

/**
 * Facts and rollups as the usage consumer leaves them (workers/analytics/call-facts.ts), with figures a test can add
 * up by hand, in `db`; the account's zone is read from `billing` (the global database). Plain Postgres, no Worker
 * bindings: the Workers tests (testing-fixtures.ts) and the Node scripts' tests share it.
 */
export async function seedFactsIn(db: PgDatabase, billing: PgDatabase, accountId: string, seededCalls: SeededCall[]): Promise<void> {
  for (const c of seededCalls) {
    const callId = c.callId ?? `CAL-${crypto.randomUUID()}`;
    const v2v = c.v2v ?? [];
    await db.insert(callFacts).values({
      accountId,
      callId,
      agentId: c.agentId ?? "AGT-AAAAAAAAAA",
      agentVersion: c.agentVersion ?? 1,
      number: "+16285550100",
      direction: c.direction ?? "inbound",
      startedAt: new Date(c.startedAt),
      endedAt: new Date(Date.parse(c.startedAt) + (c.durationS ?? 60) * 1000),
      durationS: c.durationS ?? 60,
      endReason: c.endReason ?? "caller_hangup",
      costMinor: c.costMinor ?? 0,
      currency: "USD",
      turns: v2v.length * 2,
      interruptions: 0,
      toolCalls: 0,
      providerFailures: 0,
      succeeded: c.succeeded ?? null,
      analysisVersion: c.succeeded === undefined ? null : 1,
    });
    // Each agent turn answers a caller turn, whose latency fields are empty: percentiles must skip them.
    const turns = v2v.flatMap((ms, i) => [
      { accountId, callId, turn: 2 * i + 1, role: "caller" as const, startedAt: new Date(c.startedAt), interrupted: false },
      { accountId, callId, turn: 2 * i + 2, role: "agent" as const, startedAt: new Date(c.startedAt), interrupted: false, voiceToVoiceMs: ms, sttMs: c.stt?.[i] ?? null },
    ]);
    if (turns.length) await db.insert(turnFacts).values(turns);
    await rollUpCall(db, accountId, callId, async () => (await analyticsSettings(billing, accountId)).timeZone);
  }
}
