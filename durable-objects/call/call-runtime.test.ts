import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { writeCachedVersion } from "../../shared/agents/agent-config-cache.ts";
import type { StoredAgentConfig } from "../../shared/agents/stored-agent-config.ts";
import { AgentConfig } from "../../shared/schemas/agent-config.ts";
import type { AfterReply } from "../pipeline/frames.ts";
import { CallRuntime, type CallRuntimeHooks } from "./call-runtime.ts";
import { CallStore, type CallMeta } from "./call-store.ts";

const SPEED = 100;

describe("CallRuntime closing line", () => {
  it("hangs up at the closing deadline even when the closing line is never heard in full", async () => {
    const callId = `call_closing_${crypto.randomUUID()}`;
    const meta: CallMeta = {
      callId,
      accountId: "acct_closing",
      agentId: `agent_${callId}`,
      agentVersion: 1,
      direction: "inbound",
      from: "+15005550006",
      to: "+15005550001",
      callSid: null,
      // The call started long ago: its maximum duration is already over.
      createdAt: new Date(Date.now() - 3_600_000).toISOString(),
      publicBaseUrl: "https://voice.example.com",
    };
    const config = AgentConfig.parse({ system_prompt: "Be brief.", first_message: "", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" }, max_call_duration_s: 60 }) as StoredAgentConfig;
    await writeCachedVersion(env, { account_id: meta.accountId, agent_id: meta.agentId, version: 1, config });
    const ended: AfterReply[] = [];
    const alarms: number[] = [];
    const hooks: CallRuntimeHooks = {
      afterReply: (after) => void ended.push(after),
      startRecording: () => {},
      providerFailed: () => {},
      setAlarm: (at) => void alarms.push(at),
      log: () => {},
    };
    // Twilio never echoes a mark here: the closing line is sent but never confirmed as heard.
    const sink = { sendMedia: () => true, sendMark: () => true, sendClear: () => true };
    await runInDurableObject(env.CALL_SESSION.get(env.CALL_SESSION.idFromName(callId)), async (_instance, state) => {
      const store = new CallStore(state.storage.sql);
      store.put("meta", meta);
      const runtime = await CallRuntime.start({ ...env, CALL_CLOCK_SPEED: String(SPEED) }, store, sink, hooks);
      try {
        const before = Date.now();
        runtime.onAlarm(); // maximum duration: the closing line starts
        const after = Date.now();
        const deadline = alarms.at(-1)!;
        const expected = (config.closing_message.length * 80 + 5_000) / SPEED;
        // Set `expected` ms from the moment the line started, whenever this busy machine ran it.
        expect(deadline).toBeGreaterThanOrEqual(before + Math.floor(expected));
        expect(deadline).toBeLessThanOrEqual(after + expected);
        runtime.onAlarm(); // too early: the line may still be playing
        expect(ended).toEqual([]);
        expect(alarms.at(-1)).toBe(deadline);
        await vi.waitFor(() => expect(Date.now()).toBeGreaterThanOrEqual(deadline), { timeout: 2_000, interval: 20 });
        runtime.onAlarm();
        runtime.onAlarm(); // once only
        expect(ended).toEqual([{ action: "hang_up", reason: "closing_deadline" }]);
        expect(runtime.pipeline.conversation.history.messages.at(-1)).toEqual({ role: "assistant", content: [{ text: config.closing_message }] });
      } finally {
        await runtime.close("test_done");
      }
    });
  });
});
