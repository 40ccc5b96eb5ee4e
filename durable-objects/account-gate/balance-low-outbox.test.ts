import { describe, expect, it, vi } from "vitest";
import { accountGate, snapshotOf } from "../../test/workers/balance-snapshots.ts";

const fresh = () => `acct_${crypto.randomUUID()}`;

describe("billing.balance_low in the account gate", () => {
  it("records one event per crossing below the threshold, and re-arms once the balance is back at or above it", async () => {
    const id = fresh();
    const gate = accountGate(id);
    let posting = 0;
    const push = (balanceMinor: number, at: number) => gate.setBalance(snapshotOf(id, { balanceMinor, lowBalanceThresholdMinor: 500, throughPostingId: ++posting }), at);
    const t0 = Date.parse("2026-03-01T10:00:00Z");
    await push(2_000, t0);
    await push(700, t0 + 1);
    expect(await gate.lowBalanceEvents()).toEqual([]);
    await push(450, t0 + 2_000); // crosses
    await push(300, t0 + 3_000); // still below: no second event
    await push(100, t0 + 4_000);
    const [first, ...more] = await gate.lowBalanceEvents();
    expect(more).toEqual([]);
    expect(first).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: "billing.balance_low",
      accountId: id,
      balanceMinor: 450,
      thresholdMinor: 500,
      currency: "EUR",
      crossedAt: new Date(t0 + 2_000).toISOString(),
      deliveredAt: expect.toSatisfy((at: string | null) => at === null || typeof at === "string"),
    });
    await push(500, t0 + 5_000); // a top-up to the threshold re-arms
    await push(499, t0 + 6_000); // and the next crossing counts
    expect((await gate.lowBalanceEvents()).map((e) => e.balanceMinor)).toEqual([450, 499]);
    // A late snapshot is not taken, so it crosses nothing.
    expect(await gate.setBalance(snapshotOf(id, { balanceMinor: 10, lowBalanceThresholdMinor: 500, throughPostingId: 1 }))).toBe(false);
    expect(await gate.lowBalanceEvents()).toHaveLength(2);
  });

  it("counts the balance, not what reservations leave spendable, so calls starting and ending do not fire it", async () => {
    const id = fresh();
    const gate = accountGate(id);
    await gate.setBalance(snapshotOf(id, { balanceMinor: 1_000, lowBalanceThresholdMinor: 800 }));
    await gate.admit("CAL-1", 10);
    await gate.settle("CAL-1", snapshotOf(id, { balanceMinor: 950, lowBalanceThresholdMinor: 800, throughPostingId: 2 }));
    expect(await gate.lowBalanceEvents()).toEqual([]);
    // The charge that takes the balance below fires it, in the same step as the settlement.
    await gate.admit("CAL-2", 10);
    await gate.settle("CAL-2", snapshotOf(id, { balanceMinor: 700, lowBalanceThresholdMinor: 800, throughPostingId: 3 }));
    expect((await gate.lowBalanceEvents()).map((e) => e.balanceMinor)).toEqual([700]);
  });

  it("fires for a first snapshot already below, never without a threshold, and hands each event to the webhooks queue", async () => {
    const none = fresh();
    await accountGate(none).setBalance(snapshotOf(none, { balanceMinor: 0, lowBalanceThresholdMinor: null }));
    expect(await accountGate(none).lowBalanceEvents()).toEqual([]);
    const id = fresh();
    const gate = accountGate(id);
    await gate.setBalance(snapshotOf(id, { balanceMinor: 0, lowBalanceThresholdMinor: 200 }));
    const [event, ...more] = await gate.lowBalanceEvents();
    expect(more).toEqual([]);
    // Sent in the background once recorded; marked delivered only after the queue took it (workers/billing/balance-low-webhook.test.ts follows it to a receiver).
    await vi.waitFor(async () => expect((await gate.lowBalanceEvents())[0]).toEqual({ ...event, deliveredAt: expect.any(String) }), { timeout: 10_000 });
  });
});
