import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pushBalanceSnapshot } from "../../shared/billing/balance-snapshot.ts";
import { withPostgres } from "../../shared/pg/client.ts";
import { postOnce } from "../../shared/pg/ledger-postings.ts";
import { billingAccounts } from "../../shared/pg/schema.ts";
import { billedTenant, ensureDefaultPlan, gate, operator } from "../../test/workers/billing-fixtures.ts";
import { runScheduledJobs } from "../scheduled/jobs.ts";
import { GATE_GRACE_MS } from "./reconciliation.ts";

/**
 * The metering's priced calls (its Postgres migration creates the table); created here, with the same columns,
 * where this branch runs without it, so the priced-usage check has something to compare.
 */
const ensurePricedCalls = () =>
  withPostgres(env, (db) =>
    db.execute(sql`create table if not exists call_charges (
      account_id text not null, call_id text not null, usage_event_id text not null, currency text not null,
      total_minor bigint not null, lines jsonb not null, estimated boolean not null, priced_at timestamptz not null default now(),
      primary key (account_id, call_id))`),
  );

/** The cron trigger, fired after the grace period: a snapshot still behind by then is drift. */
const triggerAfterGrace = () => runScheduledJobs(createScheduledController({ scheduledTime: Date.now() + GATE_GRACE_MS + 60_000, cron: "17 * * * *" }), env);

const call = (accountId: string, id: string, amountMinor: number) =>
  withPostgres(env, async (db) => {
    await db.execute(sql`insert into call_charges (account_id, call_id, usage_event_id, currency, total_minor, lines, estimated) values (${accountId}, ${id}, ${`usage:${id}`}, 'USD', ${amountMinor}, '[]', false)`);
  });

describe("billing reconciliation", () => {
  afterEach(() => vi.restoreAllMocks());

  it("finds a stale, a corrupted and a missing gate snapshot and unposted priced usage, stores the run and logs billing_drift", async () => {
    await ensureDefaultPlan();
    await ensurePricedCalls();
    const inSync = await billedTenant({ mode: "prepaid", credit_minor: 1_000 });
    const behind = await billedTenant({ mode: "prepaid", credit_minor: 500 });
    const corrupted = await billedTenant({ mode: "prepaid", credit_minor: 800 });
    const underCharged = await billedTenant({ mode: "postpaid" });
    const noGate = `AYB-${crypto.randomUUID()}`;

    // In sync: a priced call and its charge posting agree.
    await call(inSync.accountId, "CAL-SYNC", 120);
    await withPostgres(env, async (db) => {
      await postOnce(db, { accountId: inSync.accountId, kind: "call_charge", debit: "customer_balance", credit: "revenue", amountMinor: 120, currency: "USD", sourceType: "usage_event", sourceId: "usage:CAL-SYNC" });
      // Behind the snapshot's back: a posting nobody pushed.
      await postOnce(db, { accountId: behind.accountId, kind: "adjustment", debit: "customer_balance", credit: "adjustments", amountMinor: 75, currency: "USD", sourceType: "operator_request", sourceId: "unpushed", reason: "planted" });
      // A billed account whose gate never got a snapshot.
      await db.insert(billingAccounts).values({ accountId: noGate, planId: "payg", currency: "USD" });
    });
    await pushBalanceSnapshot(env, inSync.accountId);
    // A gate that holds another balance for the same posting.
    const held = (await gate(corrupted.accountId).balance())!;
    await gate(corrupted.accountId).setBalance({ ...held, balanceMinor: held.balanceMinor + 1 });
    // Priced at 250, charged 200 on the ledger.
    await call(underCharged.accountId, "CAL-UNDER", 250);
    await withPostgres(env, (db) =>
      postOnce(db, { accountId: underCharged.accountId, kind: "call_charge", debit: "customer_balance", credit: "revenue", amountMinor: 200, currency: "USD", sourceType: "usage_event", sourceId: "usage:CAL-UNDER" }),
    );
    await pushBalanceSnapshot(env, underCharged.accountId);

    const logged: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void logged.push(line));
    await triggerAfterGrace();

    const metric = logged.map((l) => JSON.parse(l)).find((l) => l.metric === "billing_drift");
    expect(metric).toMatchObject({ priced_usage_checked: 1 });
    expect(metric.drifts).toBeGreaterThanOrEqual(4);
    const runs = await operator("GET", "/v1/operator/billing/reconciliation?limit=1");
    expect(runs.status).toBe(200);
    const [run] = runs.json.data;
    expect(run).toMatchObject({ priced_usage_checked: true, drift_count: metric.drifts, accounts_checked: metric.accounts_checked });
    const mine = new Set([inSync.accountId, behind.accountId, corrupted.accountId, underCharged.accountId, noGate]);
    const found = run.findings.filter((f: { account_id: string }) => mine.has(f.account_id)).sort((a: { check: string }, b: { check: string }) => a.check.localeCompare(b.check));
    expect(found).toEqual([
      { account_id: corrupted.accountId, check: "gate_balance", ledger_minor: 800, other_minor: 801, detail: expect.any(String) },
      { account_id: noGate, check: "gate_missing", ledger_minor: 0, other_minor: null, detail: expect.any(String) },
      { account_id: behind.accountId, check: "gate_stale", ledger_minor: 425, other_minor: 500, detail: expect.any(String) },
      { account_id: underCharged.accountId, check: "priced_usage", ledger_minor: 200, other_minor: 250, detail: expect.any(String) },
    ]);
  });

  it("a snapshot only moments behind its newest posting is no drift yet", async () => {
    const t = await billedTenant({ mode: "prepaid", credit_minor: 300 });
    await withPostgres(env, (db) =>
      postOnce(db, { accountId: t.accountId, kind: "promotional_grant", debit: "promotions", credit: "customer_balance", amountMinor: 5, currency: "USD", sourceType: "operator_request", sourceId: "in-flight", reason: "push on its way" }),
    );
    vi.spyOn(console, "log").mockImplementation(() => {});
    await runScheduledJobs(createScheduledController({ scheduledTime: Date.now(), cron: "17 * * * *" }), env);
    const [run] = (await operator("GET", "/v1/operator/billing/reconciliation?limit=1")).json.data;
    expect(run.findings.filter((f: { account_id: string }) => f.account_id === t.accountId)).toEqual([]);
  });
});
