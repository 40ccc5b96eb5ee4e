import {
  ConverseCommand,
  ConverseStreamCommand,
  ModelErrorException,
  ModelStreamErrorException,
  ThrottlingException,
  ValidationException,
  type ContentBlock,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
  type Message,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { latencyProfiles } from "../common/latency-profile.ts";
import { startBedrockSimulator, type BedrockSimulator } from "./bedrock-simulator.ts";
import { EventStreamSplitter } from "./event-stream-codec.ts";
import { estimateTokens } from "./prompt-accounting.ts";
import { HAIKU, sdkClient, signedFetch, TEST_CREDENTIALS, userText } from "./test-clients.ts";

let sim: BedrockSimulator;
beforeAll(async () => {
  sim = await startBedrockSimulator({ credentials: [TEST_CREDENTIALS], seed: 7 });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sim.resetScenario();
});

const weatherTool = { toolSpec: { name: "get_weather", description: "Current weather", inputSchema: { json: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } } };
const orderTool = { toolSpec: { name: "get_order_status", inputSchema: { json: { type: "object", properties: { orderId: { type: "string" } } } } } };

async function stream(input: Omit<ConverseStreamCommandInput, "modelId"> & { modelId?: string }, client = sdkClient(sim)): Promise<ConverseStreamOutput[]> {
  const out = await client.send(new ConverseStreamCommand({ modelId: HAIKU, ...input }));
  const events: ConverseStreamOutput[] = [];
  for await (const event of out.stream!) events.push(event);
  return events;
}

/** Rebuilds the assistant message from stream events, as a client must (blocks keyed by index, tool input parsed at stop). */
function assemble(events: ConverseStreamOutput[]): Message {
  const blocks = new Map<number, { text?: string; reasoning?: string; signature?: string; tool?: { toolUseId: string; name: string }; input?: string }>();
  const at = (i: number) => blocks.get(i) ?? blocks.set(i, {}).get(i)!;
  for (const e of events) {
    if (e.contentBlockStart?.start?.toolUse) at(e.contentBlockStart.contentBlockIndex!).tool = e.contentBlockStart.start.toolUse as { toolUseId: string; name: string };
    const d = e.contentBlockDelta;
    if (d?.delta?.text !== undefined) at(d.contentBlockIndex!).text = (at(d.contentBlockIndex!).text ?? "") + d.delta.text;
    if (d?.delta?.toolUse) at(d.contentBlockIndex!).input = (at(d.contentBlockIndex!).input ?? "") + d.delta.toolUse.input;
    if (d?.delta?.reasoningContent?.text !== undefined) at(d.contentBlockIndex!).reasoning = (at(d.contentBlockIndex!).reasoning ?? "") + d.delta.reasoningContent.text;
    if (d?.delta?.reasoningContent?.signature !== undefined) at(d.contentBlockIndex!).signature = d.delta.reasoningContent.signature;
  }
  const content = [...blocks.entries()].sort(([a], [b]) => a - b).map(([, b]): ContentBlock => {
    if (b.tool) return { toolUse: { ...b.tool, input: JSON.parse(b.input || "{}") } };
    if (b.reasoning !== undefined) return { reasoningContent: { reasoningText: { text: b.reasoning, signature: b.signature } } };
    return { text: b.text ?? "" };
  });
  return { role: "assistant", content };
}

const kinds = (events: ConverseStreamOutput[]) => events.map((e) => Object.keys(e).find((k) => (e as unknown as Record<string, unknown>)[k] !== undefined));

describe("ConverseStream through the official SDK (HTTP/2)", () => {
  it("streams a text answer in small deltas, then messageStop and metadata", async () => {
    const events = await stream({ messages: [userText("Hello there")] });
    const sequence = kinds(events);
    expect(sequence[0]).toBe("messageStart");
    expect(sequence.slice(-3)).toEqual(["contentBlockStop", "messageStop", "metadata"]);
    expect(sequence).not.toContain("contentBlockStart");
    const deltas = events.filter((e) => e.contentBlockDelta).map((e) => e.contentBlockDelta!.delta!.text!);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.every((d) => estimateTokens(d) <= 8)).toBe(true);
    expect(deltas.join("")).toBe("Hello! Thanks for calling. How can I help you today?");
    expect(events.at(-2)!.messageStop!.stopReason).toBe("end_turn");
    const usage = events.at(-1)!.metadata!.usage!;
    expect(usage.outputTokens).toBe(deltas.reduce((n, d) => n + estimateTokens(d), 0));
    expect(usage.totalTokens).toBe(usage.inputTokens! + usage.outputTokens!);
    expect(usage.cacheReadInputTokens).toBeUndefined();
    expect(events.at(-1)!.metadata!.metrics!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("streams a tool call with partial JSON input and answers from the tool result", async () => {
    const toolConfig = { tools: [weatherTool] };
    const first = await stream({ messages: [userText("What's the weather in Paris?")], toolConfig });
    const start = first.find((e) => e.contentBlockStart)!.contentBlockStart!;
    expect(start.contentBlockIndex).toBe(1);
    expect(start.start!.toolUse!.toolUseId).toMatch(/^tooluse_[A-Za-z0-9]{22}$/);
    expect(start.start!.toolUse!.name).toBe("get_weather");
    const fragments = first.filter((e) => e.contentBlockDelta?.delta?.toolUse).map((e) => e.contentBlockDelta!.delta!.toolUse!.input!);
    expect(fragments.length).toBeGreaterThan(1);
    expect(JSON.parse(fragments.join(""))).toEqual({ city: "Paris" });
    expect(first.find((e) => e.messageStop)!.messageStop!.stopReason).toBe("tool_use");

    const assistant = assemble(first);
    const toolUseId = start.start!.toolUse!.toolUseId!;
    const result: Message = { role: "user", content: [{ toolResult: { toolUseId, content: [{ json: { city: "Paris", summary: "sunny and 24 degrees" } }], status: "success" } }] };
    const second = await stream({ messages: [userText("What's the weather in Paris?"), assistant, result], toolConfig });
    expect(assemble(second).content).toEqual([{ text: "Right now in Paris it's sunny and 24 degrees. Anything else I can help you with?" }]);
    const logged = sim.requests();
    expect(logged.map((r) => r.ruleId)).toEqual(["weather-with-city", "weather-result"]);
    expect((logged[1]!.body as { messages: Message[] }).messages[2]).toEqual(result);
  });

  it("emits parallel tool calls and requires a result for each", async () => {
    sim.loadScenario({ rules: [{ when: { lastUserTextMatches: "both" }, reply: { toolUses: [{ name: "get_weather", input: { city: "Oslo" } }, { name: "get_order_status", input: { orderId: "42" } }] } }] });
    const toolConfig = { tools: [weatherTool, orderTool] };
    const events = await stream({ messages: [userText("both please")], toolConfig });
    const assistant = assemble(events);
    expect(assistant.content!.map((b) => b.toolUse?.name)).toEqual(["get_weather", "get_order_status"]);
    expect(events.filter((e) => e.contentBlockStart).map((e) => e.contentBlockStart!.contentBlockIndex)).toEqual([0, 1]);
    const [a, b] = assistant.content!.map((c) => c.toolUse!.toolUseId!);
    expect(a).not.toBe(b);
    const results = (ids: string[]): Message => ({ role: "user", content: ids.map((id) => ({ toolResult: { toolUseId: id, content: [{ text: "ok" }] } })) });
    await expect(stream({ messages: [userText("both please"), assistant, results([a!, b!])], toolConfig })).resolves.toBeDefined();
    await expect(stream({ messages: [userText("both please"), assistant, results([a!])], toolConfig })).rejects.toThrow(new RegExp(`Expected toolResult blocks at messages.2.content for the following Ids: ${b}`));
  });

  it("streams reasoning with a signature that must come back unmodified", async () => {
    const thinking = { additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } }, inferenceConfig: { maxTokens: 4096 } };
    const events = await stream({ messages: [userText("What's the weather in Rome?")], toolConfig: { tools: [weatherTool] }, ...thinking });
    const assistant = assemble(events);
    const reasoning = assistant.content![0]!.reasoningContent!.reasoningText!;
    expect(reasoning.text).toBe("The caller wants the weather in Rome. I should call get_weather with that city.");
    expect(reasoning.signature).toMatch(/^EqQB/);
    expect(assistant.content!.map((c) => Object.keys(c)[0])).toEqual(["reasoningContent", "text", "toolUse"]);
    const signatureDelta = events.findIndex((e) => e.contentBlockDelta?.delta?.reasoningContent?.signature);
    expect(kinds(events)[signatureDelta + 1]).toBe("contentBlockStop");

    const toolUseId = assistant.content![2]!.toolUse!.toolUseId!;
    const result: Message = { role: "user", content: [{ toolResult: { toolUseId, content: [{ text: "sunny" }] } }] };
    const next = { toolConfig: { tools: [weatherTool] }, ...thinking };
    await expect(stream({ messages: [userText("What's the weather in Rome?"), assistant, result], ...next })).resolves.toBeDefined();
    const tampered: Message = { role: "assistant", content: [{ reasoningContent: { reasoningText: { ...reasoning, text: `${reasoning.text}!` } } }, ...assistant.content!.slice(1)] };
    await expect(stream({ messages: [userText("What's the weather in Rome?"), tampered, result], ...next })).rejects.toThrow(/Invalid `signature` in `thinking` block/);
  });

  it("reports cache writes, then cache reads, for a prompt with a cachePoint", async () => {
    const system = [{ text: "You are a helpful phone agent. ".repeat(150) }, { cachePoint: { type: "default" as const } }];
    const first = (await stream({ system, messages: [userText("Hello")] })).at(-1)!.metadata!.usage!;
    expect(first.cacheWriteInputTokens).toBe(Math.ceil((31 * 150) / 4));
    expect(first.cacheReadInputTokens).toBe(0);
    const second = (await stream({ system, messages: [userText("Hello again")] })).at(-1)!.metadata!.usage!;
    expect([second.cacheReadInputTokens, second.cacheWriteInputTokens]).toEqual([first.cacheWriteInputTokens, 0]);
    expect(second.totalTokens).toBe(second.inputTokens! + second.outputTokens! + second.cacheReadInputTokens!);
    const short = (await stream({ system: [{ text: "short" }, { cachePoint: { type: "default" } }], messages: [userText("Hello")] })).at(-1)!.metadata!.usage!;
    expect([short.cacheReadInputTokens, short.cacheWriteInputTokens]).toEqual([0, 0]);
  });

  it("stops at maxTokens and at stop sequences", async () => {
    const cut = await stream({ messages: [userText("Hello")], inferenceConfig: { maxTokens: 3 } });
    expect(cut.find((e) => e.messageStop)!.messageStop!.stopReason).toBe("max_tokens");
    expect(cut.at(-1)!.metadata!.usage!.outputTokens).toBeLessThanOrEqual(3);
    const stopped = await stream({ messages: [userText("Hello")], inferenceConfig: { stopSequences: ["calling"] }, additionalModelResponseFieldPaths: ["/stop_sequence"] });
    expect(assemble(stopped).content).toEqual([{ text: "Hello! Thanks for " }]);
    expect(stopped.find((e) => e.messageStop)!.messageStop).toMatchObject({ stopReason: "stop_sequence", additionalModelResponseFields: { stop_sequence: "calling" } });
  });

  it("works over HTTP/1.1 too (the SDK's NodeHttpHandler, as with fetch in a Worker)", async () => {
    const client = sdkClient(sim);
    client.config.requestHandler = new NodeHttpHandler();
    expect(assemble(await stream({ messages: [userText("hi")] }, client)).content![0]!.text).toMatch(/^Hello!/);
  });
});

describe("raw event-stream frames", () => {
  it("carry the event headers and Bedrock's random `p` padding", async () => {
    const response = await signedFetch(sim, { operation: "converse-stream", body: { messages: [userText("Hello")] } });
    expect(response.headers.get("content-type")).toBe("application/vnd.amazon.eventstream");
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    const messages = new EventStreamSplitter().push(new Uint8Array(await response.arrayBuffer()));
    for (const m of messages) {
      expect(m.headers[":message-type"]).toBe("event");
      expect(m.headers[":content-type"]).toBe("application/json");
      const payload = JSON.parse(new TextDecoder().decode(m.payload)) as { p: string };
      expect("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".startsWith(payload.p)).toBe(true);
      expect(payload.p.length).toBeGreaterThan(0);
    }
    expect(messages.at(-1)!.headers[":event-type"]).toBe("metadata");
    expect(new Set(messages.map((m) => JSON.parse(new TextDecoder().decode(m.payload)).p)).size).toBeGreaterThan(1);
  });
});

describe("Converse (non-streaming)", () => {
  it("returns the same turn as one message", async () => {
    const out = await sdkClient(sim).send(
      new ConverseCommand({ modelId: HAIKU, messages: [userText("Where is my order 98765?")], toolConfig: { tools: [orderTool] }, additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } }, inferenceConfig: { maxTokens: 2000 } }),
    );
    expect(out.stopReason).toBe("tool_use");
    const content = out.output!.message!.content!;
    expect(content[0]!.reasoningContent!.reasoningText!.signature).toMatch(/^EqQB/);
    expect(content[1]!.text).toBe("One moment while I look up order 98765.");
    expect(content[2]!.toolUse).toMatchObject({ name: "get_order_status", input: { orderId: "98765" } });
    expect(out.usage!.totalTokens).toBe(out.usage!.inputTokens! + out.usage!.outputTokens!);
    expect(out.metrics!.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe("errors", () => {
  it("throttles before the stream with HTTP 429, which the SDK retries", async () => {
    sim.throttleNext(1);
    const error = await stream({ messages: [userText("hi")] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottlingException);
    expect((error as ThrottlingException).$metadata.httpStatusCode).toBe(429);
    sim.throttleNext(1);
    await expect(stream({ messages: [userText("hi")] }, sdkClient(sim, { maxAttempts: 2 }))).resolves.toBeDefined();
    expect(sim.requests().map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("fails a stream mid-way with modelStreamErrorException", async () => {
    sim.failNextStream({ afterEvents: 3 });
    const events: ConverseStreamOutput[] = [];
    const out = await sdkClient(sim).send(new ConverseStreamCommand({ modelId: HAIKU, messages: [userText("Hello")] }));
    const error = await (async () => {
      for await (const event of out.stream!) events.push(event);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelStreamErrorException);
    expect(events).toHaveLength(3);
    expect(sim.requests()[0]).toMatchObject({ status: 200, outcome: "exception", errorType: "modelStreamErrorException" });
  });

  it("applies a rule's stream error after N deltas, and maps it to an HTTP error for Converse", async () => {
    sim.loadScenario({ rules: [{ reply: { text: "one two three four five six seven eight" }, streamError: { type: "throttlingException", afterDeltas: 2 } }] });
    const events: ConverseStreamOutput[] = [];
    const out = await sdkClient(sim).send(new ConverseStreamCommand({ modelId: HAIKU, messages: [userText("x")] }));
    const error = await (async () => {
      for await (const event of out.stream!) events.push(event);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(events.filter((e) => e.contentBlockDelta)).toHaveLength(2);
    sim.loadScenario({ rules: [{ reply: { text: "x" }, streamError: "modelStreamErrorException" }] });
    await expect(sdkClient(sim).send(new ConverseCommand({ modelId: HAIKU, messages: [userText("x")] }))).rejects.toBeInstanceOf(ModelErrorException);
  });

  it("rejects a bad request with the SDK's ValidationException", async () => {
    await expect(stream({ modelId: "anthropic.claude-unknown-v1:0", messages: [userText("hi")] })).rejects.toBeInstanceOf(ValidationException);
    await expect(stream({ messages: [userText("hi")], inferenceConfig: { temperature: 1.5 } })).rejects.toThrow(/inferenceConfig.temperature/);
  });

  it("rejects a wrong secret and an unknown access key", async () => {
    const wrong = (await stream({ messages: [userText("hi")] }, sdkClient(sim, { secretAccessKey: "wrong" })).catch((e: unknown) => e)) as Error & { $metadata?: { httpStatusCode?: number } };
    expect([wrong.name, wrong.$metadata?.httpStatusCode]).toEqual(["InvalidSignatureException", 403]);
    await expect(stream({ messages: [userText("hi")] }, sdkClient(sim, { accessKeyId: "AKIDUNKNOWN" }))).rejects.toThrow(/security token included in the request is invalid/);
    expect(sim.requests().every((r) => r.ruleIndex === undefined)).toBe(true);
  });
});

describe("dropped connections (jittery profile)", () => {
  it("cuts the connection mid-stream, which the SDK surfaces as an error", async () => {
    const dropping = await startBedrockSimulator({ profile: { ...latencyProfiles.instant, socketDropRate: 1 }, seed: 2 });
    try {
      const error = await stream({ messages: [userText("Hello")] }, sdkClient(dropping)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(dropping.requests()[0]!.outcome).toBe("dropped");
    } finally {
      await dropping.close();
    }
  });
});
