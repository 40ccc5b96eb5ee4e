import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { writeCachedVersion } from "../../shared/agents/agent-config-cache.ts";
import type { StoredAgentConfig } from "../../shared/agents/stored-agent-config.ts";
import { APOLOGY_LINE } from "../../shared/calls/call-lines.ts";
import { AgentConfig } from "../../shared/schemas/agent-config.ts";
import type { AfterReply } from "../pipeline/frames.ts";
import { ProviderError } from "../providers/provider-types.ts";
import { CallRuntime } from "./call-runtime.ts";
import { CallStore, type CallMeta } from "./call-store.ts";
import { providerFailed } from "./provider-failure.ts";
import type { StreamExit } from "./stream-exit.ts";

/** A live runtime in a real call object, its hooks recorded; the provider failure arrives through its `providerFailed` hook. */
async function failingCall(provider: ProviderError["provider"], streamLive = true) {
  const callId = `call_failure_${crypto.randomUUID()}`;
  const meta: CallMeta = { callId, accountId: "acct_failure", agentId: `agent_${callId}`, agentVersion: 1, direction: "inbound", from: "+15005550006", to: "+15005550001", callSid: null, createdAt: new Date().toISOString(), publicBaseUrl: "https://voice.example.com" };
  const config = AgentConfig.parse({ system_prompt: "Be brief.", first_message: "", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } }) as StoredAgentConfig;
  await writeCachedVersion(env, { account_id: meta.accountId, agent_id: meta.agentId, version: 1, config });
  const after: AfterReply[] = [];
  const exits: StreamExit[] = [];
  return runInDurableObject(env.CALL_SESSION.get(env.CALL_SESSION.idFromName(callId)), async (_i, state) => {
    const store = new CallStore(state.storage.sql);
    store.put("meta", meta);
    let runtime: CallRuntime | undefined;
    const call = { store, get runtime() { return runtime; }, streamLive, endStream: (exit: StreamExit) => void exits.push(exit), log: () => {} };
    runtime = await CallRuntime.start({ ...env, CALL_CLOCK_SPEED: "100" }, store, { sendMedia: () => true, sendMark: () => true, sendClear: () => true }, {
      afterReply: (a) => void after.push(a),
      startRecording: () => {},
      providerFailed: (error) => providerFailed(error, call),
      setDeadline: () => {},
      log: () => {},
    });
    try {
      // The stage reports the permanent failure the way every stage does: through the runtime's providerFailed hook.
      (runtime.pipeline as unknown as { opts: { onProviderFailure(e: ProviderError): void } }).opts.onProviderFailure(new ProviderError(provider, `${provider} cannot be reopened`, false));
      const prompts = store.events().filter((e) => e.type === "agent.prompt").map((e) => (e.data as { purpose: string }).purpose);
      const said = runtime.pipeline.conversation.history.messages.filter((m) => m.role === "assistant");
      runtime.onDeadline("hangup"); // never heard in full here (no marks): the hang-up deadline still ends it
      return { endReason: store.get<string>("endReason"), prompts, said, after, exits, events: store.events().map((e) => e.type) };
    } finally {
      await runtime.close("test_done");
    }
  });
}

describe("a permanent provider failure, whichever provider, takes the apology path", () => {
  for (const provider of ["deepgram-stt", "bedrock"] as const) {
    it(`${provider}: the agent apologises in its own voice, then the call hangs up as apology`, async () => {
      const r = await failingCall(provider);
      expect(r.events).toContain("provider.failed");
      expect(r.endReason).toBe("apology");
      expect(r.prompts).toEqual(["apology"]);
      expect(r.said).toEqual([{ role: "assistant", content: [{ text: APOLOGY_LINE }] }]);
      expect(r.exits).toEqual([]); // the stream stays up for the apology
      expect(r.after).toEqual([{ action: "hang_up", reason: "apology_unheard" }]);
    });
  }

  it("deepgram-tts: the agent cannot speak, so the stream ends at once and Twilio says the apology", async () => {
    const r = await failingCall("deepgram-tts");
    expect(r.endReason).toBe("apology");
    expect(r.prompts).toEqual([]);
    expect(r.exits).toEqual([{ kind: "apology" }]);
  });
});
