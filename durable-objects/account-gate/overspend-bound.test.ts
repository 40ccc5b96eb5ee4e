import { describe, expect, it } from "vitest";
import type { BalanceSnapshot } from "../../shared/billing/balance-snapshot.ts";
import { accountGate, snapshotOf } from "../../test/workers/balance-snapshots.ts";
import { LEASE_RENEW_MS } from "../call/call-lease.ts";
import { reservationWorth } from "./reservations.ts";

const MIN = 60_000;
const RATE_MINOR_PER_MIN = 100;
/** After a refused renewal the call says its closing line and hangs up (by the closing deadline). */
const CLOSING_MS = 25_000;
const TICK_MS = 5_000;
const ATTEMPTS_UNTIL_MS = 20 * MIN;
const RUN_MS = 40 * MIN;

interface SimulatedCall {
  id: string;
  startedAt: number;
  /** When the caller would hang up on their own. */
  hangsUpAt: number;
  renewAt: number;
  endsAt: number | null;
  chargeMinor: number | null;
  settleAt: number | null;
  settled: boolean;
}

/**
 * Drives one account's gate as its calls would, on an injected clock: `simultaneous` calls start at once, callers
 * keep trying every 30 s, each live call renews every renewal period (up to 40 s late), ends politely when a renewal
 * is refused (or when its caller hangs up), and is settled a while later, out of order, with its charge posted as a
 * newer ledger snapshot; stale pushes arrive late too. Charges are the calls' real durations at the reservation rate.
 */
async function simulate(balanceMinor: number, simultaneous: number) {
  const accountId = `acct_${crypto.randomUUID()}`;
  const gate = accountGate(accountId);
  const t0 = Date.now();
  const ledger = { balanceMinor, postingId: 1 };
  const snapshot = (): BalanceSnapshot => snapshotOf(accountId, { balanceMinor: ledger.balanceMinor, throughPostingId: ledger.postingId, reservePerMinuteMinor: RATE_MINOR_PER_MIN });
  await gate.setBalance(snapshot(), t0);
  const calls: SimulatedCall[] = [];
  const stalePushes: BalanceSnapshot[] = [];
  let attempts = 0;
  let minSpendable = Infinity;

  const attempt = async (n: number, now: number) => {
    const ids = Array.from({ length: n }, () => `CAL-${++attempts}`);
    const results = await Promise.all(ids.map((id) => gate.admit(id, 100, now)));
    ids.forEach((id, i) => {
      if (!results[i]!.admitted) return;
      const k = calls.length;
      calls.push({ id, startedAt: now, hangsUpAt: now + 40_000 + ((k * 97_001) % (6 * MIN)), renewAt: now + LEASE_RENEW_MS, endsAt: null, chargeMinor: null, settleAt: null, settled: false });
    });
    return results.filter((r) => r.admitted).length;
  };

  const admittedAtOnce = await attempt(simultaneous, t0);
  for (let now = t0; now <= t0 + RUN_MS; now += TICK_MS) {
    for (const call of calls.filter((c) => c.endsAt === null)) {
      if (now >= call.hangsUpAt) call.endsAt = now;
      else if (now >= call.renewAt) {
        const renewed = await gate.renew(call.id, now);
        expect(renewed).not.toBe("lease_expired");
        if (renewed === "renewed") call.renewAt = now + LEASE_RENEW_MS + ((calls.indexOf(call) * 7_919) % 40_000);
        else call.endsAt = now + CLOSING_MS;
      }
    }
    for (const call of calls.filter((c) => c.endsAt !== null && c.endsAt <= now && c.chargeMinor === null)) {
      await gate.release(call.id);
      call.chargeMinor = reservationWorth(call.endsAt! - call.startedAt, RATE_MINOR_PER_MIN);
      call.settleAt = now + 45_000 + ((calls.indexOf(call) * 31_337) % (3 * MIN));
    }
    for (const call of calls.filter((c) => c.settleAt !== null && c.settleAt <= now && !c.settled)) {
      stalePushes.push(snapshot());
      ledger.balanceMinor -= call.chargeMinor!;
      ledger.postingId++;
      call.settled = await gate.settle(call.id, snapshot(), now);
    }
    const stale = stalePushes.shift();
    if (stale) expect(await gate.setBalance(stale, now)).toBe(false);
    if (now - t0 < ATTEMPTS_UNTIL_MS && (now - t0) % 30_000 === 0) await attempt(3, now);
    minSpendable = Math.min(minSpendable, (await gate.credit(now))!.spendableMinor);
  }
  expect(calls.every((c) => c.settled)).toBe(true);
  expect(await gate.credit(t0 + RUN_MS)).toMatchObject({ reservedMinor: 0 });
  const chargedMinor = calls.reduce((sum, c) => sum + c.chargeMinor!, 0);
  return { admittedAtOnce, admitted: calls.length, attempts, chargedMinor, minSpendable };
}

describe("the overspend bound", () => {
  const oneRenewalPeriodMinor = reservationWorth(LEASE_RENEW_MS, RATE_MINOR_PER_MIN);

  it("20 simultaneous calls on credit for three minutes spend no more than the balance plus one renewal period's reservations", async () => {
    const balanceMinor = 3 * RATE_MINOR_PER_MIN;
    const run = await simulate(balanceMinor, 20);
    expect(run.admittedAtOnce).toBe(1);
    expect(run.chargedMinor).toBeGreaterThan(0);
    expect(run.chargedMinor).toBeLessThanOrEqual(balanceMinor + oneRenewalPeriodMinor);
    expect(run.minSpendable).toBeGreaterThanOrEqual(0);
  });

  it("holds with more credit, calls ending on their own and credit coming back through settlements", async () => {
    const balanceMinor = 10 * RATE_MINOR_PER_MIN;
    const run = await simulate(balanceMinor, 20);
    expect(run.admittedAtOnce).toBe(3);
    expect(run.admitted).toBeGreaterThan(3);
    expect(run.chargedMinor).toBeLessThanOrEqual(balanceMinor + oneRenewalPeriodMinor);
    expect(run.minSpendable).toBeGreaterThanOrEqual(0);
  });
});
