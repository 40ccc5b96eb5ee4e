import { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { pushBalanceSnapshot, readBalanceSnapshot } from "../../../shared/billing/balance-snapshot.ts";
import { database } from "../../../shared/db/client.ts";
import { accounts } from "../../../shared/db/schema.ts";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { billingAccounts } from "../../../shared/pg/schema.ts";
import { accountGate, accountRegion } from "../../../shared/residency/residency.ts";
import { notFound } from "../../api/problem.ts";
import { IdParam, jsonBody, jsonResponse, operatorRoute, problem, resourceApp, securedRoute } from "../../api/route.ts";
import { dailyRollupsRebuild } from "../../analytics/daily-rollups-rebuild.ts";
import { UNAVAILABLE, withBillingDb } from "../billing-db.ts";
import { BillingSettings, Currency, UpdateBilling } from "../billing-schemas.ts";
import { billingSettingsView, updateBillingSettings } from "../billing-settings.ts";

const BillingOverview = BillingSettings.extend({
  balance_minor: z.number().int().openapi({ description: "The ledger's balance: the sum of the account's postings, in minor units of `currency`." }),
  through_posting_id: z.number().int().openapi({ description: "The newest posting the balance includes." }),
  edge_snapshot: z
    .object({
      balance_minor: z.number().int(),
      through_posting_id: z.number().int(),
      currency: Currency,
      reserved_minor: z.number().int().openapi({ description: "Held by live calls (and calls not yet settled) of a prepaid account." }),
      spendable_minor: z.number().int().openapi({ description: "`balance_minor` less `reserved_minor`: what new calls may reserve." }),
    })
    .nullable()
    .openapi({ description: "What the edge admits calls against (pushed from the ledger at each posting); behind `balance_minor` only for a moment." }),
}).openapi("BillingOverview");

export const accountBillingApi = resourceApp();

accountBillingApi.openapi(
  operatorRoute({
    method: "patch",
    path: "/operator/accounts/{id}/billing",
    summary: "Set an account's plan, currency, mode, time zone, low-balance threshold or billing status",
    description: "Creates the account's billing side (plan `payg`, USD, postpaid, UTC) if it has none. The currency cannot change once the account has postings. A time-zone change queues a rebuild of the account's daily analytics rollups in the new zone; until it has run, analytics reports over the old days read hourly rollups or raw rows.",
    request: { params: IdParam(ID_PATTERNS.account, "AYB-7KQ2-M9XD-4HTV"), ...jsonBody(UpdateBilling) },
    responses: { 200: jsonResponse(BillingSettings, "The account's billing settings."), ...UNAVAILABLE },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const changes = c.req.valid("json");
    const account = await database(c.env.DB).select({ id: accounts.id }).from(accounts).where(eq(accounts.id, id)).get();
    if (!account) throw notFound("account");
    const settings = await withBillingDb(c.env, async (db) => {
      const updated = await updateBillingSettings(db, id, changes);
      await pushBalanceSnapshot(c.env, id, db);
      return updated;
    });
    // Daily analytics rollups are cut at the old zone's midnights: rebuilt off the request (a no-op if it is unchanged).
    if (changes.time_zone !== undefined) await c.env.CALL_EVENTS.send(dailyRollupsRebuild(id));
    await c.var.audit.commit([], { accountId: id, resource: id, detail: { billing: changes } });
    return c.json(billingSettingsView(settings), 200);
  },
);

accountBillingApi.openapi(
  securedRoute("billing:read", {
    method: "get",
    path: "/billing",
    tags: ["Billing"],
    summary: "The caller's billing: plan, currency, mode, status, threshold and balance",
    responses: { 200: jsonResponse(BillingOverview, "The account's billing."), 404: problem("`not-found`: the account has no billing side yet."), ...UNAVAILABLE },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const { settings, ledger } = await withBillingDb(c.env, async (db) => {
      const [settings] = await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, accountId)).limit(1);
      return { settings, ledger: settings ? await readBalanceSnapshot(db, accountId) : null };
    });
    if (!settings || !ledger) throw notFound("billing account");
    const gate = accountGate(c.env, accountId, await accountRegion(c.env, accountId));
    const [edge, credit] = await Promise.all([gate.balance(), gate.credit()]);
    return c.json(
      {
        ...billingSettingsView(settings),
        balance_minor: ledger.balanceMinor,
        through_posting_id: ledger.throughPostingId,
        edge_snapshot:
          edge && credit
            ? { balance_minor: edge.balanceMinor, through_posting_id: edge.throughPostingId, currency: edge.currency, reserved_minor: credit.reservedMinor, spendable_minor: credit.spendableMinor }
            : null,
      },
      200,
    );
  },
);
