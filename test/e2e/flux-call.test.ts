import { describe, expect, it } from "vitest";
import { agentTurns, callerTurns, DEMO_SCENARIO, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

const QUESTION = "What are your opening hours on Saturday?";

/**
 * A call on a Flux agent, through the real path: the agent's `stt.model` opens `/v2/listen` with its end-of-turn
 * settings, the caller's audio reaches Flux, Flux ends the caller's turn, and the agent answers it: the pipeline
 * starts the model on EagerEndOfTurn and commits the same answer on EndOfTurn, without asking twice.
 */
describe("a call on a Flux agent", () => {
  it("greets the caller, streams the caller's audio to /v2/listen, Flux hears the question as one turn, and the agent answers it once", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world, { stt: { model: "flux-general-en", keyterms: ["Acme Dental"], eot_threshold: 0.7, eager_eot_threshold: 0.5, eot_timeout_ms: 5000 } });
    const deepgram = world.platform.sims.deepgram;
    const before = deepgram.stats();
    const { recording, call } = await placeInboundCall(world, tenant, { steps: [{ waitForAgent: true }, { say: QUESTION }, { waitForAgent: true }, { hangup: true }] });
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
    expect(callerTurns(call).map((t) => t.text)).toEqual([QUESTION]);
    expect(agentTurns(call)).toHaveLength(2);
    const usage = call.usage as { speculation?: { started: number; committed: number; cancelled: number } } | null;
    // The eager answer was committed, or (a false eager) cancelled and asked afresh: never both kept.
    expect(usage?.speculation?.committed).toBe(1);
  }, 90_000);
});
