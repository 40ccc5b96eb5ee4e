/**
 * Tools in a whole call: parallel HTTP tools behind the filler line, the per-call connection budget (tools are
 * queued, the audio sockets are not), and the built-in send_dtmf heard in band by the caller.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dtmfDigits } from "../../shared/audio/dtmf-detect.ts";
import { decodeMulaw } from "../../shared/audio/mulaw.ts";
import { PlaybackQueue } from "../../simulators/twilio/playback-queue.ts";
import { startToolServer, type ToolServer } from "../node/tool-server.ts";
import { agentTurns, callerTurns, placeInboundCall, startWorld, tenantFor, type CallWorld } from "./call-harness.ts";

let world: CallWorld;
let tools: ToolServer;
beforeAll(async () => {
  tools = await startToolServer();
  // The tool server doubles as the Worker's DNS-over-HTTPS resolver (its zone has public names with private answers).
  world = await startWorld({ vars: { DOH_URL: `${tools.url}/dns-query` } });
}, 180_000);
afterAll(async () => Promise.all([world?.close(), tools?.close()]));

const ORDERS = ["A1", "B2", "C3", "D4"];
const TOOL_MS = 1_200;

/** One slow HTTP tool per order, so one model turn can call them all at once. */
const orderTools = () =>
  ORDERS.map((id) => ({
    type: "http",
    name: `order_${id}`,
    description: `Status of order ${id}`,
    parameters: { type: "object", properties: {} },
    url: `${tools.url}/slow?ms=${TOOL_MS}&tag=${id}`,
    method: "POST",
    timeout_ms: 10_000,
  }));

const ORDER_SCENARIO = {
  rules: [
    // A caller turn that cuts a tool round short arrives with that round's (cancelled) results: text rules first.
    { id: "goodbye", when: { lastUserTextMatches: "bye" }, reply: { text: "Goodbye!", toolUses: [{ name: "end_call", input: {} }] } },
    { id: "hours", when: { lastUserTextMatches: "hours" }, reply: { text: "We're open from nine until five." } },
    { id: "orders-answer", when: { lastToolResultFor: "*" }, reply: { text: "All four of your orders have shipped and arrive on Friday." } },
    { id: "orders", when: { lastUserTextMatches: "my orders" }, reply: { toolUses: ORDERS.map((id) => ({ name: `order_${id}`, input: {} })) } },
    { id: "default", reply: { text: "Sure. Anything else?" } },
  ],
};

async function slowLog(): Promise<{ tag: string; startedAt: number; endedAt: number }[]> {
  return (await fetch(`${tools.url}/slow/log`)).json();
}

/** The toolResult blocks of a Bedrock request body, in message order. */
function toolResults(body: any): { toolUseId: string; status?: string; content: unknown }[] {
  return (body.messages as any[]).flatMap((m) => (m.content as any[]).filter((b) => b.toolResult).map((b) => b.toolResult));
}

describe("parallel tools in a call", () => {
  it("runs the model's tool calls concurrently behind the filler line and answers from every result", async () => {
    world.platform.sims.bedrock.loadScenario(ORDER_SCENARIO);
    await fetch(`${tools.url}/in-flight/reset`);
    const tenant = await tenantFor(world, { tools: [...orderTools(), { type: "end_call" }] });
    const before = world.platform.sims.bedrock.requests().length;
    const { recording, call } = await placeInboundCall(world, tenant, {
      // The filler line, then (after the tools) the answer.
      steps: [{ waitForAgent: true }, { say: "Where are my orders?" }, { waitForAgent: true }, { waitForAgent: true }, { say: "Thanks, bye!" }, { waitForAgent: true }],
    });

    // Every tool ran, at most two at a time (the call's connection budget), and they overlapped.
    const log = await slowLog();
    expect(log.map((e) => e.tag).sort()).toEqual(ORDERS);
    expect((await (await fetch(`${tools.url}/in-flight`)).json()).max).toBe(2);
    const overlapping = log.filter((a) => log.some((b) => a !== b && a.startedAt < b.endedAt && b.startedAt < a.endedAt));
    expect(overlapping.length).toBeGreaterThanOrEqual(2);
    const span = Math.max(...log.map((e) => e.endedAt)) - Math.min(...log.map((e) => e.startedAt));
    expect(span).toBeLessThan(ORDERS.length * TOOL_MS); // not one after another

    // Every result went back to the model, matched to its call, in order.
    const requests = world.platform.sims.bedrock.requests().slice(before);
    const calling = requests.find((r) => r.ruleId === "orders")!;
    const answering = requests.find((r) => r.ruleId === "orders-answer")!;
    const uses = (answering.body as any).messages.flatMap((m: any) => m.content.filter((b: any) => b.toolUse).map((b: any) => b.toolUse));
    expect(uses.map((u: any) => u.name)).toEqual(ORDERS.map((id) => `order_${id}`));
    const results = toolResults(answering.body);
    expect(results.map((r) => r.toolUseId)).toEqual(uses.map((u: any) => u.toolUseId));
    expect(results.map((r) => r.status)).toEqual(ORDERS.map(() => "success"));
    expect(results.map((r) => JSON.parse((r.content as { text: string }[])[0]!.text))).toEqual(ORDERS.map((tag) => ({ waitedMs: TOOL_MS, query: { ms: String(TOOL_MS), tag } })));
    expect(calling.outcome).toBe("completed");

    // The caller heard the filler line while the tools ran, then the answer, with no audio gap.
    const answer = agentTurns(call).find((t) => t.text.includes("All four"))!;
    expect(answer.text).toBe("One moment while I check that. All four of your orders have shipped and arrive on Friday.");
    expect(call.turns.filter((t) => t.role === "tool").map((t) => JSON.parse(t.text).name)).toEqual([...ORDERS.map((id) => `order_${id}`), "end_call"]);
    expect(recording.turns.every((t) => t.voiceToVoiceMs !== null)).toBe(true);
    expect(call.usage).toMatchObject({ tool_calls: ORDERS.length + 1 });
  }, 60_000);

  it("queues tools beyond the connection budget, never the audio: the caller is still transcribed and answered in time", async () => {
    world.platform.sims.bedrock.loadScenario(ORDER_SCENARIO);
    await fetch(`${tools.url}/in-flight/reset`);
    const tenant = await tenantFor(world, { tools: [...orderTools(), { type: "end_call" }] });
    const dg = world.platform.sims.deepgram.stats();
    // Four 1.2 s tools two at a time keep tool requests in flight for ~2.4 s; the caller speaks half-way through.
    const { recording, call } = await placeInboundCall(world, tenant, {
      steps: [
        { waitForAgent: true },
        { say: "Where are my orders?" },
        { waitForAgent: true, waitSilenceMs: 100, replies: 0 }, // the filler line: a pause within the reply
        { say: "And what are your hours?", immediately: true },
        { waitForAgent: true },
        { say: "Thanks, bye!" },
        { waitForAgent: true },
      ],
    });
    const log = await slowLog();
    expect((await (await fetch(`${tools.url}/in-flight`)).json()).max).toBeLessThanOrEqual(2);
    // The question asked while tools were in flight was transcribed word for word and answered promptly.
    expect(callerTurns(call).map((t) => t.text)).toEqual(["Where are my orders?", "And what are your hours?", "Thanks, bye!"]);
    const hoursTurn = recording.turns.find((t) => t.text === "And what are your hours?")!;
    // The caller spoke while tools were still queued or running: the new turn cancelled the rest.
    expect(log.length < ORDERS.length || log.some((e) => e.endedAt - e.startedAt < TOOL_MS - 100)).toBe(true);
    expect(hoursTurn.voiceToVoiceMs).not.toBeNull();
    expect(hoursTurn.voiceToVoiceMs!).toBeLessThan(3_000); // call-clock ms, on a loaded test machine
    expect(agentTurns(call).map((t) => t.text)).toContain("We're open from nine until five.");
    // Same STT and TTS sockets throughout: nothing was starved into a reconnect.
    const after = world.platform.sims.deepgram.stats();
    expect(after.listen.socketsOpened - dg.listen.socketsOpened).toBe(1);
    expect(after.speak.socketsOpened - dg.speak.socketsOpened).toBe(1);
    expect((call as any).metrics.stt.reconnects).toBe(0);
    expect((call as any).metrics.tts.reconnects).toBe(0);
  }, 60_000);
});

describe("built-in send_dtmf in a call", () => {
  it("plays the digits as in-band tones the caller hears, between the speech, and keeps the stream up", async () => {
    world.platform.sims.bedrock.loadScenario({
      rules: [
        { id: "goodbye", when: { lastUserTextMatches: "bye" }, reply: { text: "Goodbye!", toolUses: [{ name: "end_call", input: {} }] } },
        { id: "dialled", when: { lastToolResultFor: "send_dtmf" }, reply: { text: "Done, I dialled it." } },
        { id: "dial", when: { lastUserTextMatches: "extension" }, reply: { text: "Dialling extension four one.", toolUses: [{ name: "send_dtmf", input: { digits: "41#" } }] } },
        { id: "default", reply: { text: "Sure." } },
      ],
    });
    const tenant = await tenantFor(world, { tools: [{ type: "send_dtmf" }, { type: "end_call" }] });
    // What the caller's side of the line receives from the platform, in order (the simulator keeps only byte counts).
    const heard: Uint8Array[] = [];
    const enqueue = PlaybackQueue.prototype.enqueueAudio;
    const spy = vi.spyOn(PlaybackQueue.prototype, "enqueueAudio").mockImplementation(function (this: PlaybackQueue, bytes, nowMs) {
      heard.push(bytes.slice());
      return enqueue.call(this, bytes, nowMs);
    });
    const { recording, call } = await placeInboundCall(world, tenant, {
      steps: [{ waitForAgent: true }, { say: "Please dial extension four one." }, { waitForAgent: true, waitSilenceMs: 1500 }, { say: "Thanks, bye!" }, { waitForAgent: true }],
    }).finally(() => spy.mockRestore());

    const audio = decodeMulaw(Uint8Array.from(heard.flatMap((b) => [...b])));
    expect(dtmfDigits(audio)).toBe("41#");
    // The tones sit between the sentence before the tool call and the one after it: speech on both sides.
    const tones = audio.findIndex((_, i) => i % 160 === 0 && dtmfDigits(audio.subarray(i, i + 320)) !== "");
    const lastTone = audio.length - [...audio].reverse().findIndex((_, i) => i % 160 === 0 && dtmfDigits(audio.subarray(audio.length - i - 320, audio.length - i)) !== "");
    const loud = (from: number, to: number) => Math.sqrt(audio.subarray(Math.max(0, from), to).reduce((sum, x) => sum + x * x, 0) / (to - from)) > 300;
    expect(tones).toBeGreaterThan(0);
    expect(loud(tones - 4000, tones - 800)).toBe(true);
    expect(loud(lastTone + 800, lastTone + 4000)).toBe(true);
    expect(agentTurns(call).map((t) => t.text)).toContain("Dialling extension four one. Done, I dialled it.");
    // In band: the call was never redirected by a REST update (which would end the stream), and one stream served it all.
    expect(recording.streams).toHaveLength(1);
    expect(recording.webhooks.filter((w) => w.kind === "redirect")).toHaveLength(0);
    expect(recording.errors.filter((e) => e.code !== 0)).toEqual([]);
    expect(callerTurns(call).map((t) => t.text)).toEqual(["Please dial extension four one.", "Thanks, bye!"]);
    expect(call.status).toBe("completed");
  }, 60_000);
});

describe("SSRF in a call", () => {
  it("refuses tool hosts whose names resolve to private addresses (also after a redirect); the model explains and the call goes on", async () => {
    world.platform.sims.bedrock.loadScenario({
      rules: [
        { id: "goodbye", when: { lastUserTextMatches: "bye" }, reply: { text: "Goodbye!", toolUses: [{ name: "end_call", input: {} }] } },
        { id: "explain", when: { lastToolResultFor: "*" }, reply: { text: "Sorry, I can't reach the order system right now." } },
        { id: "lookup", when: { lastUserTextMatches: "order" }, reply: { toolUses: [{ name: "rebinding", input: {} }, { name: "redirecting", input: {} }] } },
        { id: "default", reply: { text: "Sure." } },
      ],
    });
    const tool = (name: string, url: string) => ({ type: "http", name, description: name, parameters: { type: "object", properties: {} }, url, method: "POST" });
    const tenant = await tenantFor(world, {
      tools: [
        tool("rebinding", "https://rebind.public-shop.example/orders"),
        // The first hop is allow-listed (the local tool server); its redirect names a host that resolves to the metadata address.
        tool("redirecting", `${tools.url}/redirect?to=${encodeURIComponent("https://metadata.public-shop.example/latest/meta-data/")}`),
        { type: "end_call" },
      ],
    });
    const before = world.platform.sims.bedrock.requests().length;
    const { call } = await placeInboundCall(world, tenant, {
      steps: [{ waitForAgent: true }, { say: "Where is my order?" }, { waitForAgent: true }, { say: "Okay, bye!" }, { waitForAgent: true }],
    });
    const explain = world.platform.sims.bedrock.requests().slice(before).find((r) => r.ruleId === "explain")!;
    const errors = toolResults(explain.body).map((r) => [r.status, (r.content as { text: string }[])[0]!.text]);
    expect(errors).toEqual([
      ["error", JSON.stringify({ error: "the rebinding service address is not allowed: the host rebind.public-shop.example resolves to 10.0.0.5, which is private" })],
      ["error", JSON.stringify({ error: "the redirecting service address is not allowed (redirect): the host metadata.public-shop.example resolves to 169.254.169.254, which is link-local (cloud metadata)" })],
    ]);
    expect(agentTurns(call).map((t) => t.text)).toContain("Sorry, I can't reach the order system right now.");
    expect(agentTurns(call).at(-1)!.text).toBe("Goodbye!");
    expect(call.status).toBe("completed");
  }, 60_000);
});
