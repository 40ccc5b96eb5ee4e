import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LEASE_TTL_MS, type AccountGate } from "./account-gate.ts";

const gate = (name: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(name));

describe("AccountGate", () => {
  it("admits exactly the limit under parallel call starts", async () => {
    const stub = gate("parallel");
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => stub.admit(`CAL-${i}`, 7)));
    expect(results.filter((r) => r.admitted)).toHaveLength(7);
    expect(results.filter((r) => !r.admitted).every((r) => !r.admitted && r.limit === 7 && r.active === 7)).toBe(true);
    expect(await stub.active()).toBe(7);
  });

  it("re-admitting a call that holds a lease does not take a second slot", async () => {
    const stub = gate("readmit");
    expect((await stub.admit("CAL-a", 1)).admitted).toBe(true);
    expect((await stub.admit("CAL-a", 1)).admitted).toBe(true);
    expect((await stub.admit("CAL-b", 1)).admitted).toBe(false);
  });

  it("frees a slot on release", async () => {
    const stub = gate("release");
    await stub.admit("CAL-1", 1);
    expect((await stub.admit("CAL-2", 1)).admitted).toBe(false);
    await stub.release("CAL-1");
    expect((await stub.admit("CAL-2", 1)).admitted).toBe(true);
  });

  it("reclaims the lease of a call that vanished, by alarm", async () => {
    const stub = gate("expiry");
    const start = Date.now();
    await stub.admit("CAL-lost", 1);
    await stub.admit("CAL-alive", 2);
    // Time passes: the live call renews, the lost one never does.
    await runInDurableObject(stub, async (instance: AccountGate, state) => {
      state.storage.sql.exec("UPDATE leases SET expires_at = ? WHERE call_id = 'CAL-lost'", start - 1);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, (_instance: AccountGate, state) => {
      const ids = state.storage.sql.exec<{ call_id: string }>("SELECT call_id FROM leases").toArray().map((r) => r.call_id);
      expect(ids).toEqual(["CAL-alive"]);
    });
    expect(await stub.renew("CAL-alive")).toBe("renewed");
    expect(await stub.renew("CAL-lost")).toBe("lease_expired");
    expect(LEASE_TTL_MS).toBeGreaterThan(30_000);
  });
});
