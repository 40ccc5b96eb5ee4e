import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { writeCachedVersion } from "../../shared/agents/agent-config-cache.ts";
import type { StoredAgentConfig } from "../../shared/agents/stored-agent-config.ts";
import { AgentConfig } from "../../shared/schemas/agent-config.ts";
import type { AfterReply, Frame } from "../pipeline/frames.ts";
import { CallRuntime, type CallRuntimeHooks, type RuntimeDeadline } from "./call-runtime.ts";
import { CallStore, type CallMeta } from "./call-store.ts";

const SPEED = 100;
const deadlineFor = (chars: number) => (chars * 80 + 5_000) / SPEED;
/** Epoch milliseconds plus a fractional duration: compared with a hair of floating-point slack. */
const EPSILON = 0.01;

/**
 * A runtime inside a real call object, with the agent's config cached as published. Twilio never echoes a mark
 * here: whatever the agent says is sent but never confirmed as heard.
 */
async function withRuntime(config: Partial<Record<string, unknown>>, fn: (h: { runtime: CallRuntime; store: CallStore; ended: AfterReply[]; deadlines: Map<RuntimeDeadline, number> }) => Promise<void>) {
  const callId = `call_runtime_${crypto.randomUUID()}`;
  const meta: CallMeta = {
    callId,
    accountId: "acct_runtime",
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
  const parsed = AgentConfig.parse({ system_prompt: "Be brief.", first_message: "", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" }, max_call_duration_s: 60, ...config }) as StoredAgentConfig;
  await writeCachedVersion(env, { account_id: meta.accountId, agent_id: meta.agentId, version: 1, config: parsed });
  const ended: AfterReply[] = [];
  const deadlines = new Map<RuntimeDeadline, number>();
  const hooks: CallRuntimeHooks = {
    afterReply: (after) => void ended.push(after),
    startRecording: () => {},
    providerFailed: () => {},
    setDeadline: (name, at) => void deadlines.set(name, at),
    log: () => {},
  };
  const sink = { sendMedia: () => true, sendMark: () => true, sendClear: () => true };
  await runInDurableObject(env.CALL_SESSION.get(env.CALL_SESSION.idFromName(callId)), async (_instance, state) => {
    const store = new CallStore(state.storage.sql);
    store.put("meta", meta);
    const runtime = await CallRuntime.start({ ...env, CALL_CLOCK_SPEED: String(SPEED) }, store, sink, hooks);
    try {
      await fn({ runtime, store, ended, deadlines });
    } finally {
      await runtime.close("test_done");
    }
  });
}

describe("CallRuntime: a line that ends the call never waits forever", () => {
  it("the closing line (maximum duration) hangs up at its deadline even when it is never heard in full", async () => {
    await withRuntime({}, async ({ runtime, ended, deadlines }) => {
      const before = Date.now();
      runtime.onDeadline("call_timers"); // maximum duration: the closing line starts
      const closing = runtime.config.closing_message;
      const deadline = deadlines.get("hangup")!;
      expect(deadline - before).toBeGreaterThanOrEqual(deadlineFor(closing.length) - EPSILON);
      expect(deadline - Date.now()).toBeLessThanOrEqual(deadlineFor(closing.length) + EPSILON);
      runtime.onDeadline("call_timers"); // the call is already ending: no second closing line
      expect(ended).toEqual([]);
      runtime.onDeadline("hangup");
      runtime.onDeadline("hangup"); // once only
      expect(ended).toEqual([{ action: "hang_up", reason: "closing_deadline" }]);
      expect(runtime.pipeline.conversation.history.messages.filter((m) => m.role === "assistant")).toEqual([{ role: "assistant", content: [{ text: closing }] }]);
    });
  });

  it("a reply after end_call ('the call will end once you have finished speaking') gets the same hang-up deadline", async () => {
    await withRuntime({}, async ({ runtime, ended, deadlines }) => {
      const words = "Thanks for calling, goodbye!";
      // The conversation stage's output, as after the model called end_call: the reply, then hang up once heard.
      const emit = (frame: Frame) => (runtime.pipeline.conversation as unknown as { push(f: Frame): void }).push(frame);
      const turnId = 7;
      const before = Date.now();
      emit({ kind: "reply_delta", turnId, text: words });
      emit({ kind: "reply_done", turnId, after: { action: "hang_up", reason: "agent_ended" } });
      const deadline = deadlines.get("hangup")!;
      expect(deadline - before).toBeGreaterThanOrEqual(deadlineFor(words.length) - EPSILON);
      expect(deadline - Date.now()).toBeLessThanOrEqual(deadlineFor(words.length) + EPSILON);
      expect(ended).toEqual([]);
      runtime.onDeadline("hangup");
      expect(ended).toEqual([{ action: "hang_up", reason: "closing_deadline" }]);
    });
  });

  it("an apology never heard ends the call at its deadline, marked unheard (Twilio then says it)", async () => {
    await withRuntime({}, async ({ runtime, ended, deadlines }) => {
      runtime.apologise();
      expect(deadlines.has("hangup")).toBe(true);
      runtime.onDeadline("hangup");
      expect(ended).toEqual([{ action: "hang_up", reason: "apology_unheard" }]);
    });
  });
});

describe("CallRuntime: every fixed line carries its true purpose", () => {
  it("records each prompt's purpose (not 'greeting' for a hold line) in the call's events and metrics", async () => {
    await withRuntime({ first_message: "Hello!", recording: { enabled: true } }, async ({ runtime, store }) => {
      runtime.speak("hold_line", "Please hold while I connect you.");
      runtime.speak("return_line", "I'm back with you.");
      runtime.onDeadline("call_timers"); // over its maximum duration: the closing line
      const prompts = store
        .events()
        .filter((e) => e.type === "agent.prompt")
        .map((e) => (e.data as { purpose: string }).purpose);
      expect(prompts).toEqual(["disclosure", "greeting", "hold_line", "return_line", "closing"]);
      expect(runtime.metricsSnapshot().prompts).toEqual({ disclosure: 1, greeting: 1, hold_line: 1, return_line: 1, closing: 1 });
    });
  });
});
