import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { accountGate, snapshotOf } from "../../test/workers/balance-snapshots.ts";
import { LEASE_RENEW_MS } from "../call/call-lease.ts";
import { RESERVATION_WINDOW_MS, SETTLEMENT_WAIT_MS, type AccountGate } from "../account-gate.ts";
import { USAGE_WAIT_MS } from "../call/call-finalizer.ts";

const fresh = () => `acct_${crypto.randomUUID()}`;
const MIN = 60_000;

describe("prepaid reservations in the account gate", () => {
  it("admits while the spendable credit covers a window, then refuses insufficient_credit", async () => {
    const id = fresh();
    const gate = accountGate(id);
    await gate.setBalance(snapshotOf(id, { balanceMinor: 700, reservePerMinuteMinor: 100 }));
    expect(await gate.admit("CAL-1", 10)).toEqual({ admitted: true, active: 1, reservedMinor: 300 });
    expect(await gate.admit("CAL-2", 10)).toEqual({ admitted: true, active: 2, reservedMinor: 300 });
    expect(await gate.admit("CAL-3", 10)).toEqual({ admitted: false, reason: "insufficient_credit", active: 2, limit: 10 });
    expect(await gate.credit()).toEqual({ balanceMinor: 700, reservedMinor: 600, spendableMinor: 100, currency: "EUR" });
    // A refused call took no slot.
    expect(await gate.active()).toBe(2);
  });

  it("refuses a prepaid account without positive credit even when its plan prices nothing", async () => {
    const id = fresh();
    const gate = accountGate(id);
    await gate.setBalance(snapshotOf(id, { balanceMinor: 0, reservePerMinuteMinor: 0 }));
    expect(await gate.admit("CAL-1", 10)).toMatchObject({ admitted: false, reason: "insufficient_credit" });
    await gate.setBalance(snapshotOf(id, { balanceMinor: 1, reservePerMinuteMinor: 0, throughPostingId: 2 }));
    expect(await gate.admit("CAL-1", 10)).toEqual({ admitted: true, active: 1, reservedMinor: 0 });
  });

  it("checks the concurrent-call limit before reserving, so a call refused as busy holds no credit", async () => {
    const id = fresh();
    const gate = accountGate(id);
    await gate.setBalance(snapshotOf(id, { balanceMinor: 10_000 }));
    await gate.admit("CAL-1", 1);
    expect(await gate.admit("CAL-2", 1)).toMatchObject({ admitted: false, reason: "concurrency_limit" });
    expect((await gate.credit())!.reservedMinor).toBe(300);
  });

  it("refuses billing_suspended in either mode, apart from the operator's account_suspended", async () => {
    for (const mode of ["prepaid", "postpaid"] as const) {
      const id = fresh();
      const gate = accountGate(id);
      await gate.setBalance(snapshotOf(id, { mode, balanceMinor: 10_000, billingStatus: "suspended_for_billing" }));
      expect(await gate.admit("CAL-1", 10)).toEqual({ admitted: false, reason: "billing_suspended", active: 0, limit: 10 });
      await gate.setBalance(snapshotOf(id, { mode, balanceMinor: 10_000, billingStatus: "past_due", throughPostingId: 2 }));
      expect((await gate.admit("CAL-1", 10)).admitted).toBe(true);
    }
  });

  it("reserves nothing for a postpaid account or one without a snapshot (no billing side)", async () => {
    const postpaid = fresh();
    await accountGate(postpaid).setBalance(snapshotOf(postpaid, { mode: "postpaid", balanceMinor: -5_000 }));
    expect(await accountGate(postpaid).admit("CAL-1", 10)).toEqual({ admitted: true, active: 1, reservedMinor: 0 });
    expect(await accountGate(postpaid).renew("CAL-1")).toBe("renewed");
    expect((await accountGate(postpaid).credit())!.reservedMinor).toBe(0);
    const unbilled = fresh();
    expect(await accountGate(unbilled).admit("CAL-1", 10)).toEqual({ admitted: true, active: 1, reservedMinor: 0 });
    expect(await accountGate(unbilled).credit()).toBeNull();
  });

  it("extends a call's reservation by one renewal period's worth at each renewal, and refuses once the credit is out", async () => {
    const id = fresh();
    const gate = accountGate(id);
    const t0 = Date.now();
    // 4 minutes of credit: the window (3 min) and two renewal periods (30 s each).
    await gate.setBalance(snapshotOf(id, { balanceMinor: 400 }));
    await gate.admit("CAL-1", 10, t0);
    expect(await gate.renew("CAL-1", t0 + LEASE_RENEW_MS)).toBe("renewed");
    expect((await gate.credit(t0 + LEASE_RENEW_MS))!.reservedMinor).toBe(350);
    expect(await gate.renew("CAL-1", t0 + 2 * LEASE_RENEW_MS)).toBe("renewed");
    expect((await gate.credit(t0 + 2 * LEASE_RENEW_MS))!.reservedMinor).toBe(400);
    expect(await gate.renew("CAL-1", t0 + 3 * LEASE_RENEW_MS)).toBe("insufficient_credit");
    // The reservation stays as it was, and so does the lease (the call keeps its slot while it says goodbye).
    expect((await gate.credit(t0 + 3 * LEASE_RENEW_MS))!.reservedMinor).toBe(400);
    expect(await gate.active(t0 + 3 * LEASE_RENEW_MS + 60_000)).toBe(1);
    // A top-up arriving as a newer snapshot makes the extension possible again.
    await gate.setBalance(snapshotOf(id, { balanceMinor: 1_000, throughPostingId: 2 }));
    expect(await gate.renew("CAL-1", t0 + 4 * LEASE_RENEW_MS)).toBe("renewed");
    expect((await gate.credit(t0 + 4 * LEASE_RENEW_MS))!.reservedMinor).toBe(500);
  });

  it("a late renewal covers the time it missed, and re-admitting a lapsed call extends its reservation instead of taking a second", async () => {
    const id = fresh();
    const gate = accountGate(id);
    const t0 = Date.now();
    await gate.setBalance(snapshotOf(id, { balanceMinor: 2_000 }));
    await gate.admit("CAL-1", 10, t0);
    expect(await gate.renew("CAL-1", t0 + 80_000)).toBe("renewed");
    expect((await gate.credit(t0 + 80_000))!.reservedMinor).toBe(Math.ceil((100 * (80_000 + RESERVATION_WINDOW_MS)) / MIN));
    expect(await gate.renew("CAL-1", t0 + 200_000)).toBe("lease_expired");
    expect(await gate.admit("CAL-1", 10, t0 + 200_000)).toEqual({ admitted: true, active: 1, reservedMinor: Math.ceil((100 * (200_000 + RESERVATION_WINDOW_MS)) / MIN) });
  });

  it("keeps the reservation after the call releases its slot, until settlement drops it with the charged balance", async () => {
    const id = fresh();
    const gate = accountGate(id);
    await gate.setBalance(snapshotOf(id, { balanceMinor: 600, throughPostingId: 5 }));
    await gate.admit("CAL-1", 10);
    await gate.admit("CAL-2", 10);
    await gate.release("CAL-1");
    expect(await gate.active()).toBe(1);
    expect(await gate.admit("CAL-3", 10)).toMatchObject({ admitted: false, reason: "insufficient_credit" });
    // Settlement takes the snapshot read after the charge (120) committed and drops the reservation in one step.
    expect(await gate.settle("CAL-1", snapshotOf(id, { balanceMinor: 480, throughPostingId: 6 }))).toBe(true);
    expect(await gate.credit()).toMatchObject({ balanceMinor: 480, reservedMinor: 300, spendableMinor: 180 });
    expect(await gate.settle("CAL-1")).toBe(false); // a second settlement changes nothing
    expect((await gate.credit())!.reservedMinor).toBe(300);
  });

  it("settlement with a snapshot older than the held one keeps the newer balance (it includes the charge too)", async () => {
    const id = fresh();
    const gate = accountGate(id);
    await gate.setBalance(snapshotOf(id, { balanceMinor: 1_000, throughPostingId: 3 }));
    await gate.admit("CAL-1", 10);
    await gate.setBalance(snapshotOf(id, { balanceMinor: 1_500, throughPostingId: 9 })); // charge (id 8) and a top-up
    expect(await gate.settle("CAL-1", snapshotOf(id, { balanceMinor: 900, throughPostingId: 8 }))).toBe(true);
    expect(await gate.credit()).toMatchObject({ balanceMinor: 1_500, reservedMinor: 0, spendableMinor: 1_500 });
  });

  it("ignores snapshots that arrive out of order, and recomputes spendable from the newest", async () => {
    const id = fresh();
    const gate = accountGate(id);
    await gate.setBalance(snapshotOf(id, { balanceMinor: 300, throughPostingId: 10 }));
    await gate.admit("CAL-1", 10);
    expect(await gate.setBalance(snapshotOf(id, { balanceMinor: 5_000, throughPostingId: 7 }))).toBe(false);
    expect(await gate.credit()).toMatchObject({ balanceMinor: 300, spendableMinor: 0 });
    expect(await gate.admit("CAL-2", 10)).toMatchObject({ admitted: false, reason: "insufficient_credit" });
    expect(await gate.setBalance(snapshotOf(id, { balanceMinor: 650, throughPostingId: 11 }))).toBe(true);
    expect(await gate.credit()).toMatchObject({ balanceMinor: 650, spendableMinor: 350 });
    expect((await gate.admit("CAL-2", 10)).admitted).toBe(true);
  });

  it("gives back the slot and the reservation of a call withdrawn before it happened", async () => {
    const id = fresh();
    const gate = accountGate(id);
    await gate.setBalance(snapshotOf(id, { balanceMinor: 300 }));
    await gate.admit("CAL-1", 10);
    await gate.withdraw("CAL-1");
    expect(await gate.credit()).toMatchObject({ reservedMinor: 0, spendableMinor: 300 });
    expect(await gate.active()).toBe(0);
  });

  it("lets an unsettled reservation lapse only after the usage wait and a day's Postgres outage, by alarm", async () => {
    expect(SETTLEMENT_WAIT_MS).toBeGreaterThan(USAGE_WAIT_MS + 24 * 60 * MIN);
    const id = fresh();
    const gate = accountGate(id);
    const t0 = Date.now();
    await gate.setBalance(snapshotOf(id, { balanceMinor: 300 }));
    await gate.admit("CAL-1", 10, t0);
    await gate.release("CAL-1");
    const coveredUntil = t0 + RESERVATION_WINDOW_MS;
    expect((await gate.credit(coveredUntil + SETTLEMENT_WAIT_MS - 1))!.reservedMinor).toBe(300);
    // The gate's alarm is set for then; time passes by moving the row's expiry into the past and running the alarm.
    expect(await runInDurableObject(gate, (_i: AccountGate, state) => state.storage.getAlarm())).toBe(coveredUntil + SETTLEMENT_WAIT_MS);
    await runInDurableObject(gate, (_i: AccountGate, state) => void state.storage.sql.exec("UPDATE reservations SET expires_at = ?", Date.now() - 1));
    expect(await runDurableObjectAlarm(gate)).toBe(true);
    expect(await gate.credit()).toMatchObject({ reservedMinor: 0, spendableMinor: 300 });
    expect(await runInDurableObject(gate, (_i: AccountGate, state) => state.storage.getAlarm())).toBeNull();
  });
});
