import { z } from "@hono/zod-openapi";
import { jsonResponse, operatorRoute, resourceApp } from "../../api/route.ts";
import { asBillingUnavailable, UNAVAILABLE } from "../billing-db.ts";
import { migrateLegacyCredit } from "../legacy-credit-migration.ts";
import { PLATFORM_AUDIT_CHAIN } from "../platform-audit.ts";

const LegacyCreditRun = z
  .object({
    migrated: z.number().int().openapi({ description: "Balances posted to the ledger as opening balances (and removed from the legacy table)." }),
    blocked: z.number().int().openapi({ description: "Balances left in place: the account is billed in another currency than USD." }),
    remaining: z.number().int().openapi({ description: "Balances still waiting; call again (or let the hourly job run) until 0." }),
  })
  .openapi("LegacyCreditRun");

export const legacyCreditApi = resourceApp();

legacyCreditApi.openapi(
  operatorRoute({
    method: "post",
    path: "/operator/billing/legacy-credit/migrate",
    summary: "Post the next batch of the retired credit_cents balances to the ledger (also run hourly)",
    description: "Each balance becomes an `opening_balance` posting (source `migration/<account id>`, so a rerun posts nothing twice). `npm run billing:migrate-credit` calls this until nothing remains.",
    responses: { 200: jsonResponse(LegacyCreditRun, "What this run did."), ...UNAVAILABLE },
  }),
  async (c) => {
    const outcome = await asBillingUnavailable(() => migrateLegacyCredit(c.env));
    await c.var.audit.commit([], { accountId: PLATFORM_AUDIT_CHAIN, resource: "legacy-credit", detail: outcome });
    return c.json(outcome, 200);
  },
);
