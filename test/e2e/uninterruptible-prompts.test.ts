import { describe, expect, it } from "vitest";
import { agentTurns, callerTurns, conversationRequests, DEMO_SCENARIO, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

/**
 * Lines the caller must hear in full: the closing line (the hang-up follows it) and the recording disclosure
 * (recording starts after it). A caller talking over them must neither cut them short nor stop what follows.
 */
const world = worldPerFile();

const CLOSING = "Thank you for calling Acme Dental. We are ending the call now, have a wonderful day. Goodbye!";
const DISCLOSURE = "This call is recorded for quality and training purposes, so that we can keep improving our service.";

describe("uninterruptible prompts end to end", () => {
  it("the closing line plays in full over a caller barging in, and the call still hangs up", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world, { silence_timeout_s: 3, silence_reprompts: 0, closing_message: CLOSING });
    const modelCalls = conversationRequests(world).length;
    const { recording, call } = await placeInboundCall(world, tenant, {
      // Greeting, then silence until the agent gives up; the caller talks over its closing line.
      steps: [{ waitForAgent: true }, { say: "Wait, wait, I still have a question about my bill", interruptAfterMs: 600 }, { pause: 20_000 }],
    });
    expect(recording.clears).toHaveLength(0);
    const closing = agentTurns(call).at(-1)!;
    expect(closing).toMatchObject({ text: CLOSING, interrupted: false });
    // The caller was heard and transcribed, but the call was ending: the model was not asked.
    expect(callerTurns(call).map((t) => t.text)).toEqual(["Wait, wait, I still have a question about my bill"]);
    expect(conversationRequests(world).length).toBe(modelCalls);
    // The platform hung up (the scripted caller would have stayed on the line for another 20 s of call time).
    expect(recording.endReason).not.toBe("caller-hangup");
    expect(call.status).toBe("completed");
    expect(call.events.map((e) => e.type)).toContain("stream.exit");
    expect(call.events.find((e) => e.type === "stream.exit")!.data).toMatchObject({ kind: "hangup", reason: "closing" });
  }, 90_000);

  it("the recording disclosure plays in full over a caller barging in; recording starts; the caller is answered after", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world, { recording: { enabled: true, disclosure: DISCLOSURE } });
    const { recording, call } = await placeInboundCall(world, tenant, {
      steps: [
        { say: "Hi, what are your opening hours?", interruptAfterMs: 800 },
        // Two replies end before the caller goes on: the disclosure, then the answer (the greeting gives way).
        { waitForAgent: true, replies: 2 },
        { say: "Thank you, bye!" },
        { waitForAgent: true },
      ],
    });
    const agent = agentTurns(call);
    expect(agent[0]).toMatchObject({ text: DISCLOSURE, interrupted: false });
    // The only thing cut is the greeting queued behind the disclosure, giving way to the question already asked
    // (cut before a whole word was heard, it leaves no turn at all).
    expect(recording.clears.length).toBeLessThanOrEqual(1);
    const greeting = "Hi, thanks for calling Acme Dental. How can I help you today?";
    expect(agent.filter((t) => t.interrupted).every((t) => greeting.startsWith(t.text))).toBe(true);
    expect(agent.filter((t) => !t.interrupted).map((t) => t.text.slice(0, 10))).toEqual([DISCLOSURE.slice(0, 10), "Of course.", "You're wel"]);
    // Recording started once the disclosure had been heard in full.
    const started = (call as Record<string, any>).events.find((e: { type: string }) => e.type === "recording.started") as { at: string } | undefined;
    expect(started).toBeDefined();
    expect(Date.parse(started!.at)).toBeGreaterThanOrEqual(Date.parse((agent[0] as Record<string, any>).ended_at));
    expect(callerTurns(call)[0]!.text).toBe("Hi, what are your opening hours?");
    // Said during the disclosure, answered after it.
    expect(agent.some((t) => t.text.startsWith("Of course. We're open Monday to Friday"))).toBe(true);
    const question = call.turns.findIndex((t) => t.role === "caller");
    const answer = call.turns.findIndex((t) => t.role === "agent" && t.text.startsWith("Of course."));
    expect(answer).toBeGreaterThan(question);
  }, 90_000);
});
