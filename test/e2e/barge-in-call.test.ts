import { describe, expect, it } from "vitest";
import { agentTurns, callerTurns, DEMO_SCENARIO, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

describe("barge-in on the Twilio and Deepgram simulators", () => {
  it("pauses for an 'mm-hm', a cough and line noise over the agent, and resumes each time: no clear, no history cut, every word heard", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world, { duck_on_speech_start: true });
    const { recording, call } = await placeInboundCall(world, tenant, {
      steps: [
        { waitForAgent: true },
        { say: "What are your opening hours?" },
        { say: "mm-hm", interruptAfterMs: 1500 },
        { noise: "cough", interruptAfterMs: 1000 },
        { noise: "line_noise", interruptAfterMs: 1000 },
        { waitForAgent: true },
        { say: "Thank you, bye!" },
        { waitForAgent: true },
      ],
    });
    expect(recording.clears).toHaveLength(0);
    const hours = agentTurns(call).find((t) => t.text.startsWith("Of course."))!;
    expect(hours.interrupted).toBe(false);
    expect(hours.text).toContain("the front desk also answers calls during lunch.");
    expect(callerTurns(call).map((t) => t.text)).toEqual(["What are your opening hours?", "Thank you, bye!"]);
    // The reply was paused under each sound and resumed: Twilio played it in several pieces, none cut short.
    // Found by its text: on a loaded machine a sound may land in a gap of the agent's audio (a pause, a late chunk),
    // which the simulator then does not count as spoken over the agent.
    const noiseTurn = recording.turns.find((t) => t.text === "[line_noise]");
    const during = recording.agentAudio.filter((a) => a.endMs > recording.turns[1]!.speechStartMs && a.startMs < noiseTurn!.speechEndMs + 2000);
    expect(during.length).toBeGreaterThanOrEqual(3);
    expect(recording.agentAudio.every((a) => !a.cutShort || a === recording.agentAudio.at(-1))).toBe(true);
  }, 90_000);
});
