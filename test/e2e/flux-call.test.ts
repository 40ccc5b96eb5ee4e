import { describe, expect, it } from "vitest";
import { agentTurns, DEMO_SCENARIO, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

const QUESTION = "What are your opening hours on Saturday?";

/**
 * A call on a Flux agent, through the real path: the agent's `stt.model` opens `/v2/listen` with its end-of-turn
 * settings, the caller's audio reaches Flux, and Flux ends the caller's turn. What the pipeline then does with the
 * turn events (speculating on EagerEndOfTurn) is the turn detector's; this checks the wire on both ends.
 */
describe("a call on a Flux agent", () => {
  it("greets the caller, streams the caller's audio to /v2/listen, and Flux hears the question as one turn", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world, { stt: { model: "flux-general-en", keyterms: ["Acme Dental"], eot_threshold: 0.7, eager_eot_threshold: 0.5, eot_timeout_ms: 5000 } });
    const deepgram = world.platform.sims.deepgram;
    const before = deepgram.stats();
    const { recording, call } = await placeInboundCall(world, tenant, { steps: [{ waitForAgent: true }, { say: QUESTION }, { pause: 2000 }, { hangup: true }] });
    const after = deepgram.stats();

    expect(call.status).toBe("completed");
    expect(agentTurns(call)[0]?.text).toBe("Hi, thanks for calling Acme Dental. How can I help you today?");
    expect(after.flux.socketsOpened - before.flux.socketsOpened).toBe(1);
    expect(after.listen.socketsOpened - before.listen.socketsOpened).toBe(0);
    expect(after.flux.unparsableMessages - before.flux.unparsableMessages).toBe(0); // no KeepAlive or Finalize went to Flux
    expect(after.flux.startOfTurnsSent - before.flux.startOfTurnsSent).toBe(1);
    expect(after.flux.eagerEndOfTurnsSent - before.flux.eagerEndOfTurnsSent).toBeGreaterThanOrEqual(1);
    expect(after.flux.endOfTurnsSent - before.flux.endOfTurnsSent).toBe(1);
    // The utterance is consumed when its EndOfTurn is delivered: Flux heard the whole question as the caller's turn.
    expect(deepgram.registry.heard(recording.callSid)).toEqual([QUESTION]);
  }, 90_000);
});
