/**
 * The call's object restarts mid-call (a deploy or a crash), several turns in and without anyone reading its state
 * first: every turn already spoken survives in its storage, the stream reconnects, and the conversation goes on
 * with the model's history intact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../simulators/common/free-port.ts";
import { callerTurns, DEMO_SCENARIO, finalCall, startWorld, tenantFor, type CallWorld } from "./call-harness.ts";

let world: CallWorld;
beforeAll(async () => {
  world = await startWorld({ port: await freePort() });
}, 90_000);
afterAll(async () => world?.close());

const SATURDAY = DEMO_SCENARIO.rules.find((r) => r.id === "saturday")!.reply!.text!;

describe("an object restart mid-call", () => {
  let resumedHistory = "";
  let agentTexts: string[] = [];
  let cutReply: { text: string; interrupted: boolean } | undefined;

  it("keeps the turns written just before it (tool call included) and resumes the conversation with them", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world);
    const twilio = world.platform.sims.twilio;
    const handle = await twilio.startInboundCall({
      to: tenant.number,
      script: {
        steps: [
          { waitForAgent: true },
          { say: "What's the weather like in Paris today?" },
          { waitForAgent: true, waitSilenceMs: 1500 },
          { say: "Are you open on Saturday?" },
          { waitForAgent: true },
          { pause: 3000 },
          { say: "Thanks, bye!" },
          { waitForAgent: true },
        ],
      },
    });
    // Restart the moment the answer to the second question starts playing: its turn rows are at most a moment old.
    for (;;) {
      const turns = twilio.getCall(handle.callSid)?.turns ?? [];
      if (turns[1]?.firstAgentAudioMs != null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await world.platform.restart();
    const recording = await handle.ended;
    const call = await finalCall(tenant, (c) => c.twilio_call_sid === handle.callSid, 30_000);
    const goodbye = world.platform.sims.bedrock.requests().findLast((r) => r.ruleId === "goodbye")!;
    resumedHistory = JSON.stringify((goodbye.body as any).messages);
    agentTexts = call.turns.filter((t) => t.role === "agent").map((t) => t.text);
    cutReply = call.turns.find((t) => t.role === "agent" && t.text.length > 0 && SATURDAY.startsWith(t.text));

    // The media stream was lost with the old object and reconnected to the new one.
    expect(recording.streams.length).toBeGreaterThanOrEqual(2);
    // Every turn from before the restart survived, the newest (the second question) included.
    expect(callerTurns(call).map((t) => t.text)).toEqual(["What's the weather like in Paris today?", "Are you open on Saturday?", "Thanks, bye!"]);
    const roles = call.turns.map((t) => `${t.role}:${t.role === "tool" ? JSON.parse(t.text).name : t.text.slice(0, 20)}`);
    expect(roles.slice(0, 5)).toEqual(["agent:Hi, thanks for calli", "caller:What's the weather l", "tool:get_weather", "agent:One moment while I c", "caller:Are you open on Satu"]);
    // The resumed object's model request carries the conversation so far, and the call ends normally.
    for (const said of ["What's the weather like in Paris today?", "Right now in Paris it's sunny", "Are you open on Saturday?"]) expect(resumedHistory).toContain(said);
    expect(agentTexts.at(-1)).toBe("You're welcome. Have a great day, goodbye!");
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
    expect(cutReply).toMatchObject({ interrupted: true });
  });
});
