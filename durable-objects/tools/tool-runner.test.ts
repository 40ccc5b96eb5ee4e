import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { executeHttpTool, type StoredHttpTool } from "./http-tool.ts";
import { parseAllowlist } from "../../shared/tools/ssrf-guard.ts";
import { runTools, type ToolCallRequest, type ToolExecution, type ToolExecutor } from "./tool-runner.ts";

const call = (name: string, input: unknown = {}, id = name): ToolCallRequest => ({ toolUseId: `tooluse_${id}`, name, input });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const never = new AbortController().signal;

/** An executor that records how many calls run at once. */
function tracked(delayMs: (input: unknown) => number) {
  const state = { running: 0, maxRunning: 0, started: [] as unknown[] };
  const executor: ToolExecutor = async (input) => {
    state.started.push(input);
    state.running++;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    await sleep(delayMs(input));
    state.running--;
    return { status: "success", content: JSON.stringify({ echoed: input }) };
  };
  return { state, executor };
}

describe("runTools", () => {
  it("returns results in call order although later calls finish first", async () => {
    const { executor } = tracked((input) => (input as { ms: number }).ms);
    const results = await runTools([call("t", { ms: 60 }, "a"), call("t", { ms: 10 }, "b"), call("t", { ms: 30 }, "c")], { t: executor }, { signal: never, maxConcurrent: 3 });
    expect(results.map((r) => r.toolUseId)).toEqual(["tooluse_a", "tooluse_b", "tooluse_c"]);
    expect(results.map((r) => JSON.parse(r.content).echoed.ms)).toEqual([60, 10, 30]);
    expect(results.every((r) => r.status === "success" && r.name === "t" && r.durationMs >= 0)).toBe(true);
  });

  it("runs at most maxConcurrent calls at a time, and does run them concurrently", async () => {
    vi.useFakeTimers();
    try {
      const { state, executor } = tracked(() => 40);
      let results: unknown[] | undefined;
      const running = runTools(Array.from({ length: 6 }, (_, i) => call("t", { i }, String(i))), { t: executor }, { signal: never, maxConcurrent: 2 }).then((r) => (results = r));
      // Three waves of two, not six in a row: all done after 3 × 40 ms of (fake) time.
      await vi.advanceTimersByTimeAsync(3 * 40);
      await running;
      expect(results).toHaveLength(6);
      expect(state.maxRunning).toBe(2);
      expect(state.started).toEqual([0, 1, 2, 3, 4, 5].map((i) => ({ i })));
    } finally {
      vi.useRealTimers();
    }
  });

  it("defaults to two at a time", async () => {
    const { state, executor } = tracked(() => 20);
    await runTools(Array.from({ length: 5 }, (_, i) => call("t", { i }, String(i))), { t: executor }, { signal: never });
    expect(state.maxRunning).toBe(2);
  });

  it("answers an unknown tool (even a prototype name) with an error result and still runs the others", async () => {
    const known = vi.fn<ToolExecutor>(async () => ({ status: "success", content: "ok" }));
    const results = await runTools([call("nope"), call("known"), call("constructor")], { known }, { signal: never });
    expect(results[0]).toMatchObject({ toolUseId: "tooluse_nope", status: "error", content: JSON.stringify({ error: 'there is no tool named "nope"' }) });
    expect(results[1]).toMatchObject({ status: "success", content: "ok" });
    expect(results[2]).toMatchObject({ status: "error" });
    expect(known).toHaveBeenCalledTimes(1);
  });

  it("turns an executor that throws into an error result", async () => {
    const results = await runTools([call("boom"), call("fine")], { boom: async () => Promise.reject(new Error("secret detail")), fine: async () => ({ status: "success", content: "ok" }) }, { signal: never });
    expect(results[0]).toMatchObject({ status: "error", content: JSON.stringify({ error: "the boom tool failed unexpectedly" }) });
    expect(results[0]!.content).not.toContain("secret detail");
    expect(results[1]).toMatchObject({ status: "success" });
  });

  it("passes the turn's signal on and starts no more calls once it aborts", async () => {
    const turn = new AbortController();
    const seenSignals: AbortSignal[] = [];
    const executor: ToolExecutor = async (_input, signal) => {
      seenSignals.push(signal);
      await sleep(30);
      turn.abort();
      return { status: signal.aborted ? "error" : "success", content: "first wave" };
    };
    const results = await runTools([call("t", {}, "1"), call("t", {}, "2"), call("t", {}, "3")], { t: executor }, { signal: turn.signal, maxConcurrent: 1 });
    expect(seenSignals).toEqual([turn.signal]);
    expect(results.map((r) => r.status)).toEqual(["error", "error", "error"]);
    expect(results[2]!.content).toMatch(/cancelled/);
  });

  it("keeps the executors' own result fields (built-ins carry what happens after the reply)", async () => {
    type Outcome = ToolExecution & { after?: { action: "hang_up" } };
    const results = await runTools<Outcome>([call("end_call")], { end_call: async () => ({ status: "success", content: "bye", after: { action: "hang_up" } }) }, { signal: never });
    expect(results[0]).toMatchObject({ status: "success", after: { action: "hang_up" } });
  });

  it("runs real HTTP tools in parallel, bounded, with each result in its place", async () => {
    const httpTool = (name: string, path: string): StoredHttpTool => ({
      type: "http",
      name,
      description: name,
      parameters: { type: "object", properties: {} },
      url: `${env.TOOL_SERVER_URL}${path}`,
      method: "GET",
      headers: {},
      timeout_ms: 2000,
    });
    const tools = [httpTool("lookup", "/slow?ms=150"), httpTool("broken", "/status/500"), httpTool("echo", "/echo")];
    const allowlist = parseAllowlist(env.TOOL_HOST_ALLOWLIST);
    const events: string[] = [];
    const executors = Object.fromEntries(
      tools.map((tool) => [
        tool.name,
        async (input: unknown, signal: AbortSignal) => {
          const id = (input as { id?: string }).id ?? tool.name;
          events.push(`start ${id}`);
          const result = await executeHttpTool(tool, input, { accountId: "acct_runner", encryptionKey: env.ENCRYPTION_KEY, allowlist, signal, dohUrl: `${env.TOOL_SERVER_URL}/dns-query` });
          events.push(`end ${id}`);
          return result;
        },
      ]),
    );
    const results = await runTools([call("lookup", { id: "1" }, "1"), call("lookup", { id: "2" }, "2"), call("broken"), call("echo", { q: "x" })], executors, { signal: never, maxConcurrent: 2 });
    expect(results.map((r) => [r.toolUseId, r.status])).toEqual([
      ["tooluse_1", "success"],
      ["tooluse_2", "success"],
      ["tooluse_broken", "error"],
      ["tooluse_echo", "success"],
    ]);
    expect(JSON.parse(results[3]!.content).query).toEqual({ q: "x" });
    // Two slow calls side by side, not one after the other: the second started before the first ended.
    expect(events.indexOf("start 2")).toBeLessThan(events.indexOf("end 1"));
  });
});
