import { describe, expect, it } from "vitest";
import { RuntimeSlot } from "./runtime-slot.ts";

/** A runtime whose start the test finishes by hand. */
function pendingStart() {
  const closed: string[] = [];
  let finish!: () => void;
  const started = new Promise<{ close(reason: string): Promise<void> }>((resolve) => {
    finish = () => resolve({ close: async (reason) => void closed.push(reason) });
  });
  return { open: () => started, finish, closed };
}

describe("RuntimeSlot: a runtime is never attached to a call that ended while it started", () => {
  it("closes a runtime whose start finishes after the call ended (its provider sockets and keep-alive go with it)", async () => {
    const slot = new RuntimeSlot();
    const start = pendingStart();
    const attached = slot.start(start.open);
    expect(slot.retire()).toBeUndefined(); // the call is finalised while the runtime is still starting
    start.finish();
    expect(await attached).toBeUndefined();
    expect(start.closed).toEqual(["ended_during_start"]);
    expect(slot.current).toBeUndefined();
    expect(await slot.ready()).toBeUndefined();
  });

  it("attaches a runtime that started while the call went on, and hands it over once for closing", async () => {
    const slot = new RuntimeSlot();
    const start = pendingStart();
    const attached = slot.start(start.open);
    const waiting = slot.ready();
    start.finish();
    const runtime = await attached;
    expect(runtime).toBeDefined();
    expect(await waiting).toBe(runtime);
    expect(slot.current).toBe(runtime);
    expect(slot.retire()).toBe(runtime);
    expect(slot.retire()).toBeUndefined();
    expect(start.closed).toEqual([]);
  });

  it("a failed start leaves the slot empty", async () => {
    const slot = new RuntimeSlot();
    await expect(slot.start(() => Promise.reject(new Error("agent not available")))).rejects.toThrow("agent not available");
    expect(slot.current).toBeUndefined();
    expect(await slot.ready()).toBeUndefined();
  });
});
