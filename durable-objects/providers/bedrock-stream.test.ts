import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { ConverseStreamAssembler, parseToolInput } from "./bedrock-stream.ts";
import type { LlmEvent } from "./provider-types.ts";

const run = (events: ConverseStreamOutput[], assembler = new ConverseStreamAssembler("us.model")): LlmEvent[] => events.flatMap((e) => assembler.handle(e));
const delta = (contentBlockIndex: number, d: object) => ({ contentBlockDelta: { contentBlockIndex, delta: d } }) as ConverseStreamOutput;
const start = (contentBlockIndex: number, toolUseId: string, name: string) => ({ contentBlockStart: { contentBlockIndex, start: { toolUse: { toolUseId, name } } } }) as ConverseStreamOutput;
const stop = (contentBlockIndex: number) => ({ contentBlockStop: { contentBlockIndex } }) as ConverseStreamOutput;

describe("ConverseStreamAssembler", () => {
  it("passes text on per delta and parses a tool's input only once its block stops", () => {
    const assembler = new ConverseStreamAssembler("us.model");
    const out = run(
      [
        { messageStart: { role: "assistant" } },
        delta(0, { text: "Let me " }),
        delta(0, { text: "" }),
        delta(0, { text: "check." }),
        stop(0),
        start(1, "tooluse_1", "get_weather"),
        delta(1, { toolUse: { input: '{"ci' } }),
        delta(1, { toolUse: { input: 'ty": "Pa' } }),
      ],
      assembler,
    );
    expect(out).toEqual([
      { type: "text", text: "Let me " },
      { type: "text", text: "check." },
    ]);
    expect(run([delta(1, { toolUse: { input: 'ris"}' } }), stop(1), { messageStop: { stopReason: "tool_use" } }], assembler)).toEqual([
      { type: "tool_use", toolUseId: "tooluse_1", name: "get_weather", input: { city: "Paris" } },
      { type: "stop", reason: "tool_use" },
    ]);
    expect(assembler.stopped).toBe(true);
    expect(assembler.toolUseIds).toEqual(["tooluse_1"]);
  });

  it("keys interleaved blocks by index", () => {
    const out = run([start(0, "a", "one"), start(1, "b", "two"), delta(1, { toolUse: { input: '{"n":2}' } }), delta(0, { toolUse: { input: '{"n":1}' } }), stop(1), stop(0)]);
    expect(out).toEqual([
      { type: "tool_use", toolUseId: "b", name: "two", input: { n: 2 } },
      { type: "tool_use", toolUseId: "a", name: "one", input: { n: 1 } },
    ]);
  });

  it("keeps reasoning (text, signature, redacted) out of the spoken text, in block order", () => {
    const assembler = new ConverseStreamAssembler("us.model");
    const out = run(
      [
        delta(0, { reasoningContent: { text: "Think " } }),
        delta(0, { reasoningContent: { text: "hard." } }),
        delta(0, { reasoningContent: { signature: "sig-1" } }),
        stop(0),
        delta(1, { reasoningContent: { redactedContent: new Uint8Array([1, 2]) } }),
        delta(1, { reasoningContent: { redactedContent: new Uint8Array([3]) } }),
        stop(1),
        delta(2, { text: "Hi." }),
      ],
      assembler,
    );
    expect(out).toEqual([{ type: "text", text: "Hi." }]);
    expect(assembler.reasoningBlocks()).toEqual([
      { reasoningContent: { reasoningText: { text: "Think hard.", signature: "sig-1" } } },
      { reasoningContent: { redactedContent: new Uint8Array([1, 2, 3]) } },
    ]);
  });

  it("maps stop reasons and usage with cache tokens", () => {
    const out = run([
      { messageStop: { stopReason: "guardrail_intervened" } } as ConverseStreamOutput,
      { metadata: { usage: { inputTokens: 10, outputTokens: 5, totalTokens: 1215, cacheReadInputTokens: 1200 }, metrics: { latencyMs: 1 } } } as ConverseStreamOutput,
    ]);
    expect(out).toEqual([
      { type: "stop", reason: "other" },
      { type: "usage", modelId: "us.model", inputTokens: 10, outputTokens: 5, cacheReadTokens: 1200, cacheWriteTokens: 0 },
    ]);
    expect(run([{ messageStop: { stopReason: "max_tokens" } } as ConverseStreamOutput])).toEqual([{ type: "stop", reason: "max_tokens" }]);
  });

  it("throws an exception member handed over as an event", () => {
    expect(() => run([{ throttlingException: { message: "slow down" } } as ConverseStreamOutput])).toThrow(expect.objectContaining({ name: "ThrottlingException", message: "slow down" }));
  });
});

describe("parseToolInput", () => {
  it.each([
    ["", {}],
    ["  ", {}],
    ['""', {}],
    ["{}", {}],
    ['{"a":[1,{"b":null}]}', { a: [1, { b: null }] }],
    ['"{\\"a\\":1}"', { a: 1 }],
  ])("parses %j", (raw, input) => {
    expect(parseToolInput(raw)).toEqual({ input, valid: true });
  });

  it.each(['{"a":', "[1,2]", "42", "null", '"just text"'])("turns %j into {} flagged invalid", (raw) => {
    expect(parseToolInput(raw)).toEqual({ input: {}, valid: false });
  });
});
