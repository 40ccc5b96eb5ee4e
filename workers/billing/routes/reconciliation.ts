import { z } from "@hono/zod-openapi";
import { desc } from "drizzle-orm";
import { reconciliationRuns } from "../../../shared/pg/schema.ts";
import { belowCursor, PageQuery, pageOf, toNumberedPage } from "../../api/pagination.ts";
import { jsonResponse, operatorRoute, resourceApp } from "../../api/route.ts";
import { UNAVAILABLE, withBillingDb } from "../billing-db.ts";

const Finding = z
  .object({
    account_id: z.string(),
    check: z.enum(["gate_balance", "gate_stale", "gate_missing", "priced_usage"]).openapi({
      description:
        "`gate_balance`: the gate's balance is not the ledger's through the same posting; `gate_stale`: the gate misses postings older than the grace period; `gate_missing`: a billed account's gate holds no balance; `priced_usage`: the account's call_charge postings do not add up to its priced calls.",
    }),
    ledger_minor: z.number().int(),
    other_minor: z.number().int().nullable(),
    detail: z.string().nullable(),
  })
  .openapi("ReconciliationFinding");

const Run = z
  .object({
    id: z.number().int(),
    ran_at: z.string(),
    accounts_checked: z.number().int(),
    drift_count: z.number().int(),
    priced_usage_checked: z.boolean().openapi({ description: "False while there is no priced usage to compare against (the check was skipped)." }),
    findings: z.array(Finding),
  })
  .openapi("ReconciliationRun");

type RunRow = typeof reconciliationRuns.$inferSelect;
const runView = (r: RunRow): z.infer<typeof Run> => ({
  id: r.id,
  ran_at: r.ranAt.toISOString(),
  accounts_checked: r.accountsChecked,
  drift_count: r.driftCount,
  priced_usage_checked: r.pricedUsageChecked,
  findings: r.findings.map((f) => ({ account_id: f.accountId, check: f.check, ledger_minor: f.ledgerMinor, other_minor: f.otherMinor, detail: f.detail ?? null })),
});

export const reconciliationApi = resourceApp();

reconciliationApi.openapi(
  operatorRoute({
    method: "get",
    path: "/operator/billing/reconciliation",
    summary: "Runs of the billing reconciliation, newest first, with what each found",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(Run, "ReconciliationRunPage"), "A page of runs."), ...UNAVAILABLE },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await withBillingDb(c.env, (db) =>
      db
        .select()
        .from(reconciliationRuns)
        .where(belowCursor(cursor, reconciliationRuns.id))
        .orderBy(desc(reconciliationRuns.id))
        .limit(limit + 1),
    );
    return c.json(toNumberedPage(rows, limit, (r) => r.id, runView), 200);
  },
);
