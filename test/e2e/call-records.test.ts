/**
 * What a finished call leaves behind, read straight from the local D1 database the Worker writes (not through the
 * API): the call row, every turn with its latency fields, and the usage event the queue consumer recorded.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SCENARIO, placeInboundCall, startWorld, tenantFor, type CallWorld } from "./call-harness.ts";

let world: CallWorld;
const persistDir = mkdtempSync(join(tmpdir(), "call-records-"));
beforeAll(async () => {
  world = await startWorld({ persistDir });
}, 180_000);
afterAll(async () => {
  await world?.close();
  rmSync(persistDir, { recursive: true, force: true });
});

/** The local D1 database file (miniflare keeps one SQLite file per database under v3/d1). */
/** The Worker's main D1 (`DB`): of the local databases (`DB`, and `DB_EU` for EU call records), the one holding named accounts. */
function d1(): DatabaseSync {
  const dir = join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sqlite"))) {
    const db = new DatabaseSync(join(dir, file), { readOnly: true });
    // DB_EU keeps id-only account rows (empty name) for its records' foreign key.
    if (db.prepare("SELECT 1 FROM accounts WHERE name != '' LIMIT 1").get()) return db;
    db.close();
  }
  throw new Error(`no D1 database with accounts under ${dir}`);
}

async function poll<T>(read: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
/** The seven per-turn timestamps and the spans derived from them (durable-objects/pipeline/turn-metrics.ts). */
const TIMING_KEYS = [
  ...["speech_end_ms", "stt_final_ms", "llm_request_ms", "llm_first_token_ms", "first_chunk_to_tts_ms", "tts_first_byte_ms", "first_audio_sent_ms"],
  ...["stt_ms", "llm_ttft_ms", "tts_ttfb_ms", "voice_to_voice_ms", "platform_overhead_ms"],
];

describe("a finished call in D1 and on the usage queue", () => {
  it("writes the call row, every turn with its latency fields, and a usage event with every usage field", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world);
    const { call } = await placeInboundCall(world, tenant, {
      steps: [{ waitForAgent: true }, { say: "What's the weather like in Paris today?" }, { waitForAgent: true, waitSilenceMs: 1500 }, { say: "Are you open on Saturday?" }, { waitForAgent: true }, { say: "Thanks, bye!" }, { waitForAgent: true }],
    });
    const db = d1();
    try {
      const row = db.prepare("SELECT * FROM calls WHERE id = ?").get(call.id) as Record<string, any>;
      expect(row).toMatchObject({ account_id: tenant.accountId, agent_id: tenant.agentId, direction: "inbound", status: "completed", end_reason: "twilio:completed" });
      expect(row.duration_seconds).toBeGreaterThan(0);
      expect(row.ended_at).toEqual(expect.any(String));
      expect(JSON.parse(row.metrics)).toMatchObject({ stt: expect.any(Object), tts: expect.any(Object), playback: expect.any(Object) });

      const turns = db.prepare("SELECT * FROM call_turns WHERE call_id = ? ORDER BY seq").all(call.id) as Record<string, any>[];
      // Exactly the turns the API shows, in order, each stored once.
      expect(turns.map((t) => [t.role, t.text])).toEqual(call.turns.map((t) => [t.role, t.text]));
      expect(turns.map((t) => t.seq)).toEqual(turns.map((_, i) => turns[0]!.seq + i));
      expect(turns.map((t) => t.role)).toEqual(["agent", "caller", "tool", "agent", "caller", "agent", "caller", "agent", "tool"]);
      // Every answer to the caller has its latency breakdown in the row: the marks and the derived columns.
      const answers = turns.filter((t, i) => t.role === "agent" && turns[i - 1]?.role !== undefined);
      expect(answers).toHaveLength(3);
      for (const answer of answers) {
        const timings = JSON.parse(answer.timings);
        for (const key of TIMING_KEYS) expect(timings[key], `${key} of "${answer.text}"`).toEqual(expect.any(Number));
        expect(answer.voice_to_voice_ms).toBe(timings.voice_to_voice_ms);
        expect(answer.platform_overhead_ms).toBe(timings.platform_overhead_ms);
        expect(answer.started_at).toEqual(expect.any(String));
      }

      // The queue consumer turned the call's usage message into one usage_events row (at-least-once, recorded once).
      const usageRow = await poll(() => db.prepare("SELECT * FROM usage_events WHERE call_id = ?").get(call.id) as Record<string, any> | undefined, "the usage event");
      expect(usageRow).toMatchObject({ account_id: tenant.accountId, duration_seconds: row.duration_seconds, ended_at: row.ended_at });
      const usage = JSON.parse(usageRow.usage);
      expect(usage).toMatchObject(JSON.parse(row.usage)); // the event may carry more (e.g. where the duration came from)
      expect(usage).toMatchObject({ tool_calls: 2, tts_characters: expect.any(Number) });
      for (const key of ["caller_audio_seconds", "agent_audio_seconds", "stt_seconds", "tts_characters"]) expect(usage[key], key).toBeGreaterThan(0);
      expect(Object.keys(usage.llm)).toEqual([HAIKU]);
      expect(usage.llm[HAIKU]).toEqual({ requests: 4, input_tokens: expect.any(Number), output_tokens: expect.any(Number), cache_read_tokens: expect.any(Number), cache_write_tokens: expect.any(Number), estimated_requests: 0 });
      expect(usage.llm[HAIKU].input_tokens).toBeGreaterThan(0);
      expect(usage.llm[HAIKU].output_tokens).toBeGreaterThan(0);
      expect((db.prepare("SELECT COUNT(*) AS n FROM usage_events WHERE call_id = ?").get(call.id) as { n: number }).n).toBe(1);
    } finally {
      db.close();
    }
  }, 60_000);
});
