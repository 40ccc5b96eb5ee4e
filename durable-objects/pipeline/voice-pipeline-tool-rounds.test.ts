import { describe, expect, it, vi } from "vitest";
import type { LlmRequest } from "../providers/provider-types.ts";
import type { Frame } from "./frames.ts";
import { runTools, type ToolExecution } from "../tools/tool-runner.ts";
import type { ToolCall } from "./stages/conversation.ts";
import { bedrockHistoryProblem, text, type ScriptedReply } from "./testing/fake-providers.ts";
import { harness, played } from "./testing/pipeline-harness.ts";

describe("a caller turn while a tool round runs", () => {
  const ORDERS = ["A1", "B2", "C3", "D4"];
  const askAll: ScriptedReply = ORDERS.map((id) => ({ type: "tool_use" as const, toolUseId: `t_${id}`, name: `order_${id}`, input: {} }));
  /** Four slow tools through the real runner, two at a time; each records whether the turn cancelled it. */
  function orderTools(ms: number) {
    const outcome: Record<string, "done" | "cancelled" | "skipped"> = {};
    const executors = Object.fromEntries(
      ORDERS.map((id) => [
        `order_${id}`,
        (_input: unknown, signal: AbortSignal) =>
          new Promise<ToolExecution>((resolve) => {
            const timer = setTimeout(() => ((outcome[id] = "done"), resolve({ status: "success", content: `{"order":"${id}","status":"shipped"}` })), ms);
            signal.addEventListener("abort", () => (clearTimeout(timer), (outcome[id] ??= "cancelled"), resolve({ status: "error", content: "cancelled" })), { once: true });
          }),
      ]),
    );
    return { outcome, runTools: (calls: ToolCall[], signal: AbortSignal) => runTools(calls, executors, { signal, maxConcurrent: 2 }) };
  }
  const answerHours = (req: LlmRequest) => text(JSON.stringify(req.messages.at(-1)).includes("hours") ? "We're open from nine until five. " : "Sorry? ");
  const historyOf = (h: ReturnType<typeof harness>) => h.pipeline.conversation.history.messages;

  it("said over the filler line: the round is cancelled, answered with error results, and the new turn is answered", async () => {
    const tools = orderTools(1_000);
    const h = harness([[...askAll, { type: "stop", reason: "tool_use" }], answerHours], { runTools: tools.runTools });
    h.stt.say("Where are my orders", 1000);
    await vi.waitFor(() => expect(h.tts.spoken).toEqual(["One moment while I check that."]), { timeout: 3000, interval: 2 });
    await vi.waitFor(() => expect(h.sink.media).toBeGreaterThan(0), { timeout: 3000, interval: 2 });
    h.stt.say("And what are your hours", 3000); // the filler's marks are not echoed: it is still playing
    const turn = (h.kinds("user_turn").at(-1) as Extract<Frame, { kind: "user_turn" }>).turnId;
    await played(h, turn);
    expect(h.llm.rejected).toEqual([]);
    expect(h.tts.spoken.at(-1)).toBe("We're open from nine until five.");
    expect(Object.values(tools.outcome)).not.toContain("done");
    expect(Object.keys(tools.outcome)).toEqual(["A1", "B2"]); // the queued two never started
    const asked = h.llm.requests.at(-1)!.messages;
    const results = asked.flatMap((m) => m.content.flatMap((b) => ("toolResult" in b ? [b.toolResult] : [])));
    expect(results.map((r) => [r.toolUseId, r.status])).toEqual(ORDERS.map((id) => [`t_${id}`, "error"]));
    expect(bedrockHistoryProblem([...historyOf(h), { role: "user", content: [{ text: "next" }] }])).toBeUndefined();
  });

  it("said once the tools are done and the answer is on its way: the answer is dropped, the round stays whole", async () => {
    const tools = orderTools(100);
    const slowAnswer = text("All four of your orders have shipped and they arrive on Friday, which is sooner than we thought. ");
    const h = harness([[...askAll, { type: "stop", reason: "tool_use" }], slowAnswer, answerHours], { runTools: tools.runTools, llmDelayMs: 15 });
    h.stt.say("Where are my orders", 1000);
    await vi.waitFor(() => expect(h.llm.requests).toHaveLength(2), { timeout: 3000, interval: 2 });
    h.stt.say("And what are your hours", 3000);
    const turn = (h.kinds("user_turn").at(-1) as Extract<Frame, { kind: "user_turn" }>).turnId;
    await played(h, turn);
    expect(h.llm.rejected).toEqual([]);
    expect(h.tts.spoken).not.toContain("All four of your orders have shipped and they arrive on Friday, which is sooner than we thought.");
    expect(h.tts.spoken.at(-1)).toBe("We're open from nine until five.");
    expect(Object.values(tools.outcome)).toEqual(ORDERS.map(() => "done"));
    const results = h.llm.requests.at(-1)!.messages.flatMap((m) => m.content.flatMap((b) => ("toolResult" in b ? [b.toolResult.status] : [])));
    expect(results).toEqual(ORDERS.map(() => "success"));
  });

  it("started early (a stable interim) after the filler: the round is cancelled once, and the confirmed turn is answered", async () => {
    const tools = orderTools(1_000);
    const h = harness([[...askAll, { type: "stop", reason: "tool_use" }], answerHours, answerHours], { runTools: tools.runTools, earlyStart: true });
    h.stt.say("Where are my orders", 1000);
    await vi.waitFor(() => expect(h.tts.spoken).toEqual(["One moment while I check that."]), { timeout: 3000, interval: 2 });
    // The filler is heard in full; the tools are still running.
    await vi.waitFor(() => (h.echoMarks(), expect(h.pipeline.isAgentSpeaking()).toBe(false)), { timeout: 300, interval: 2 });
    h.stt.say("And what are your hours", 2900, { interim: true });
    h.stt.say("And what are your hours", 2950, { interim: true });
    h.stt.say("And what are your hours today", 3000); // the endpoint differs: the early start is replaced
    const turn = (h.kinds("user_turn").at(-1) as Extract<Frame, { kind: "user_turn" }>).turnId;
    await played(h, turn);
    expect(h.llm.rejected).toEqual([]);
    expect(h.tts.spoken.at(-1)).toBe("We're open from nine until five.");
    expect(Object.values(tools.outcome)).not.toContain("done");
    expect(bedrockHistoryProblem([...historyOf(h), { role: "user", content: [{ text: "next" }] }])).toBeUndefined();
  });
});
