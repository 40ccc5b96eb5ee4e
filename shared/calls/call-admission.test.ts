import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pushBalanceSnapshot, settleReservation } from "../billing/balance-snapshot.ts";
import { withPostgres, type PgDatabase } from "../pg/client.ts";
import { postOnce } from "../pg/ledger-postings.ts";
import { billingAccounts, plans, rateCards } from "../pg/schema.ts";
import { createTenant, request } from "../../test/workers/api-client.ts";
import { accountGate, snapshotOf } from "../../test/workers/balance-snapshots.ts";
import { admitCall, releaseCall } from "./call-admission.ts";

/** The call object's renewal period (LEASE_RENEW_MS), and what it reserves at 1 €/min (workers/ may import only types from the objects). */
const RENEWAL_PERIOD_MS = 30_000;
const ONE_RENEWAL_PERIOD_MINOR = 50;

/** Postgres is down: nothing listens where the tier's connection string points. */
const postgresDown: Env = { ...env, DATABASE_URL: "postgres://nobody:nothing@127.0.0.1:9/none", PG_WS_PROXY: "127.0.0.1:9/v1" };

/** A D1 account with a prepaid billing side in the ledger: a plan that reserves 1 €/min (the platform fee alone), and `creditMinor` topped up. */
async function prepaidAccount(db: PgDatabase, creditMinor: number) {
  const tenant = await createTenant({ max_concurrent_calls: 50 });
  const planId = `plan_${crypto.randomUUID()}`;
  await db.insert(plans).values({ id: planId, name: "Prepaid" });
  await db.insert(rateCards).values({ planId, currency: "EUR", component: "platform_minute", microsPerUnit: 1_000_000 });
  await db.insert(billingAccounts).values({ accountId: tenant.accountId, planId, currency: "EUR", billingMode: "prepaid" });
  await postOnce(db, { accountId: tenant.accountId, kind: "top_up", debit: "payments", credit: "customer_balance", amountMinor: creditMinor, currency: "EUR", sourceType: "payment_event", sourceId: `pi_${crypto.randomUUID()}` });
  const snapshot = await pushBalanceSnapshot(env, tenant.accountId, db);
  expect(snapshot).toMatchObject({ reservePerMinuteMinor: 100, balanceMinor: creditMinor });
  return tenant.accountId;
}

describe("admitCall decides money from the gate's snapshot, never Postgres", () => {
  it("20 simultaneous calls on three minutes of credit while Postgres is down: one admitted, and its spend stays within the bound once settled", async () => {
    const accountId = await withPostgres(env, (db) => prepaidAccount(db, 300));
    const callIds = Array.from({ length: 20 }, (_, i) => `CAL-BOUND${i}`);
    const refusals = await Promise.all(callIds.map((id) => admitCall(postgresDown, accountId, id)));
    const admitted = callIds.filter((_, i) => refusals[i] === null);
    expect(admitted).toHaveLength(1);
    expect(refusals.filter((r) => r?.reason === "insufficient_credit")).toHaveLength(19);
    expect(refusals.find((r) => r)!.message).toMatch(/can't take your call right now/);

    // The admitted call renews until the credit runs out, then ends with its closing line (25 s) and is settled.
    const gate = accountGate(accountId);
    const t0 = Date.now();
    let now = t0;
    while ((await gate.renew(admitted[0]!, (now += RENEWAL_PERIOD_MS))) === "renewed");
    await gate.release(admitted[0]!);
    const chargeMinor = Math.ceil(((now + 25_000 - t0) / 60_000) * 100);
    await withPostgres(env, async (db) => {
      await postOnce(db, { accountId, kind: "call_charge", debit: "customer_balance", credit: "revenue", amountMinor: chargeMinor, currency: "EUR", sourceType: "usage_event", sourceId: `usage:${admitted[0]}` });
      expect(await settleReservation(env, accountId, admitted[0]!, db)).toBe(true);
    });
    expect(chargeMinor).toBeLessThanOrEqual(300 + ONE_RENEWAL_PERIOD_MINOR);
    expect(await gate.credit()).toEqual({ balanceMinor: 300 - chargeMinor, reservedMinor: 0, spendableMinor: 300 - chargeMinor, currency: "EUR" });
  });

  it("refuses billing_suspended from the snapshot, after the operator's own suspension", async () => {
    const tenant = await createTenant();
    await accountGate(tenant.accountId).setBalance(snapshotOf(tenant.accountId, { mode: "postpaid", billingStatus: "suspended_for_billing" }));
    expect(await admitCall(postgresDown, tenant.accountId, "CAL-SUSPENDED1")).toEqual({ reason: "billing_suspended", message: expect.stringMatching(/not available right now/) });
    await request("PATCH", `/v1/operator/accounts/${tenant.accountId}`, { headers: { "x-operator-secret": env.OPERATOR_SECRET }, body: { status: "suspended" } });
    expect((await admitCall(postgresDown, tenant.accountId, "CAL-SUSPENDED2"))!.reason).toBe("account_suspended");
  });

  it("admits an account without a snapshot (no billing side) without reserving anything", async () => {
    const tenant = await createTenant();
    expect(await admitCall(postgresDown, tenant.accountId, "CAL-UNBILLED1")).toBeNull();
    expect(await accountGate(tenant.accountId).credit()).toBeNull();
    expect(await accountGate(tenant.accountId).active()).toBe(1);
  });

  it("releaseCall gives back the reservation with the slot of a call that never happened", async () => {
    const tenant = await createTenant();
    await accountGate(tenant.accountId).setBalance(snapshotOf(tenant.accountId, { balanceMinor: 300 }));
    expect(await admitCall(postgresDown, tenant.accountId, "CAL-NEVER1")).toBeNull();
    expect((await accountGate(tenant.accountId).credit())!.spendableMinor).toBe(0);
    await releaseCall(env, tenant.accountId, "CAL-NEVER1");
    expect(await accountGate(tenant.accountId).credit()).toMatchObject({ reservedMinor: 0, spendableMinor: 300 });
    expect(await accountGate(tenant.accountId).active()).toBe(0);
  });
});
