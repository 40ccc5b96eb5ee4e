import { sql } from "drizzle-orm";
import type { BalanceSnapshot } from "../../shared/billing/balance-snapshot.ts";
import { withPostgres, type PgDatabase, type PostgresConfig } from "../../shared/pg/client.ts";
import { reconciliationRuns, type ReconciliationFinding } from "../../shared/pg/schema.ts";
import { accountGate, accountRegion } from "../../shared/residency/residency.ts";

/**
 * A snapshot may trail the ledger while a posting's push is on its way; only a posting older than this that the
 * gate still does not include is drift (a push that was lost, or a posting written behind the pushers' back).
 */
export const GATE_GRACE_MS = 5 * 60 * 1000;

interface LedgerAccount {
  accountId: string;
  balanceMinor: number;
  throughPostingId: number;
  /** When the newest posting was made (null: no postings). */
  newestAt: Date | null;
  callChargesMinor: number;
}

export interface ReconciliationOutcome extends Record<string, number> {
  accounts_checked: number;
  drifts: number;
  gate_drifts: number;
  priced_usage_drifts: number;
  priced_usage_checked: number;
}

/** Each billing account's ledger balance, newest posting and call-charge total, in one pass over the ledger. */
async function ledgerAccounts(db: PgDatabase): Promise<LedgerAccount[]> {
  const { rows } = await db.execute<{ account_id: string; balance: string; through: string | null; newest_at: string | null; charged: string }>(sql`
    select b.account_id,
      coalesce(sum(case when p.credit = 'customer_balance' then p.amount_minor when p.debit = 'customer_balance' then -p.amount_minor else 0 end), 0) as balance,
      max(p.id) as through,
      max(p.created_at) as newest_at,
      coalesce(sum(p.amount_minor) filter (where p.kind = 'call_charge'), 0) as charged
    from billing_accounts b left join ledger_postings p on p.account_id = b.account_id
    group by b.account_id`);
  return rows.map((r) => ({
    accountId: r.account_id,
    balanceMinor: Number(r.balance),
    throughPostingId: Number(r.through ?? 0),
    newestAt: r.newest_at ? new Date(r.newest_at) : null,
    callChargesMinor: Number(r.charged),
  }));
}

/** Priced calls per account (the metering's `call_charges`), or null while that table does not exist yet. */
async function pricedUsage(db: PgDatabase): Promise<Map<string, number> | null> {
  const { rows: present } = await db.execute<{ present: boolean }>(sql`select to_regclass('public.call_charges') is not null as present`);
  if (!present[0]?.present) return null;
  const { rows } = await db.execute<{ account_id: string; total: string }>(sql`select account_id, sum(total_minor) as total from call_charges group by account_id`);
  return new Map(rows.map((r) => [r.account_id, Number(r.total)]));
}

/** The ledger balance through the gate's snapshot: what the gate should hold if nothing corrupted it. */
async function ledgerBalanceThrough(db: PgDatabase, accountId: string, throughPostingId: number): Promise<number> {
  const { rows } = await db.execute<{ balance: string }>(sql`
    select coalesce(sum(case when credit = 'customer_balance' then amount_minor when debit = 'customer_balance' then -amount_minor else 0 end), 0) as balance
    from ledger_postings where account_id = ${accountId} and id <= ${throughPostingId}`);
  return Number(rows[0]?.balance ?? 0);
}

/** Where the gate's snapshot disagrees with the ledger: missing, stale past the grace, or holding another balance. */
async function gateFindings(db: PgDatabase, account: LedgerAccount, snapshot: BalanceSnapshot | null, now: Date): Promise<ReconciliationFinding[]> {
  const base = { accountId: account.accountId, ledgerMinor: account.balanceMinor };
  if (!snapshot) return [{ ...base, check: "gate_missing", otherMinor: null, detail: "the gate holds no balance for a billed account" }];
  const findings: ReconciliationFinding[] = [];
  const overdue = account.newestAt !== null && now.getTime() - account.newestAt.getTime() > GATE_GRACE_MS;
  if (snapshot.throughPostingId < account.throughPostingId && overdue) {
    findings.push({ ...base, check: "gate_stale", otherMinor: snapshot.balanceMinor, detail: `the gate holds postings through ${snapshot.throughPostingId}, the ledger through ${account.throughPostingId}` });
  }
  // Whatever postings it includes, the snapshot's balance must be the ledger's through the same posting.
  const expected = snapshot.throughPostingId === account.throughPostingId ? account.balanceMinor : await ledgerBalanceThrough(db, account.accountId, snapshot.throughPostingId);
  if (expected !== snapshot.balanceMinor) {
    findings.push({ ...base, ledgerMinor: expected, check: "gate_balance", otherMinor: snapshot.balanceMinor, detail: `through posting ${snapshot.throughPostingId}` });
  }
  return findings;
}

/**
 * Checks that the three views of each account's money agree: the ledger (the sum of its postings), the priced
 * usage (the metering's priced calls against the ledger's call charges) and the edge's spendable balance (the
 * gate's snapshot). Every disagreement is a finding; the run is stored (readable at
 * GET /v1/operator/billing/reconciliation) and counted in one `billing_drift` log line, the metric alerts watch.
 */
export async function reconcileBilling(env: Env & PostgresConfig, now: Date): Promise<ReconciliationOutcome> {
  return withPostgres(env, async (db) => {
    const accounts = await ledgerAccounts(db);
    const priced = await pricedUsage(db);
    const findings: ReconciliationFinding[] = [];
    for (const account of accounts) {
      const snapshot = await accountGate(env, account.accountId, await accountRegion(env, account.accountId)).balance();
      findings.push(...(await gateFindings(db, account, snapshot, now)));
      const pricedMinor = priced?.get(account.accountId) ?? 0;
      if (priced && pricedMinor !== account.callChargesMinor) {
        findings.push({ accountId: account.accountId, check: "priced_usage", ledgerMinor: account.callChargesMinor, otherMinor: pricedMinor, detail: "call_charge postings against priced calls" });
      }
    }
    await db.insert(reconciliationRuns).values({ ranAt: now, accountsChecked: accounts.length, driftCount: findings.length, pricedUsageChecked: priced !== null, findings });
    const outcome: ReconciliationOutcome = {
      accounts_checked: accounts.length,
      drifts: findings.length,
      gate_drifts: findings.filter((f) => f.check !== "priced_usage").length,
      priced_usage_drifts: findings.filter((f) => f.check === "priced_usage").length,
      priced_usage_checked: priced ? 1 : 0,
    };
    console.log(JSON.stringify({ level: findings.length > 0 ? "warn" : "info", metric: "billing_drift", ...outcome }));
    return outcome;
  });
}
