/**
 * The call's object restarts mid-call (a deploy or a crash), several turns in and without anyone reading its state
 * first: every turn already spoken survives in its storage, the stream reconnects, and the conversation goes on
 * with the model's history intact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../simulators/common/free-port.ts";
import { awaitingReplies, callerTurns, DEMO_SCENARIO, finalCall, startWorld, tenantFor, type CallWorld } from "./call-harness.ts";

let world: CallWorld;
beforeAll(async () => {
  world = await startWorld({ port: await freePort() });
}, 180_000);
afterAll(async () => world?.close());

// The longest scripted answer (~16 s of speech, ~5 s at the test's call clock): the restart, a reload of the whole
// Worker that takes seconds on a busy machine, still lands while it plays.
const HOURS = DEMO_SCENARIO.rules.find((r) => r.id === "hours")!.reply!.text!;

describe("an object restart mid-call", () => {
  let resumedHistory = "";
  let agentTexts: string[] = [];
  let cutReply: { text: string; interrupted: boolean } | undefined;
  let restartMs = 0;

  it("keeps the turns written just before it (tool call included) and resumes the conversation with them", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world);
    const twilio = world.platform.sims.twilio;
    const handle = await twilio.startInboundCall({
      to: tenant.number,
      // The caller waits for each reply's end mark, not for silence: the stream is down for seconds while the
      // Worker reloads, and words said then are lost, as on a real line.
      script: awaitingReplies({
        steps: [
          { waitForAgent: true },
          { say: "What's the weather like in Paris today?" },
          // The filler line, and the silence while the tool runs and its answer plays.
          { waitForAgent: true, waitSilenceMs: 1500 },
          { say: "What are your opening hours?" },
          // The answer is cut by the restart and never ends: the reply that ends is the resumed object's line.
          { waitForAgent: true, timeoutMs: 90_000 },
          { say: "Thanks, bye!" },
          { waitForAgent: true },
        ],
      }),
    });
    // Restart the moment the answer to the second question starts playing: its turn rows are at most a moment old.
    for (;;) {
      const turns = twilio.getCall(handle.callSid)?.turns ?? [];
      if (turns[1]?.firstAgentAudioMs != null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const restarting = Date.now();
    await world.platform.restart();
    restartMs = Date.now() - restarting;
    const recording = await handle.ended;
    const call = await finalCall(tenant, (c) => c.twilio_call_sid === handle.callSid, 30_000);
    const goodbye = world.platform.sims.bedrock.requests().findLast((r) => r.ruleId === "goodbye");
    // Says how the call ended when the resumed conversation never reached its goodbye.
    const story = `${call.status}/${call.end_reason}, reload ${restartMs} ms; turns ${JSON.stringify(call.turns.map((t) => `${t.role}: ${t.text.slice(0, 40)}`))}; events ${call.events.map((e) => e.type).join(", ")}`;
    if (!goodbye) throw new Error(`the resumed call never asked the model for its goodbye; ${story}`);
    resumedHistory = JSON.stringify((goodbye.body as any).messages);
    agentTexts = call.turns.filter((t) => t.role === "agent").map((t) => t.text);
    cutReply = call.turns.find((t) => t.role === "agent" && t.text.length > 0 && HOURS.startsWith(t.text));

    // The media stream was lost with the old object and reconnected to the new one.
    expect(recording.streams.length, story).toBeGreaterThanOrEqual(2);
    // Every turn from before the restart survived, the newest (the second question) included.
    expect(callerTurns(call).map((t) => t.text)).toEqual(["What's the weather like in Paris today?", "What are your opening hours?", "Thanks, bye!"]);
    const roles = call.turns.map((t) => `${t.role}:${t.role === "tool" ? JSON.parse(t.text).name : t.text.slice(0, 20)}`);
    expect(roles.slice(0, 5)).toEqual(["agent:Hi, thanks for calli", "caller:What's the weather l", "tool:get_weather", "agent:One moment while I c", "caller:What are your openin"]);
    // The resumed object's model request carries the conversation so far, and the call ends normally.
    for (const said of ["What's the weather like in Paris today?", "Right now in Paris it's sunny", "What are your opening hours?"]) expect(resumedHistory).toContain(said);
    expect(agentTexts.at(-1), story).toBe("You're welcome. Have a great day, goodbye!");
    expect(call.status).toBe("completed");
  }, 90_000);

  it("the resumed model history keeps the tool round: the lookup and its result, under one toolUseId", () => {
    const messages = JSON.parse(resumedHistory) as { role: string; content: Record<string, any>[] }[];
    const use = messages.flatMap((m) => m.content).find((b) => b.toolUse)?.toolUse;
    expect(use).toMatchObject({ name: "get_weather", input: { city: "Paris" } });
    const at = messages.findIndex((m) => m.content.some((b) => b.toolUse?.toolUseId === use.toolUseId));
    expect(messages[at]!.role).toBe("assistant");
    const result = messages[at + 1]!.content.find((b) => b.toolResult)?.toolResult;
    expect(messages[at + 1]!.role).toBe("user");
    expect(result).toMatchObject({ toolUseId: use.toolUseId, status: "success" });
    expect(JSON.stringify(result.content)).toContain("Paris");
  });

  it("the reply cut by the restart is stored with the words sent to the caller, not as an empty agent turn", () => {
    expect(agentTexts).not.toContain("");
    expect(cutReply, `the reload took ${restartMs} ms`).toMatchObject({ interrupted: true });
  });
});
