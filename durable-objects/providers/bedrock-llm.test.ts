import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { BedrockLanguageModel, type BedrockLanguageModelOptions } from "./bedrock-llm.ts";
import { ProviderError, type ChatMessage, type LlmEvent, type LlmRequest, type ToolSpec } from "./provider-types.ts";

/**
 * The backoffs the client announces in its `retry` log lines, in ms: the retry schedule is read from these, not
 * from wall-clock time. Call before the stream starts.
 */
function watchBackoffs(): number[] {
  const delays: number[] = [];
  const warn = console.warn.bind(console);
  vi.spyOn(console, "warn").mockImplementation((line: unknown, ...rest: unknown[]) => {
    const parsed = typeof line === "string" && line.startsWith("{") ? (JSON.parse(line) as { event?: string; delayMs?: number }) : {};
    if (parsed.event === "retry" && parsed.delayMs !== undefined) delays.push(parsed.delayMs);
    warn(line, ...rest);
  });
  return delays;
}

// The Bedrock client's own simulator (scenarios and armed faults are global to a simulator; see global-setup.ts).
const SIM = env.BEDROCK_ISOLATED_ENDPOINT;
const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU_35 = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

interface SimRequest {
  modelId: string;
  status: number;
  errorType?: string;
  outcome?: string;
  events?: number;
  durationMs?: number;
  usage?: { outputTokens: number };
  body: {
    system?: Record<string, unknown>[];
    messages: { role: string; content: Record<string, unknown>[] }[];
    toolConfig?: { tools: Record<string, unknown>[] };
    inferenceConfig?: { maxTokens?: number; temperature?: number };
    additionalModelRequestFields?: { thinking?: { type: string; budget_tokens: number } };
  };
}

async function control(method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${SIM}/__control/${route}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${method} ${route}: ${res.status} ${await res.text()}`);
  return res.json();
}
const loadScenario = (rules: unknown[]) => control("PUT", "scenario", { rules });
const received = async () => (await control("GET", "requests")) as SimRequest[];
/** Waits until the simulator has received `count` requests (answered or still streaming). */
const waitUntilReceived = (count: number) => vi.waitFor(async () => expect((await received()).length).toBeGreaterThanOrEqual(count), { timeout: 10_000, interval: 10 });

/** The simulator's log once `count` requests have ended (have an outcome), waiting at most `withinMs`. */
async function settled(count: number, withinMs: number): Promise<SimRequest[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const requests = await received();
    if (requests.filter((r) => r.outcome !== undefined).length >= count || Date.now() > deadline) return requests;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const model = (options: Partial<BedrockLanguageModelOptions> = {}) =>
  new BedrockLanguageModel({
    region: env.BEDROCK_REGION,
    endpoint: SIM,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    retryDelaysMs: [10, 20, 40],
    random: () => 0.5,
    ...options,
  });

const user = (text: string): ChatMessage => ({ role: "user", content: [{ text }] });
const request = (overrides: Partial<LlmRequest> = {}): LlmRequest => ({
  modelId: HAIKU,
  system: "You are a phone agent for a restaurant.",
  messages: [user("Hello")],
  tools: [],
  temperature: 0.6,
  maxTokens: 400,
  promptCaching: false,
  ...overrides,
});
const bookTable: ToolSpec = { name: "book_table", description: "Books a table", inputSchema: { type: "object", properties: { date: { type: "string" }, party: { type: "integer" } }, required: ["date"] } };
const endCall: ToolSpec = { name: "end_call", description: "Ends the call", inputSchema: { type: "object", properties: {} } };

async function collect(stream: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const events: LlmEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
async function failure(stream: AsyncIterable<LlmEvent>): Promise<{ error: ProviderError; events: LlmEvent[] }> {
  const events: LlmEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return { error: error as ProviderError, events };
  }
  throw new Error(`expected the stream to fail; got ${JSON.stringify(events)}`);
}
const textOf = (events: LlmEvent[]) => events.flatMap((e) => (e.type === "text" ? [e.text] : [])).join("");
const ofType = <T extends LlmEvent["type"]>(events: LlmEvent[], type: T) => events.filter((e): e is Extract<LlmEvent, { type: T }> => e.type === type);
const never = () => new AbortController().signal;

beforeEach(async () => {
  vi.restoreAllMocks();
  await control("POST", "reset");
  await control("PUT", "profile", { profile: "instant" });
});

describe("BedrockLanguageModel streaming", () => {
  it("streams text deltas as they arrive, then stop and usage", async () => {
    await loadScenario([{ reply: { text: "Good evening! Thanks for calling Luigi's. How can I help you tonight?" } }]);
    const events = await collect(model().stream(request(), never()));
    expect(ofType(events, "text").length).toBeGreaterThan(3);
    expect(textOf(events)).toBe("Good evening! Thanks for calling Luigi's. How can I help you tonight?");
    expect(events.at(-2)).toEqual({ type: "stop", reason: "end_turn" });
    expect(events.at(-1)).toMatchObject({ type: "usage", modelId: HAIKU, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect((events.at(-1) as { outputTokens: number }).outputTokens).toBeGreaterThan(0);

    const [sent] = await received();
    expect(sent!.modelId).toBe(HAIKU);
    expect(sent!.body.system).toEqual([{ text: "You are a phone agent for a restaurant." }]);
    expect(sent!.body.inferenceConfig).toEqual({ maxTokens: 400, temperature: 0.6 });
    expect(sent!.body.toolConfig).toBeUndefined();
    expect(sent!.body.additionalModelRequestFields).toBeUndefined();
  });

  it("emits a tool_use once its partial JSON input is complete, after the text before it", async () => {
    const input = { date: "2026-05-01", party: 4, notes: 'window seat, "quiet" please' };
    await loadScenario([{ reply: { text: "Let me book that for you.", toolUses: [{ name: "book_table", input }] } }]);
    const events = await collect(model().stream(request({ tools: [bookTable] }), never()));
    expect(events.map((e) => e.type)).toEqual([...ofType(events, "text").map(() => "text"), "tool_use", "stop", "usage"]);
    const [toolUse] = ofType(events, "tool_use");
    expect(toolUse).toMatchObject({ name: "book_table", input });
    expect(toolUse!.toolUseId).toMatch(/^tooluse_/);
    expect(events.find((e) => e.type === "stop")).toEqual({ type: "stop", reason: "tool_use" });
    const [sent] = await received();
    expect(sent!.body.toolConfig!.tools).toEqual([{ toolSpec: { name: "book_table", description: "Books a table", inputSchema: { json: bookTable.inputSchema } } }]);
  });

  it("emits parallel tool uses in order, an argument-less call as {}, and accepts their results back", async () => {
    await loadScenario([
      { when: { lastToolResultFor: "*" }, reply: { text: "Booked, and goodbye." } },
      { reply: { toolUses: [{ name: "book_table", input: { date: "2026-05-01" } }, { name: "book_table", input: { date: "2026-05-02" } }, { name: "end_call" }] } },
    ]);
    const llm = model();
    const first = await collect(llm.stream(request({ tools: [bookTable, endCall] }), never()));
    const uses = ofType(first, "tool_use");
    expect(uses.map((u) => [u.name, u.input])).toEqual([
      ["book_table", { date: "2026-05-01" }],
      ["book_table", { date: "2026-05-02" }],
      ["end_call", {}],
    ]);
    expect(new Set(uses.map((u) => u.toolUseId)).size).toBe(3);

    const history: ChatMessage[] = [
      user("Book two tables and hang up"),
      { role: "assistant", content: uses.map((u) => ({ toolUse: { toolUseId: u.toolUseId, name: u.name, input: u.input } })) },
      { role: "user", content: uses.map((u) => ({ toolResult: { toolUseId: u.toolUseId, content: [{ text: '{"ok":true}' }], status: "success" as const } })) },
    ];
    const second = await collect(llm.stream(request({ tools: [bookTable, endCall], messages: history }), never()));
    expect(textOf(second)).toBe("Booked, and goodbye.");
  });

  it("sends a toolConfig when the history holds tool blocks but no tools are offered", async () => {
    await loadScenario([{ reply: { text: "Is there anything else?" } }]);
    const history: ChatMessage[] = [
      user("Book a table"),
      { role: "assistant", content: [{ text: "Booking." }, { toolUse: { toolUseId: "tooluse_old1", name: "book_table", input: { date: "2026-05-01" } } }] },
      { role: "user", content: [{ toolResult: { toolUseId: "tooluse_old1", content: [{ json: { ok: true } }] } }, { text: "Thanks" }] },
    ];
    const events = await collect(model().stream(request({ messages: history }), never()));
    expect(textOf(events)).toBe("Is there anything else?");
    const [sent] = await received();
    expect(sent!.status).toBe(200);
    expect(sent!.body.toolConfig!.tools).toEqual([
      { toolSpec: { name: "book_table", description: expect.stringMatching(/Do not call it/), inputSchema: { json: { type: "object", properties: {} } } } },
    ]);
  });

  it("places cache points after the system prompt and the tools, and reports cache tokens", async () => {
    await loadScenario([{ reply: { text: "Sure." } }]);
    const system = `You are the booking agent for Luigi's. ${"Menu and policy details. ".repeat(250)}`;
    const llm = model();
    const first = ofType(await collect(llm.stream(request({ system, tools: [bookTable], promptCaching: true }), never())), "usage")[0]!;
    const second = ofType(await collect(llm.stream(request({ system, tools: [bookTable], promptCaching: true, messages: [user("Hi again")] }), never())), "usage")[0]!;
    expect(first.cacheWriteTokens).toBeGreaterThan(1000);
    expect(first.cacheReadTokens).toBe(0);
    expect(second.cacheReadTokens).toBe(first.cacheWriteTokens);
    expect(second.inputTokens).toBeLessThan(first.cacheWriteTokens);

    const [sent] = await received();
    expect(sent!.body.system).toEqual([{ text: system }, { cachePoint: { type: "default" } }]);
    expect(sent!.body.toolConfig!.tools.at(-1)).toEqual({ cachePoint: { type: "default" } });
  });

  it("enables extended thinking at temperature 1, never speaks the reasoning, and sends it back with tool results", async () => {
    await loadScenario([
      { when: { lastToolResultFor: "book_table" }, reply: { text: "Your table is booked." } },
      { reply: { thinking: "The caller wants a table on May 1st. I will call book_table.", text: "One moment.", toolUses: [{ name: "book_table", input: { date: "2026-05-01" } }] } },
    ]);
    const llm = model();
    const thinkingRequest = request({ tools: [bookTable], thinkingBudgetTokens: 2048 });
    const first = await collect(llm.stream(thinkingRequest, never()));
    expect(textOf(first)).toBe("One moment.");
    const [use] = ofType(first, "tool_use");
    const history: ChatMessage[] = [
      user("A table for May 1st"),
      { role: "assistant", content: [{ text: "One moment." }, { toolUse: { toolUseId: use!.toolUseId, name: use!.name, input: use!.input } }] },
      { role: "user", content: [{ toolResult: { toolUseId: use!.toolUseId, content: [{ text: "booked" }], status: "success" } }] },
    ];
    const second = await collect(llm.stream({ ...thinkingRequest, messages: history }, never()));
    expect(textOf(second)).toBe("Your table is booked.");

    const [sentFirst, sentSecond] = await received();
    expect(sentFirst!.body.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 2048 } });
    expect(sentFirst!.body.inferenceConfig).toEqual({ maxTokens: 400 + 2048, temperature: 1 });
    // The simulator verifies the signature: a modified or missing one would have been a 400.
    expect(sentSecond!.status).toBe(200);
    const assistant = sentSecond!.body.messages[1]!;
    expect(assistant.content[0]).toEqual({
      reasoningContent: { reasoningText: { text: "The caller wants a table on May 1st. I will call book_table.", signature: expect.any(String) } },
    });
    expect(assistant.content.slice(1).map((b) => Object.keys(b)[0])).toEqual(["text", "toolUse"]);
  });

  it("leaves thinking off for a model without it, and for a tool loop whose reasoning it no longer has", async () => {
    await loadScenario([{ reply: { text: "Okay." } }]);
    await collect(model().stream(request({ modelId: HAIKU_35, thinkingBudgetTokens: 2048 }), never()));
    const history: ChatMessage[] = [
      user("A table"),
      { role: "assistant", content: [{ toolUse: { toolUseId: "tooluse_unknown", name: "book_table", input: { date: "x" } } }] },
      { role: "user", content: [{ toolResult: { toolUseId: "tooluse_unknown", content: [{ text: "booked" }] } }] },
    ];
    await collect(model().stream(request({ tools: [bookTable], thinkingBudgetTokens: 2048, messages: history }), never()));
    const sent = await received();
    expect(sent.map((r) => [r.status, r.body.additionalModelRequestFields, r.body.inferenceConfig])).toEqual([
      [200, undefined, { maxTokens: 400, temperature: 0.6 }],
      [200, undefined, { maxTokens: 400, temperature: 0.6 }],
    ]);
  });
});

describe("BedrockLanguageModel failures", () => {
  it("retries throttling with backoff and then succeeds", async () => {
    await loadScenario([{ reply: { text: "Finally." } }]);
    await control("POST", "throttle", { count: 2 });
    const llm = model();
    const events = await collect(llm.stream(request(), never(), SONNET));
    expect(textOf(events)).toBe("Finally.");
    const sent = await received();
    expect(sent.map((r) => [r.modelId, r.status])).toEqual([
      [HAIKU, 429],
      [HAIKU, 429],
      [HAIKU, 200],
    ]);
    expect(llm.stats).toMatchObject({ retries: 2, fallbacks: 0 });
  });

  it("retries a stream error that came before any text", async () => {
    await loadScenario([{ reply: { text: "Second try worked." } }]);
    await control("POST", "fail-stream", { afterDeltas: 0, exception: "modelStreamErrorException" });
    const events = await collect(model().stream(request(), never()));
    expect(textOf(events)).toBe("Second try worked.");
    expect((await received()).length).toBe(2);
  });

  it("falls back to the fallback model once the retry budget is spent (default 100/300/900 ms schedule)", async () => {
    await loadScenario([{ when: { modelFamily: "haiku" }, throttle: true }, { reply: { text: "Sonnet here." } }]);
    const llm = model({ retryDelaysMs: undefined });
    const backoffs = watchBackoffs();
    const events = await collect(llm.stream(request(), never(), SONNET));
    expect(textOf(events)).toBe("Sonnet here.");
    expect(ofType(events, "usage")[0]!.modelId).toBe(SONNET);
    const sent = await received();
    expect(sent.map((r) => [r.modelId, r.status])).toEqual([
      [HAIKU, 429],
      [HAIKU, 429],
      [HAIKU, 429],
      [HAIKU, 429],
      [SONNET, 200],
    ]);
    // 100 + 300 + 900 ms of backoff (jitter pinned to the middle), within the ~2 s budget.
    expect(backoffs).toEqual([100, 300, 900]);
    expect(llm.stats).toMatchObject({ retries: 3, fallbacks: 1 });
  });

  it("gives up with a retryable ProviderError when the fallback fails too", async () => {
    await loadScenario([{ throttle: true }]);
    const { error, events } = await failure(model().stream(request(), never(), SONNET));
    expect(events).toEqual([]);
    expect(error).toMatchObject({ provider: "bedrock", retryable: true, status: 429 });
    expect(error.message).toMatch(/ThrottlingException after 5 attempts \(fallback model included\)/);
    expect((await received()).map((r) => r.modelId)).toEqual([HAIKU, HAIKU, HAIKU, HAIKU, SONNET]);
  });

  it("stops retrying when the time budget is spent", async () => {
    await loadScenario([{ throttle: true }]);
    const { error } = await failure(model({ retryDelaysMs: [50, 5000], retryBudgetMs: 1000 }).stream(request(), never()));
    expect(error.retryable).toBe(true);
    expect((await received()).length).toBe(2);
  });

  it("does not retry a validation error, nor try the fallback", async () => {
    // A base model id: Claude is only served on demand through an inference profile.
    const { error } = await failure(model().stream(request({ modelId: "anthropic.claude-haiku-4-5-20251001-v1:0" }), never(), SONNET));
    expect(error).toMatchObject({ provider: "bedrock", retryable: false, status: 400 });
    expect(error.message).toMatch(/^ValidationException: Invocation of model ID/);
    expect((await received()).length).toBe(1);
  });

  it("does not retry once text was emitted: the mid-stream error is thrown after the partial text", async () => {
    await loadScenario([{ reply: { text: "Your table is booked for seven people at eight." }, streamError: { type: "modelStreamErrorException", afterDeltas: 2 } }]);
    const { error, events } = await failure(model().stream(request(), never(), SONNET));
    expect(ofType(events, "text")).toHaveLength(2);
    // Not retried because of what was said, but the failure itself is transient: the next turn may well work.
    expect(error).toMatchObject({ retryable: true, code: "ModelStreamErrorException", attempts: 1 });
    expect(error.message).toMatch(/^ModelStreamErrorException after the answer began/);
    expect((await received()).length).toBe(1);
  });

  it("ends quietly and quickly when aborted mid-stream", async () => {
    await control("PUT", "profile", { profile: "realistic" });
    await loadScenario([{ reply: { text: "This is a long answer. ".repeat(40) } }]);
    const turn = new AbortController();
    const events: LlmEvent[] = [];
    for await (const event of model().stream(request(), turn.signal)) {
      events.push(event);
      if (events.length === 2) turn.abort();
    }
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.type === "text")).toBe(true);
    // Quickly: the stream was cut, not read to its end (the whole answer is ~110 events).
    const [logged] = await settled(1, 10_000);
    expect(logged!.outcome).toBe("aborted");
    expect(logged!.events!).toBeLessThan(30);
  });

  it("cuts the HTTP stream when aborted mid-stream or before the first token, or no longer read: Bedrock stops at once", async () => {
    await control("PUT", "profile", { profile: "realistic" });
    // ~230 tokens at ~80 a second: the whole answer would stream for about 3 s.
    await loadScenario([{ reply: { text: "This is a long answer. ".repeat(40) } }]);
    const midStream = new AbortController();
    let texts = 0;
    for await (const event of model().stream(request(), midStream.signal)) if (event.type === "text" && ++texts === 2) midStream.abort();
    const beforeFirstToken = new AbortController();
    const pending = collect(model().stream(request(), beforeFirstToken.signal));
    // Aborted as soon as the simulator holds the request: its first token is ~700 ms of profile time away.
    await waitUntilReceived(2);
    beforeFirstToken.abort();
    expect(await pending).toEqual([]);
    for await (const event of model().stream(request(), never())) if (event.type === "text") break; // a consumer that stops reading

    // The simulator logs a stream once it ends; a cut one ends as soon as the simulator sees the client go.
    const ended = await settled(3, 10_000);
    expect(ended.map((r) => r.outcome)).toEqual(["aborted", "aborted", "aborted"]);
    expect(ended.map((r) => r.events! < 30)).toEqual([true, true, true]); // the whole answer is ~110 events
    expect(ended.map((r) => r.usage!.outputTokens < 60)).toEqual([true, true, true]); // Bedrock bills what it generated
  });

  it("ends quietly when aborted during backoff, and at once when aborted before the start", async () => {
    await loadScenario([{ throttle: true }]);
    const turn = new AbortController();
    const backoffs = watchBackoffs();
    const pending = collect(model({ retryDelaysMs: [5000], retryBudgetMs: 10_000 }).stream(request(), turn.signal, SONNET));
    // Aborted once the client is in its 5 s backoff; the stream then ends with no second request.
    await vi.waitFor(() => expect(backoffs).toEqual([5000]), { timeout: 10_000, interval: 5 });
    turn.abort();
    expect(await pending).toEqual([]);
    expect((await received()).length).toBe(1);

    await control("POST", "reset");
    expect(await collect(model().stream(request(), AbortSignal.abort()))).toEqual([]);
    expect(await received()).toEqual([]);
  });
});
