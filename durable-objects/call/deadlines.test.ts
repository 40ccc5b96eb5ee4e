import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { acceptedCall, deadlinesOf, dueNow, liveStream, session } from "../../test/workers/media-stream-client.ts";
import { telephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import type { CallSession } from "../call-session.ts";
import { CallStore } from "./call-store.ts";
import { Deadlines } from "./deadlines.ts";

const fresh = () => env.CALL_SESSION.get(env.CALL_SESSION.idFromName(`deadlines_${crypto.randomUUID()}`));

describe("Deadlines: the call's one alarm is the earliest of its named deadlines", () => {
  it("a later renewal never moves an earlier deadline, and each change sets the alarm without awaiting a read", async () => {
    await runInDurableObject(fresh(), async (_i, state) => {
      const deadlines = new Deadlines(new CallStore(state.storage.sql), state.storage);
      const t0 = Date.now() + 60_000;
      // Called back to back without awaiting, as the call's hooks do.
      deadlines.set("end_by", t0 + 5_000);
      deadlines.set("lease", t0 + 10_000);
      deadlines.set("lease", t0 + 30_000); // the lease renewal comes later: the end deadline still holds the alarm
      expect(await state.storage.getAlarm()).toBe(t0 + 5_000);
      deadlines.set("lease", t0 + 1_000);
      expect(await state.storage.getAlarm()).toBe(t0 + 1_000);
      deadlines.clear("lease");
      expect(await state.storage.getAlarm()).toBe(t0 + 5_000);
      expect(deadlines.schedule).toEqual({ end_by: t0 + 5_000 });
    });
  });

  it("takes every due deadline at once, earliest first, and moves the alarm to the next one left", async () => {
    await runInDurableObject(fresh(), async (_i, state) => {
      const deadlines = new Deadlines(new CallStore(state.storage.sql), state.storage);
      const now = Date.now();
      deadlines.set("hangup", now - 10);
      deadlines.set("transfer", now - 20);
      deadlines.set("lease", now + 10_000);
      expect(deadlines.takeDue(now)).toEqual(["transfer", "hangup"]);
      expect(await state.storage.getAlarm()).toBe(now + 10_000);
      expect(deadlines.takeDue(now + 10_000)).toEqual(["lease"]);
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("a call's alarm runs every due deadline: the lease is renewed and the stream-start deadline ends the call", async () => {
    const t = await telephonyTenant();
    const callId = (await acceptedCall(t)).params.call_id!;
    const before = await deadlinesOf(callId);
    expect(Object.keys(before).sort()).toEqual(["end_by", "lease"]);
    expect(await runInDurableObject(session(callId), (_i, state) => state.storage.getAlarm())).toBe(Math.min(...Object.values(before)));
    await dueNow(callId, "lease", "end_by");
    expect(await runDurableObjectAlarm(session(callId))).toBe(true);
    const events = (await session(callId).events()).map((e) => e.type);
    expect(events).toContain("call.ended");
    const row = await env.DB.prepare("SELECT end_reason FROM calls WHERE id = ?").bind(callId).first<{ end_reason: string }>();
    expect(row!.end_reason).toBe("stream_not_started");
  });

  it("a closed stream's end deadline is saved before the object waits for the runtime to close", { timeout: 20_000 }, async () => {
    const t = await telephonyTenant();
    const live = await liveStream(t);
    expect((await deadlinesOf(live.callId)).end_by).toBeUndefined(); // the live stream cleared the start deadline
    const savedBeforeWaiting = await runInDurableObject(session(live.callId), async (instance: CallSession, state) => {
      const [ws] = state.getWebSockets("twilio");
      const closing = instance.webSocketClose(ws!, 1006, "twilio went away");
      // Read synchronously, before anything the close awaits (the provider sockets closing) has finished.
      const stored = JSON.parse(state.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'deadlines'").one().value) as Record<string, number>;
      await closing;
      return stored;
    });
    expect(savedBeforeWaiting.end_by).toBeGreaterThan(Date.now());
    expect(await runInDurableObject(session(live.callId), (_i, state) => state.storage.getAlarm())).toBeLessThanOrEqual(savedBeforeWaiting.end_by!);
  });
});
