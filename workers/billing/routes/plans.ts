import { z } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { postgresError, PG_UNIQUE_VIOLATION } from "../../../shared/pg/errors.ts";
import { plans, rateCards } from "../../../shared/pg/schema.ts";
import { ApiError, notFound } from "../../api/problem.ts";
import { jsonBody, jsonResponse, operatorRoute, problem, resourceApp } from "../../api/route.ts";
import { UNAVAILABLE, withBillingDb } from "../billing-db.ts";
import { CreatePlan, Currency, Plan, planId, RateCard, RateCardBody } from "../billing-schemas.ts";
import { PLATFORM_AUDIT_CHAIN } from "../platform-audit.ts";

const PlanParam = z.object({ id: planId().openapi({ param: { name: "id", in: "path" } }) });

type PlanRow = typeof plans.$inferSelect;
type RateRow = typeof rateCards.$inferSelect;

const planView = (p: PlanRow, rates?: RateRow[]) => ({
  id: p.id,
  name: p.name,
  created_at: p.createdAt.toISOString(),
  ...(rates ? { rate_cards: rateCardsOf(p.id, rates) } : {}),
});

function rateCardsOf(planId: string, rates: RateRow[]): z.infer<typeof RateCard>[] {
  const byCurrency = new Map<RateRow["currency"], RateRow[]>();
  for (const rate of rates) byCurrency.set(rate.currency, [...(byCurrency.get(rate.currency) ?? []), rate]);
  return [...byCurrency].map(([currency, rows]) => ({
    plan_id: planId,
    currency,
    rates: rows.map((r) => ({ component: r.component, model: r.model, micros_per_unit: r.microsPerUnit })),
  }));
}

async function findPlan(db: PgDatabase, id: string): Promise<PlanRow> {
  const [plan] = await db.select().from(plans).where(eq(plans.id, id)).limit(1);
  if (!plan) throw notFound("plan");
  return plan;
}

export const plansApi = resourceApp();

plansApi.openapi(
  operatorRoute({
    method: "post",
    path: "/operator/plans",
    summary: "Create a plan (its rate cards are set per currency with PUT)",
    request: jsonBody(CreatePlan),
    responses: { 201: jsonResponse(Plan, "The plan."), 409: problem("`conflict`: a plan with this id exists."), ...UNAVAILABLE },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const [plan] = await withBillingDb(c.env, async (db) => {
      try {
        return await db.insert(plans).values({ id: input.id, name: input.name }).returning();
      } catch (err) {
        if (postgresError(err)?.code === PG_UNIQUE_VIOLATION) throw new ApiError("conflict", `plan ${input.id} exists; choose another id`);
        throw err;
      }
    });
    await c.var.audit.commit([], { accountId: PLATFORM_AUDIT_CHAIN, resource: `plan:${input.id}`, detail: { name: input.name } });
    return c.json(planView(plan!), 201);
  },
);

plansApi.openapi(
  operatorRoute({
    method: "get",
    path: "/operator/plans",
    summary: "Every plan, oldest first",
    responses: { 200: jsonResponse(z.object({ data: z.array(Plan) }), "Plans."), ...UNAVAILABLE },
  }),
  async (c) => {
    const rows = await withBillingDb(c.env, (db) => db.select().from(plans).orderBy(asc(plans.createdAt), asc(plans.id)));
    return c.json({ data: rows.map((p) => planView(p)) }, 200);
  },
);

plansApi.openapi(
  operatorRoute({
    method: "get",
    path: "/operator/plans/{id}",
    summary: "A plan with its rate cards",
    request: { params: PlanParam },
    responses: { 200: jsonResponse(Plan, "The plan."), ...UNAVAILABLE },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const view = await withBillingDb(c.env, async (db) => {
      const plan = await findPlan(db, id);
      const rates = await db.select().from(rateCards).where(eq(rateCards.planId, id)).orderBy(asc(rateCards.currency), asc(rateCards.component), asc(rateCards.model));
      return planView(plan, rates);
    });
    return c.json(view, 200);
  },
);

plansApi.openapi(
  operatorRoute({
    method: "put",
    path: "/operator/plans/{id}/rate-cards/{currency}",
    summary: "Replace a plan's whole rate card in one currency",
    description: "The rates given become the card: components left out are no longer priced in this currency.",
    request: { params: PlanParam.extend({ currency: Currency.openapi({ param: { name: "currency", in: "path" }, example: "USD" }) }), ...jsonBody(RateCardBody) },
    responses: { 200: jsonResponse(RateCard, "The card as stored."), ...UNAVAILABLE },
  }),
  async (c) => {
    const { id, currency } = c.req.valid("param");
    const { rates } = c.req.valid("json");
    await withBillingDb(c.env, async (db) => {
      await findPlan(db, id);
      await db.transaction(async (tx) => {
        await tx.delete(rateCards).where(and(eq(rateCards.planId, id), eq(rateCards.currency, currency)));
        if (rates.length > 0) {
          await tx.insert(rateCards).values(rates.map((r) => ({ planId: id, currency, component: r.component, model: r.model, microsPerUnit: r.micros_per_unit })));
        }
      });
    });
    await c.var.audit.commit([], { accountId: PLATFORM_AUDIT_CHAIN, resource: `plan:${id}/rate-card:${currency}`, detail: { rates } });
    return c.json({ plan_id: id, currency, rates }, 200);
  },
);
