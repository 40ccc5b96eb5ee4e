/**
 * Call transfer end to end: the API's cold and warm transfers, the agent's own `transfer_call`, and hang-up,
 * through the Worker in workerd and the Twilio, Deepgram and Bedrock simulators.
 */
import { describe, expect, it } from "vitest";
import type { PlatformError } from "../../scripts/lib/platform-client.ts";
import type { DemoTenant } from "../../scripts/lib/demo-tenant.ts";
import { agentTurns, finalCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

const QUESTION = "I have a question about my bill";
/** The caller asks, hears the answer, then stays on the line (on hold, or talking to whoever picks up). */
const CALLER = { steps: [{ waitForAgent: true }, { say: QUESTION }, { waitForAgent: true }, { pause: 120_000 }] };
const SCENARIO = {
  rules: [
    { when: { lastUserTextMatches: "billing department" }, reply: { text: "Sure, let me put you through to billing.", toolUses: [{ name: "transfer_call", input: { destination: "billing" } }] } },
    { reply: { text: "Let me find someone who can help with that." } },
  ],
};

const twilio = () => world.platform.sims.twilio;

async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The agent has finished saying `text` (read from the live call's transcript). */
const agentSaid = (tenant: DemoTenant, id: string, text: string) =>
  until(async () => {
    const call = await tenant.api.get(`/v1/calls/${id}`);
    return call.turns.some((t: { role: string; text: string; ended_at: string | null }) => t.role === "agent" && t.text === text && t.ended_at !== null);
  }, `the agent to say "${text}"`);

/** Rings the tenant's number; resolves once the agent has answered the caller's question, with the platform's call id. */
async function callInProgress(tenant: DemoTenant) {
  world.platform.sims.bedrock.loadScenario(SCENARIO);
  const handle = await twilio().startInboundCall({ to: tenant.number, script: CALLER });
  const id: string = await until(async () => {
    const page = await tenant.api.get(`/v1/calls?limit=20`);
    return page.data.find((c: { twilio_call_sid: string }) => c.twilio_call_sid === handle.callSid)?.id;
  }, "the call record");
  await agentSaid(tenant, id, "Let me find someone who can help with that.");
  return { handle, id };
}

const HOLD_LINE = "Please hold while I connect you.";

/** The agent told the caller to hold, in its own voice, heard out on its stream before the caller was moved. */
function expectHoldLineHeard(call: Awaited<ReturnType<typeof finalCall>>, recording: { agentAudio: { endMs: number }[]; verbs: { verb: string; atMs: number }[] }) {
  const line = agentTurns(call).at(-1)! as ReturnType<typeof agentTurns>[number] & { ended_at: string | null };
  expect(line).toMatchObject({ text: HOLD_LINE, interrupted: false, ended_at: expect.any(String) });
  expect(Date.parse(line.ended_at!)).toBeLessThanOrEqual(Date.parse((event(call, "transfer.caller_holding") as { at: string } | undefined)!.at));
  const dial = recording.verbs.find((v) => v.verb === "Dial")!;
  expect(recording.agentAudio.at(-1)!.endMs).toBeLessThanOrEqual(dial.atMs);
}

const eventsOf = (call: { events: { type: string; data: any }[] }) => call.events;
const event = (call: { events: { type: string; data: any }[] }, type: string) => call.events.find((e) => e.type === type);
const targetLegTo = (to: string) => until(() => twilio().listCalls().find((c) => c.to === to && c.direction === "outbound-api"), `a call to ${to}`);

async function problemOf(request: Promise<unknown>): Promise<PlatformError> {
  try {
    await request;
  } catch (error) {
    return error as PlatformError;
  }
  throw new Error("the request succeeded");
}

describe("warm transfer", () => {
  it("holds the caller in a conference, briefs the answering target in the agent's voice, then bridges them", async () => {
    const tenant = await tenantFor(world);
    const TARGET = "+14155550171";
    // The person taking the call answers, listens to the briefing, talks with the caller, and hangs up.
    twilio().setCalleeScript(TARGET, { maxDurationMs: 40_000 });
    const { handle, id } = await callInProgress(tenant);
    const announcement = "I have a caller with a billing question.";
    const accepted = await tenant.api.post(`/v1/calls/${id}/transfer`, { to: TARGET, mode: "warm", announcement });
    expect(accepted).toMatchObject({ id, status: "in-progress" });

    const recording = await handle.ended;
    const call = await finalCall(tenant, (c) => c.id === id);
    const target = await targetLegTo(TARGET);
    const targetLeg = await twilio().waitForCallEnd(target.callSid, 30_000);
    const conference = `transfer-${id}`;

    // The caller: off the agent's stream into the conference (on hold, not its starter), out when the target left.
    expect(recording.verbs.map((v) => [v.verb, v.detail])).toEqual([
      ["Connect", expect.stringContaining(`/twilio/stream/${id}`)],
      ["Dial", `conference:${conference}`],
      ["Conference", conference],
      ["Hangup", null],
    ]);
    // The target: called from the tenant's number, briefed on a stream to the call's object, then into the conference.
    expect(target.from).toBe(tenant.number);
    expect(targetLeg.streams).toHaveLength(1);
    expect(targetLeg.streams[0]).toMatchObject({ name: "briefing", url: expect.stringContaining(`/twilio/transfer/${id}/stream`), customParameters: { call_id: id, role: "briefing" }, endReason: "redirected" });
    expect(targetLeg.agentAudio.reduce((n, s) => n + s.bytes, 0)).toBeGreaterThan(8000);
    expect(targetLeg.marks.find((m) => m.name === "briefing-done")).toMatchObject({ cleared: false, echoedAtMs: expect.any(Number) });
    expect(targetLeg.verbs.map((v) => [v.verb, v.detail])).toEqual([
      ["Connect", expect.stringContaining(`/twilio/transfer/${id}/stream`)],
      ["Dial", `conference:${conference}`],
      ["Conference", conference],
    ]);
    const [room] = twilio().state.conferences.list({ friendlyName: conference });
    expect(room!.events.map((e) => [e.event, e.callSid])).toEqual([
      ["participant-join", handle.callSid],
      ["participant-join", target.callSid],
      ["conference-start", null],
      ["participant-leave", target.callSid],
      ["participant-leave", handle.callSid],
      ["conference-end", null],
    ]);

    // Every step is a call event, in order; the briefing came from the conversation, in the agent's voice.
    const steps = eventsOf(call)
      .map((e) => e.type)
      .filter((t) => ["transfer.started", "transfer.caller_holding", "transfer.target_answered", "transfer.briefing_started", "transfer.briefing_sent", "transfer.briefing_heard", "transfer.bridged", "call.transferred"].includes(t));
    expect(steps).toEqual(["transfer.started", "transfer.caller_holding", "transfer.target_answered", "transfer.briefing_started", "transfer.briefing_sent", "transfer.briefing_heard", "transfer.bridged", "call.transferred"]);
    expect(event(call, "transfer.briefing_started")!.data).toMatchObject({ voice: "aura-2-thalia-en", text: expect.stringContaining(announcement) });
    expect(event(call, "transfer.briefing_started")!.data.text).toContain(`They said: ${QUESTION}`);
    expect(event(call, "transfer.briefing_started")!.data.text).toContain("I last told them: Let me find someone who can help with that.");
    expect(event(call, "call.transferred")!.data).toEqual({ to: TARGET, mode: "warm", requested_by: expect.any(String), conference, target_call_sid: target.callSid });
    // The briefing's speech is billed with the call: its characters are in the usage beside the conversation's.
    const briefed = event(call, "transfer.briefing_tts")!.data.characters as number;
    expect(briefed).toBe(event(call, "transfer.briefing_started")!.data.text.length);
    // (The conversation's own count follows what was sent to Deepgram, so only the greeting is taken as a floor.)
    const greeting = agentTurns(call)[0]!.text.length;
    expect((call.usage as { tts_characters: number }).tts_characters).toBeGreaterThanOrEqual(greeting + briefed);
    expectHoldLineHeard(call, recording);
    // Bridged, the call is held open for at most the agent's maximum duration (default 30 min) and 10 minutes more.
    expect(event(call, "transfer.bridged")!.data).toMatchObject({ max_ms: (30 + 10) * 60_000 });
    expect(call.status).toBe("completed");
    expect(call.end_reason).toBe("twilio:completed");
  }, 90_000);

  it("is what the agent's own transfer_call does for a warm destination", async () => {
    const TARGET = "+14155550177";
    const tenant = await tenantFor(world, { tools: [{ type: "end_call" }, { type: "transfer_call", mode: "warm", destinations: [{ name: "billing", number: TARGET }] }] });
    twilio().setCalleeScript(TARGET, { maxDurationMs: 40_000 });
    world.platform.sims.bedrock.loadScenario(SCENARIO);
    const handle = await twilio().startInboundCall({ to: tenant.number, script: { steps: [{ waitForAgent: true }, { say: "Can I talk to the billing department please" }, { pause: 120_000 }] } });
    const recording = await handle.ended;
    const call = await finalCall(tenant, (c) => c.twilio_call_sid === handle.callSid);
    // The agent's line is heard in full, then the caller holds in the conference until the briefed target leaves.
    expect(agentTurns(call).at(-2)!.text).toBe("Sure, let me put you through to billing.");
    expectHoldLineHeard(call, recording);
    expect(recording.verbs.map((v) => v.verb)).toEqual(["Connect", "Dial", "Conference", "Hangup"]);
    const target = await targetLegTo(TARGET);
    expect((await twilio().waitForCallEnd(target.callSid, 30_000)).streams[0]).toMatchObject({ name: "briefing" });
    expect(event(call, "transfer.briefing_started")!.data.text).toContain("They said: Can I talk to the billing department please");
    expect(event(call, "call.transferred")!.data).toMatchObject({ to: TARGET, mode: "warm", requested_by: "agent", target_call_sid: target.callSid });
  }, 90_000);

  it("takes the caller back to the agent when the target does not answer", async () => {
    const tenant = await tenantFor(world);
    const TARGET = "+14155550172";
    twilio().setCalleeScript(TARGET, { answer: "no-answer", ringMs: 3_000 });
    const { handle, id } = await callInProgress(tenant);
    await tenant.api.post(`/v1/calls/${id}/transfer`, { to: TARGET, mode: "warm" });

    // A new stream to the same object, on which the agent speaks again.
    await agentSaid(tenant, id, "I'm sorry, nobody picked up. I'm back with you: how else can I help?");
    await tenant.api.post(`/v1/calls/${id}/hangup`);
    const recording = await handle.ended;
    const call = await finalCall(tenant, (c) => c.id === id);

    expect(recording.verbs.map((v) => v.verb)).toEqual(["Connect", "Dial", "Conference", "Connect"]);
    expect(recording.streams.map((s) => s.customParameters.call_id)).toEqual([id, id]);
    expect(event(call, "transfer.target_status")!.data).toMatchObject({ status: "no-answer" });
    expect(event(call, "transfer.failed")!.data).toMatchObject({ reason: "target_no-answer", to: TARGET });
    expect(event(call, "transfer.caller_returned")).toBeDefined();
    expect(event(call, "call.transferred")).toBeUndefined();
    expect(agentTurns(call).map((t) => t.text)).toContain("I'm sorry, nobody picked up. I'm back with you: how else can I help?");
    // The conference the caller waited in ended when they left it.
    expect(twilio().state.conferences.list({ friendlyName: `transfer-${id}` })[0]!.status).toBe("completed");
  }, 90_000);

  it("answers a Twilio error on dialing the target with provider-error and its code, and returns the caller", async () => {
    const tenant = await tenantFor(world);
    const TARGET = "+14155550173";
    twilio().state.refuseCallsTo(TARGET, 21211);
    const { handle, id } = await callInProgress(tenant);
    const error = await problemOf(tenant.api.post(`/v1/calls/${id}/transfer`, { to: TARGET, mode: "warm" }));
    expect(error.status).toBe(422);
    expect(error.problem).toMatchObject({ type: "https://docs.ayb.dev/problems/provider-error", twilio_code: 21211, call_id: id });

    await until(() => twilio().getCall(handle.callSid)!.streams.length === 2, "the caller back on the agent's stream");
    await tenant.api.post(`/v1/calls/${id}/hangup`);
    await handle.ended;
    const call = await finalCall(tenant, (c) => c.id === id);
    expect(event(call, "transfer.failed")!.data).toMatchObject({ reason: "target_dial_error", twilio_code: 21211 });
    expect(event(call, "transfer.caller_returned")).toBeDefined();
    expect(twilio().listCalls().some((c) => c.to === TARGET)).toBe(false);
  }, 90_000);
});

describe("cold transfer and hang-up", () => {
  it("dials the target straight through with the tenant's number as caller ID", async () => {
    const tenant = await tenantFor(world);
    const TARGET = "+14155550174";
    const { handle, id } = await callInProgress(tenant);
    await tenant.api.post(`/v1/calls/${id}/transfer`, { to: TARGET, mode: "cold" });
    const recording = await handle.ended;
    const call = await finalCall(tenant, (c) => c.id === id);
    expect(recording.verbs.map((v) => [v.verb, v.detail])).toEqual([
      ["Connect", expect.any(String)],
      ["Say", "Please hold while I connect you."],
      ["Dial", `number:${TARGET} callerId=${tenant.number}`],
    ]);
    expect(recording.streams[0]!.endReason).toBe("redirected");
    expect(event(call, "call.transferred")!.data).toMatchObject({ to: TARGET, mode: "cold" });
  }, 90_000);

  it("lets the agent transfer the caller itself with transfer_call", async () => {
    const TARGET = "+14155550175";
    const tenant = await tenantFor(world, { tools: [{ type: "end_call" }, { type: "transfer_call", destinations: [{ name: "billing", number: TARGET }] }] });
    world.platform.sims.bedrock.loadScenario(SCENARIO);
    const handle = await twilio().startInboundCall({ to: tenant.number, script: { steps: [{ waitForAgent: true }, { say: "Can I talk to the billing department please" }, { pause: 30_000 }] } });
    const recording = await handle.ended;
    const call = await finalCall(tenant, (c) => c.twilio_call_sid === handle.callSid);
    // The model's tool call, the agent's line heard in full, then Twilio dials the destination.
    expect(call.turns.some((t) => t.role === "tool" && t.text.includes("transfer_call"))).toBe(true);
    expect(agentTurns(call).at(-1)!.text).toBe("Sure, let me put you through to billing.");
    expect(recording.verbs.map((v) => [v.verb, v.detail]).slice(1)).toEqual([["Dial", `number:${TARGET} callerId=${tenant.number}`]]);
    expect(event(call, "call.transferred")!.data).toMatchObject({ to: TARGET, mode: "cold", requested_by: "agent" });
  }, 90_000);

  it("hangs up a live call: the simulator's call ends and the call is finalised", async () => {
    const tenant = await tenantFor(world);
    const { handle, id } = await callInProgress(tenant);
    const accepted = await tenant.api.post(`/v1/calls/${id}/hangup`);
    expect(accepted).toMatchObject({ id });
    const recording = await handle.ended;
    expect(recording).toMatchObject({ status: "completed", endReason: "rest-completed" });
    const call = await finalCall(tenant, (c) => c.id === id);
    expect(call).toMatchObject({ status: "completed", end_reason: "twilio:completed", duration_seconds: expect.any(Number) });
    expect(event(call, "call.hangup_requested")).toBeDefined();
  }, 90_000);

  it("answers Twilio's refusals of a hang-up and a transfer with provider-error and Twilio's code", async () => {
    const tenant = await tenantFor(world);
    const { handle, id } = await callInProgress(tenant);
    // Credentials Twilio rejects (a rotated auth token not yet stored): every control request gets 20003.
    await tenant.api.put("/v1/accounts/me/credentials/twilio", { account_sid: tenant.twilio.accountSid, auth_token: "0".repeat(32) });
    const hangup = await problemOf(tenant.api.post(`/v1/calls/${id}/hangup`));
    const transfer = await problemOf(tenant.api.post(`/v1/calls/${id}/transfer`, { to: "+14155550176", mode: "cold" }));
    for (const error of [hangup, transfer]) {
      expect(error.status).toBe(422);
      expect(error.problem).toMatchObject({ type: "https://docs.ayb.dev/problems/provider-error", twilio_code: 20003, call_id: id, detail: expect.stringContaining("Twilio refused") });
    }
    expect(twilio().getCall(handle.callSid)!.status).toBe("in-progress");
    await tenant.api.put("/v1/accounts/me/credentials/twilio", { account_sid: tenant.twilio.accountSid, auth_token: tenant.twilio.authToken });
    await tenant.api.post(`/v1/calls/${id}/hangup`);
    expect((await handle.ended).endReason).toBe("rest-completed");
  }, 90_000);
});
