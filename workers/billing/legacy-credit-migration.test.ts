import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../index.ts";
import { withPostgres } from "../../shared/pg/client.ts";
import { billingAccounts, ledgerPostings } from "../../shared/pg/schema.ts";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { ensureDefaultPlan, gate, operator } from "../../test/workers/billing-fixtures.ts";

/**
 * The deploy that retired credit_cents, replayed over planted balances: the column as it was before it, then the
 * D1 migration that moves its balances, then the one that drops it.
 */
const restoreRetiredColumn = () => env.DB.prepare("ALTER TABLE accounts ADD COLUMN credit_cents integer").run();
async function runLegacyCreditMove() {
  const migration = env.TEST_MIGRATIONS.find((m) => m.name.endsWith("_legacy_credit_move.sql"));
  for (const query of migration!.queries) await env.DB.prepare(query).run();
}
const dropRetiredColumn = () => env.DB.prepare("ALTER TABLE accounts DROP COLUMN credit_cents").run();

const plantCredit = (accountId: string, cents: number) => env.DB.prepare("UPDATE accounts SET credit_cents = ? WHERE id = ?").bind(cents, accountId).run();
const legacyRows = async () => (await env.DB.prepare("SELECT account_id, credit_cents FROM legacy_credit_balances ORDER BY account_id").all()).results;
const postings = (accountId: string) => withPostgres(env, (db) => db.select().from(ledgerPostings).where(eq(ledgerPostings.accountId, accountId)));
const triggerCron = () => worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "17 * * * *" }), env);

describe("retiring credit_cents", () => {
  it("the D1 migration moves every balance to legacy_credit_balances; the hourly job posts each as an opening balance once", async () => {
    await ensureDefaultPlan();
    const [rich, indebted, postpaid] = [await createTenant(), await createTenant(), await createTenant()];
    await restoreRetiredColumn();
    await plantCredit(rich.accountId, 1_500);
    await plantCredit(indebted.accountId, -42);
    await runLegacyCreditMove();
    expect(await legacyRows()).toEqual(
      [
        { account_id: rich.accountId, credit_cents: 1_500 },
        { account_id: indebted.accountId, credit_cents: -42 },
      ].sort((a, b) => a.account_id.localeCompare(b.account_id)),
    );
    const cleared = await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE credit_cents IS NOT NULL").first<{ n: number }>();
    expect(cleared!.n).toBe(0);
    await dropRetiredColumn();

    await triggerCron();
    expect(await legacyRows()).toEqual([]);
    expect(await postings(rich.accountId)).toEqual([
      expect.objectContaining({ kind: "opening_balance", debit: "adjustments", credit: "customer_balance", amountMinor: 1_500, currency: "USD", sourceType: "migration", sourceId: rich.accountId }),
    ]);
    expect(await postings(indebted.accountId)).toEqual([expect.objectContaining({ kind: "opening_balance", debit: "customer_balance", credit: "adjustments", amountMinor: 42 })]);
    expect((await api(rich.key).get("/v1/billing")).json).toMatchObject({ plan: "payg", currency: "USD", mode: "prepaid", balance_minor: 1_500 });
    expect(await gate(indebted.accountId).balance()).toMatchObject({ balanceMinor: -42, mode: "prepaid" });
    // An account that had no prepaid balance keeps no billing side from the migration.
    expect(await withPostgres(env, (db) => db.select().from(billingAccounts).where(eq(billingAccounts.accountId, postpaid.accountId)))).toEqual([]);
  });

  it("a rerun over a balance already posted (a run that died before deleting its row) posts nothing new", async () => {
    await ensureDefaultPlan();
    const t = await createTenant();
    await env.DB.prepare("INSERT INTO legacy_credit_balances (account_id, credit_cents) VALUES (?, 700)").bind(t.accountId).run();
    expect((await operator("POST", "/v1/operator/billing/legacy-credit/migrate")).json).toEqual({ migrated: 1, blocked: 0, remaining: 0 });
    await env.DB.prepare("INSERT INTO legacy_credit_balances (account_id, credit_cents) VALUES (?, 700)").bind(t.accountId).run();
    const rerun = await operator("POST", "/v1/operator/billing/legacy-credit/migrate");
    expect(rerun.json).toEqual({ migrated: 1, blocked: 0, remaining: 0 });
    expect((await postings(t.accountId)).map((p) => p.amountMinor)).toEqual([700]);
    expect((await api(t.key).get("/v1/billing")).json.balance_minor).toBe(700);
  });

  it("leaves a balance in place when the account is already billed in another currency, and says so", async () => {
    await ensureDefaultPlan();
    const t = await createTenant({ billing: { currency: "EUR" } });
    await env.DB.prepare("INSERT INTO legacy_credit_balances (account_id, credit_cents) VALUES (?, 300)").bind(t.accountId).run();
    const run = await operator("POST", "/v1/operator/billing/legacy-credit/migrate");
    expect(run.json).toEqual({ migrated: 0, blocked: 1, remaining: 1 });
    expect(await postings(t.accountId)).toEqual([]);
    // Settled by hand (an operator posts it in the account's currency), so later runs skip nothing.
    await env.DB.prepare("DELETE FROM legacy_credit_balances WHERE account_id = ?").bind(t.accountId).run();
  });

  it("the accounts API no longer takes or shows credit_cents", async () => {
    const refused = await operator("POST", "/v1/operator/accounts", { name: "Old style", owner_email: "old@example.com", credit_cents: 100 });
    expect(refused.status).toBe(422);
    const t = await createTenant();
    expect((await api(t.key).get("/v1/accounts/me")).json).not.toHaveProperty("credit_cents");
    expect((await operator("PATCH", `/v1/operator/accounts/${t.accountId}`, { credit_cents: 5 })).status).toBe(422);
  });
});
