import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { accountGate, snapshotOf } from "../test/workers/balance-snapshots.ts";
import { acceptedCall, dueNow, liveStream, session, until } from "../test/workers/media-stream-client.ts";
import { inboundParams, telephonyTenant, twilioPost } from "../test/workers/telephony-fixtures.ts";
import { LEASE_TTL_MS, type AccountGate } from "./account-gate.ts";
import type { CallSession } from "./call-session.ts";

const gate = (accountId: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));

/** Time passes for one call: its lease is `expiresInMs` from expiry, and its object last renewed it long ago. */
async function age(accountId: string, callId: string, expiresInMs: number) {
  await runInDurableObject(gate(accountId), (_i: AccountGate, state) => {
    state.storage.sql.exec("UPDATE leases SET expires_at = ? WHERE call_id = ?", Date.now() + expiresInMs, callId);
  });
  await dueNow(callId, "lease");
}

const leaseExpiry = (accountId: string, callId: string) =>
  runInDurableObject(gate(accountId), (_i: AccountGate, state) => state.storage.sql.exec<{ expires_at: number }>("SELECT expires_at FROM leases WHERE call_id = ?", callId).toArray()[0]?.expires_at);

const refusedAsBusy = async (t: Awaited<ReturnType<typeof telephonyTenant>>) => (await twilioPost("/twilio/voice", inboundParams(t), t.authToken)).text.includes("All of our lines are busy");

describe("a call's concurrency lease", () => {
  it("is renewed by the call's alarm before its stream starts, so a ringing call keeps its slot past the lease TTL", async () => {
    const t = await telephonyTenant({ maxConcurrentCalls: 1 });
    const callId = (await acceptedCall(t)).params.call_id!;
    // prepare() armed the alarm well within the lease's lifetime.
    const alarm = await runInDurableObject(session(callId), (_i: CallSession, state) => state.storage.getAlarm());
    expect(alarm).toBeLessThanOrEqual(Date.now() + LEASE_TTL_MS / 2);
    await age(t.accountId, callId, 1_000);
    expect(await runDurableObjectAlarm(session(callId))).toBe(true);
    expect((await leaseExpiry(t.accountId, callId))!).toBeGreaterThan(Date.now() + LEASE_TTL_MS - 5_000);
    // The gate's own expiry alarm leaves a renewed lease alone: the slot is still taken.
    await runInDurableObject(gate(t.accountId), (_i: AccountGate, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(gate(t.accountId));
    expect(await gate(t.accountId).active()).toBe(1);
    expect(await refusedAsBusy(t)).toBe(true);
    expect(await gate(t.accountId).active()).toBe(1);
  });

  it("re-admits a call whose lease lapsed while a slot is free", async () => {
    const t = await telephonyTenant({ maxConcurrentCalls: 1 });
    const callId = (await acceptedCall(t)).params.call_id!;
    await age(t.accountId, callId, -1);
    expect(await gate(t.accountId).active()).toBe(0); // reclaimed
    expect(await runDurableObjectAlarm(session(callId))).toBe(true);
    expect(await gate(t.accountId).active()).toBe(1);
    expect((await session(callId).events()).map((e) => e.type)).toContain("lease.readmitted");
    expect((await session(callId).state()).ended).toBe(false);
  });

  it("ends a call whose lapsed slot another call took, never exceeding the limit", async () => {
    const t = await telephonyTenant({ maxConcurrentCalls: 1 });
    const first = (await acceptedCall(t)).params.call_id!;
    await age(t.accountId, first, -1);
    const second = (await acceptedCall(t)).params.call_id!;
    expect(second).toBeTruthy();
    expect(await gate(t.accountId).active()).toBe(1);
    expect(await runDurableObjectAlarm(session(first))).toBe(true);
    expect(await gate(t.accountId).active()).toBe(1);
    expect((await session(first).events()).map((e) => e.type)).toContain("lease_lost");
    expect((await session(first).state()).ended).toBe(true);
    const row = await env.DB.prepare("SELECT end_reason FROM calls WHERE id = ?").bind(first).first<{ end_reason: string }>();
    expect(row!.end_reason).toBe("lease_lost");
    // Ending the first call did not release the second call's slot.
    expect(await gate(t.accountId).active()).toBe(1);
    expect((await session(second).state()).ended).toBe(false);
  });

  it("ends a trial account's call once its calls in progress, this one included, use the trial minutes", async () => {
    const t = await telephonyTenant({ verification: "trial" });
    const callId = (await acceptedCall(t)).params.call_id!;
    // Another call has been live for half an hour, and so (its row says) has this one: 2 × 31 minutes of a 60-minute cap.
    const halfAnHourAgo = new Date(Date.now() - 30 * 60_000 - 1_000).toISOString();
    await env.DB.prepare("UPDATE calls SET created_at = ? WHERE id = ?").bind(halfAnHourAgo, callId).run();
    await env.DB.prepare("INSERT INTO calls (id, account_id, agent_id, agent_version, direction, from_number, to_number, status, created_at, answered_at) VALUES (?, ?, ?, 1, 'outbound', ?, '+12125550142', 'in-progress', ?, ?)")
      .bind(`CAL-LIVETRIAL${t.accountId.slice(-6)}`, t.accountId, t.agentId, t.number, halfAnHourAgo, halfAnHourAgo)
      .run();
    await dueNow(callId, "lease");
    expect(await runDurableObjectAlarm(session(callId))).toBe(true);
    expect((await session(callId).events()).map((e) => e.type)).toContain("trial_minutes_exhausted");
    expect((await session(callId).state()).ended).toBe(true);
    const row = await env.DB.prepare("SELECT end_reason FROM calls WHERE id = ?").bind(callId).first<{ end_reason: string }>();
    expect(row!.end_reason).toBe("trial_minutes_exhausted");
  });

  describe("on a prepaid account whose credit cannot cover the next renewal period", () => {
    /** A tenant whose ledger snapshot holds exactly one reservation window (3 minutes at 1 €/min): its first call takes it all. */
    async function prepaidTenant() {
      const t = await telephonyTenant();
      await accountGate(t.accountId).setBalance(snapshotOf(t.accountId, { balanceMinor: 300, reservePerMinuteMinor: 100 }));
      return t;
    }

    it("ends a call in conversation with its closing line, as insufficient_credit", async () => {
      const t = await prepaidTenant();
      const call = await liveStream(t);
      // In conversation: the agent's runtime is up once it has said its first line.
      const greeted = await until(() => session(call.callId).events(), (events) => events.some((e) => e.type === "agent.prompt"), 10_000);
      expect(greeted.map((e) => e.type)).toContain("agent.prompt");
      await dueNow(call.callId, "lease");
      expect(await runDurableObjectAlarm(session(call.callId))).toBe(true);
      const events = await session(call.callId).events();
      expect(events.map((e) => e.type)).toContain("insufficient_credit");
      const prompts = events.filter((e) => e.type === "agent.prompt").map((e) => (e.data as { purpose: string }).purpose);
      expect(prompts.at(-1)).toBe("closing");
      expect(await runInDurableObject(session(call.callId), (_i: CallSession, state) => state.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'endReason'").one().value)).toBe(JSON.stringify("insufficient_credit"));
      // The slot is kept while the caller hears the goodbye, and the reservation stays for settlement.
      expect(await accountGate(t.accountId).active()).toBe(1);
      expect((await accountGate(t.accountId).credit())!.reservedMinor).toBe(300);
      call.ws!.close();
    });

    it("hangs up a call that is not yet in conversation, recorded with end_reason insufficient_credit", async () => {
      const t = await prepaidTenant();
      const callId = (await acceptedCall(t)).params.call_id!;
      await dueNow(callId, "lease");
      expect(await runDurableObjectAlarm(session(callId))).toBe(true);
      expect((await session(callId).state()).ended).toBe(true);
      const row = await env.DB.prepare("SELECT end_reason FROM calls WHERE id = ?").bind(callId).first<{ end_reason: string }>();
      expect(row!.end_reason).toBe("insufficient_credit");
      // Delivered: the slot is free, the reservation waits for the charge.
      expect(await accountGate(t.accountId).active()).toBe(0);
      expect((await accountGate(t.accountId).credit())!.reservedMinor).toBe(300);
    });
  });
});
