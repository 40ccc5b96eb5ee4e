import { describe, expect, it } from "vitest";
import { agentTurns, analysesSettled, callerTurns, conversationRequests, DEMO_CALLER, DEMO_SCENARIO, finalCall, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

describe("a call end to end through the simulators (webhook → TwiML → media stream → STT → LLM → TTS)", () => {
  it("greets, answers with a tool behind a filler line, stops on a barge-in, and hangs up after goodbye", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world);
    const { recording, call } = await placeInboundCall(world, tenant, DEMO_CALLER);

    expect(call.status).toBe("completed");
    const agent = agentTurns(call);
    expect(agent[0]!.text).toBe("Hi, thanks for calling Acme Dental. How can I help you today?");
    expect(callerTurns(call).map((t) => t.text)).toEqual([
      "Hi, what's the weather like in Paris today?",
      "Thanks. What are your opening hours?",
      "Sorry, just on Saturday?",
      "Great, thank you. That's all, bye!",
    ]);
    // The tool ran (slowly), so a filler line came first, then the answer from its result.
    const tool = call.turns.find((t) => t.role === "tool" && t.text.includes("get_weather"))!;
    expect(JSON.parse(tool.text)).toEqual({
      name: "get_weather",
      input: { city: "Paris" },
      toolUseId: expect.any(String),
      result: { status: "success", content: expect.stringContaining('"summary":"sunny"') },
    });
    expect(world.tools.calls.at(-1)).toEqual({ path: "/weather", body: { city: "Paris" } });
    expect(agent[1]!.text).toBe("One moment while I check that. Right now in Paris it's sunny and 21 degrees. Anything else I can help you with?");
    // Barge-in: Twilio got a clear, and the transcript and history keep only what the caller heard.
    expect(recording.clears.length).toBe(1);
    const cut = agent.find((t) => t.interrupted)!;
    expect(cut.text.length).toBeGreaterThan(0);
    expect("Of course. We're open Monday to Friday from eight in the morning until six in the evening,".startsWith(cut.text)).toBe(true);
    expect(agent.at(-1)!.text).toBe("You're welcome. Have a great day, goodbye!");
    expect(call.end_reason).toBe("twilio:completed");
    expect(recording.endReason).not.toBe("caller-hangup");
    // Every answer to the caller carries its latency breakdown.
    for (const t of agent.slice(1)) {
      expect(t.timings).toMatchObject({ voice_to_voice_ms: expect.any(Number), stt_final_ms: expect.any(Number), llm_request_ms: expect.any(Number), tts_first_byte_ms: expect.any(Number), first_audio_sent_ms: expect.any(Number) });
    }
    expect(call.usage).toMatchObject({ tool_calls: 2, tts_characters: expect.any(Number), llm: { "us.anthropic.claude-haiku-4-5-20251001-v1:0": { requests: 5 } } });
    // The simulated caller heard an answer to every question.
    expect(recording.turns.every((t) => t.voiceToVoiceMs !== null)).toBe(true);
  }, 90_000);

  it("lets a backchannel pass without stopping the agent", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world);
    const { recording, call } = await placeInboundCall(world, tenant, {
      steps: [{ waitForAgent: true }, { say: "What are your opening hours?" }, { say: "mm-hm", interruptAfterMs: 1500 }, { waitForAgent: true }, { say: "Thank you, bye!" }, { waitForAgent: true }],
    });
    expect(recording.clears).toHaveLength(0);
    const hours = agentTurns(call).find((t) => t.text.startsWith("Of course."))!;
    expect(hours.interrupted).toBe(false);
    expect(hours.text).toContain("public holidays");
    expect(callerTurns(call).map((t) => t.text)).not.toContain("mm-hm");
  }, 90_000);

  it("passes caller key presses to the model as text", async () => {
    world.platform.sims.bedrock.loadScenario({ rules: [{ when: { lastUserTextMatches: "pressed: 4, 2" }, reply: { text: "You pressed four two. Goodbye!", toolUses: [{ name: "end_call", input: {} }] } }, { reply: { text: "Please press four then two." } }] });
    const tenant = await tenantFor(world);
    const { call } = await placeInboundCall(world, tenant, { steps: [{ waitForAgent: true }, { dtmf: "42" }, { waitForAgent: true }, { waitForAgent: true }] });
    expect(callerTurns(call).map((t) => t.text)).toContain("[The caller pressed: 4, 2]");
    expect(agentTurns(call).map((t) => t.text)).toContain("You pressed four two. Goodbye!");
  }, 90_000);

  it("reprompts a silent caller, then says goodbye and hangs up", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world, { silence_timeout_s: 3, silence_reprompts: 1 });
    const { call } = await placeInboundCall(world, tenant, { steps: [{ pause: 30_000 }] });
    expect(agentTurns(call).map((t) => t.text)).toEqual(["Hi, thanks for calling Acme Dental. How can I help you today?", "Are you still there?", "Thank you for calling. Goodbye!"]);
    expect(call.status).toBe("completed");
  }, 90_000);

  it("ends a call at its maximum duration with the closing line", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world, { max_call_duration_s: 30, silence_timeout_s: 60 });
    const { call } = await placeInboundCall(world, tenant, { steps: [{ say: "What are your opening hours?" }, { pause: 60_000 }] });
    expect(agentTurns(call).at(-1)!.text).toBe("Thank you for calling. Goodbye!");
    // Said once: the closing line's own end re-arms the alarm, whose deadline has passed.
    expect(agentTurns(call).filter((t: { text: string }) => t.text.includes("Goodbye"))).toHaveLength(1);
  }, 90_000);

  it("loses no words when the STT socket drops mid-utterance", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world);
    // The listen socket opens with the stream; 2 s later (wall clock, call clock ×3) the caller is mid-sentence.
    world.platform.sims.deepgram.dropNextSocket("listen", 2_000);
    const opened = world.platform.sims.deepgram.stats().listen.socketsOpened;
    const { call } = await placeInboundCall(world, tenant, {
      steps: [{ waitForAgent: true }, { say: "I would like to know the opening hours of your clinic on Saturday please" }, { waitForAgent: true }, { say: "Thank you, bye!" }, { waitForAgent: true }],
    });
    expect(callerTurns(call)[0]!.text).toBe("I would like to know the opening hours of your clinic on Saturday please");
    expect(agentTurns(call)[1]!.text).toBe("On Saturdays we're open from nine until one. Would you like to book a visit?");
    expect(world.platform.sims.deepgram.stats().listen.socketsOpened - opened).toBe(2);
    expect((call as any).metrics.stt).toMatchObject({ reconnects: 1, audioMsReplayed: expect.any(Number) });
    expect((call as any).metrics.stt.audioMsReplayed).toBeGreaterThan(0);
  }, 90_000);

  it("retries a throttled model and falls back to the fallback model, invisibly to the caller", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world, { llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0", fallback_model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" } });
    // The earlier calls' analyses must not take the throttles.
    await analysesSettled(world);
    const before = conversationRequests(world).length;
    // Every try on the configured model is throttled (the first request and its retries); the fallback answers.
    world.platform.sims.bedrock.throttleNext(4);
    const { call } = await placeInboundCall(world, tenant, {
      steps: [{ waitForAgent: true }, { say: "What are your opening hours on Saturday?" }, { waitForAgent: true }, { say: "Thank you, bye!" }, { waitForAgent: true }],
    });
    const requests = conversationRequests(world).slice(before);
    expect(requests.slice(0, 4).map((r) => [r.modelId, r.status])).toEqual(Array(4).fill(["us.anthropic.claude-haiku-4-5-20251001-v1:0", 429]));
    expect([requests[4]!.modelId, requests[4]!.status]).toEqual(["us.anthropic.claude-sonnet-4-5-20250929-v1:0", 200]);
    expect(agentTurns(call)[1]!.text).toBe("On Saturdays we're open from nine until one. Would you like to book a visit?");
  }, 90_000);
});

describe("recorded calls", () => {
  it("plays the recording disclosure first, then starts a dual-channel recording and stores its sid and status", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world, { recording: { enabled: true, disclosure: "This call is recorded for quality." } });
    // Two replies before the caller speaks: the disclosure, then the greeting.
    const { recording, call } = await placeInboundCall(world, tenant, { steps: [{ waitForAgent: true, replies: 2 }, { say: "Thank you, bye!" }, { waitForAgent: true }] });
    expect(agentTurns(call).map((t) => t.text).slice(0, 2)).toEqual(["This call is recorded for quality.", "Hi, thanks for calling Acme Dental. How can I help you today?"]);
    expect((call as any).recording_sid).toMatch(/^RE[0-9a-f]{32}$/);
    expect(recording.webhooks.some((w: any) => w.url.endsWith(`/twilio/recording/${call.id}`))).toBe(true);
    expect((call as any).events.map((e: { type: string }) => e.type)).toContain("recording.started");
  }, 90_000);
});

describe("outbound calls through the Twilio simulator", () => {
  const CALLEE = "+442071838751";

  it("dials a consented callee, who talks to the agent over an authenticated media stream", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world);
    world.platform.sims.twilio.setCalleeScript(CALLEE, { steps: [{ waitForAgent: true }, { say: "What are your opening hours on Saturday?" }, { waitForAgent: true }, { say: "Thank you, bye!" }, { waitForAgent: true }] });
    await tenant.api.post("/v1/consent", { phone: CALLEE, consent_type: "outbound_calls", source: "web_form:e2e" });
    const placed = await tenant.api.post("/v1/calls", { agent_id: tenant.agentId, to: CALLEE, from: tenant.number, machine_detection: false });
    const recording = await world.platform.sims.twilio.waitForCallEnd(placed.twilio_call_sid, 60_000);
    const call = await finalCall(tenant, (c) => c.id === placed.id);
    expect(call).toMatchObject({ direction: "outbound", status: "completed", to: CALLEE });
    expect(recording.streams[0]?.customParameters.call_id).toBe(placed.id);
    expect(agentTurns(call).map((t) => t.text)).toContain("On Saturdays we're open from nine until one. Would you like to book a visit?");
    expect(callerTurns(call)[0]!.text).toBe("What are your opening hours on Saturday?");
  }, 90_000);

  it("leaves the agent's voicemail message when a machine answers", async () => {
    const tenant = await tenantFor(world, { voicemail: { action: "leave_message", message: "Hi, this is Acme Dental confirming your appointment tomorrow at nine." } });
    world.platform.sims.twilio.setCalleeScript(CALLEE, { answeredBy: "machine_end_beep", steps: [{ pause: 10_000 }] });
    await tenant.api.post("/v1/consent", { phone: CALLEE, consent_type: "outbound_calls", source: "web_form:e2e" });
    const placed = await tenant.api.post("/v1/calls", { agent_id: tenant.agentId, to: CALLEE, from: tenant.number });
    const recording = await world.platform.sims.twilio.waitForCallEnd(placed.twilio_call_sid, 60_000);
    const call = await finalCall(tenant, (c) => c.id === placed.id);
    expect(call.end_reason).toBe("voicemail_left");
    expect((call as any).answered_by).toBe("machine_end_beep");
    expect(recording.verbs.map((v: any) => v.verb)).toContain("Say");
    // DetectMessageEnd was asked for (the message must wait for the beep): only it reports how a machine's greeting ended.
    expect(recording.webhooks.find((w) => w.kind === "voice")!.params).toMatchObject({ AnsweredBy: "machine_end_beep", MachineDetectionDuration: expect.any(String) });
  }, 90_000);

  it("hangs up on a machine when the agent's voicemail action is hang_up: no message, no stream", async () => {
    const tenant = await tenantFor(world, { voicemail: { action: "hang_up" } });
    world.platform.sims.twilio.setCalleeScript(CALLEE, { answeredBy: "machine_end_beep", steps: [{ pause: 10_000 }] });
    await tenant.api.post("/v1/consent", { phone: CALLEE, consent_type: "outbound_calls", source: "web_form:e2e" });
    const placed = await tenant.api.post("/v1/calls", { agent_id: tenant.agentId, to: CALLEE, from: tenant.number });
    const recording = await world.platform.sims.twilio.waitForCallEnd(placed.twilio_call_sid, 60_000);
    // MachineDetection=Enable (the first verdict is enough to hang up): Twilio reports any machine as machine_start.
    expect(recording.webhooks.find((w) => w.kind === "voice")!.params).toMatchObject({ AnsweredBy: "machine_start", MachineDetectionDuration: expect.any(String) });
    expect(recording.verbs.map((v) => v.verb)).toEqual(["Hangup"]);
    expect(recording.streams).toEqual([]);
    const call = await finalCall(tenant, (c) => c.id === placed.id);
    expect(call).toMatchObject({ status: "completed", end_reason: "answering_machine", answered_by: "machine_start", turns: [] });
    expect(call.events.map((e: { type: string }) => e.type)).toContain("call.answered_by_machine");
  }, 90_000);
});
