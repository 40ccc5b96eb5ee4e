import { describe, expect, it } from "vitest";
import { agentTurns, callerTurns, DEMO_SCENARIO, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

const STALE = "Yes, the clinic is open today until six in the evening.";
/** Long enough that the first part's answer is ready while the caller is still saying it. */
const CONTINUATION = "on Sunday afternoon, because my daughter has a school trip on Saturday and I work late every evening during the week";
const ANSWER = "On Sundays we're closed, but Monday morning is free.";

describe("a reply to an older caller turn never starts over a newer one", () => {
  it("the caller goes on after an endpoint and the first part's answer comes while they talk: it is dropped unheard, and the whole question is answered", async () => {
    world.platform.sims.bedrock.loadScenario({
      ...DEMO_SCENARIO,
      rules: [
        { id: "slow-open", when: { lastUserTextMatches: "^is the clinic open[?.]*$" }, delayFirstTokenMs: 1_500, reply: { text: STALE } },
        { id: "sunday", when: { lastUserTextMatches: "sunday" }, reply: { text: ANSWER } },
        ...DEMO_SCENARIO.rules,
      ],
    });
    const tenant = await tenantFor(world);
    const before = world.platform.sims.bedrock.requests().length;
    const { recording, call } = await placeInboundCall(world, tenant, {
      steps: [
        { waitForAgent: true },
        { say: "Is the clinic open" },
        // A pause past the endpoint: the first part is a turn of its own, and the model is asked.
        { say: CONTINUATION, waitSilenceMs: 700 },
        { waitForAgent: true },
        { say: "Thank you, bye!" },
        { waitForAgent: true },
      ],
    });
    const requests = world.platform.sims.bedrock.requests().slice(before);
    expect(requests.filter((r) => r.ruleId === "slow-open")).toHaveLength(1);
    expect(requests.some((r) => r.ruleId === "sunday")).toBe(true);
    const said = agentTurns(call).map((t) => t.text);
    expect(said).not.toContain(STALE);
    expect(said.some((t) => t.includes("clinic is open"))).toBe(false);
    expect(said).toContain(ANSWER);
    expect(recording.clears).toHaveLength(0); // nothing of the stale reply reached Twilio, so nothing had to be cleared
    expect(callerTurns(call).map((t) => t.text).slice(0, 2)).toEqual(["Is the clinic open", CONTINUATION]);
  }, 90_000);
});
