import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withPostgres } from "./client.ts";
import { billingAccounts, plans, rateCards } from "./schema.ts";

// Every test file shares the one migrated database test/workers/global-setup.ts started: rows carry their own ids.
const fresh = (prefix: string) => `${prefix}_${crypto.randomUUID()}`;

describe("the Postgres tier from inside workerd (Neon driver → WebSocket bridge → embedded Postgres)", () => {
  it("reads and writes the migrated tables with drizzle over the driver's Pool", async () => {
    const planId = fresh("plan");
    const accountId = fresh("acct");
    const rows = await withPostgres(env, async (db) => {
      await db.insert(plans).values({ id: planId, name: "Starter" });
      // Rates are millionths of the currency unit: $3 per million input tokens is 3 per token.
      await db.insert(rateCards).values([
        { planId, currency: "USD", component: "llm_input_token", model: "us.anthropic.claude-haiku-4-5-20251001-v1:0", microsPerUnit: 3 },
        { planId, currency: "USD", component: "tts_character", microsPerUnit: 30 },
        { planId, currency: "EUR", component: "tts_character", microsPerUnit: 28 },
      ]);
      await db.insert(billingAccounts).values({ accountId, planId, currency: "USD" });
      return db
        .select({ component: rateCards.component, model: rateCards.model, micros: rateCards.microsPerUnit, timeZone: billingAccounts.timeZone, status: billingAccounts.billingStatus })
        .from(billingAccounts)
        .innerJoin(rateCards, sql`${rateCards.planId} = ${billingAccounts.planId} and ${rateCards.currency} = ${billingAccounts.currency}`)
        .where(eq(billingAccounts.accountId, accountId))
        .orderBy(rateCards.component);
    });
    expect(rows).toEqual([
      { component: "llm_input_token", model: "us.anthropic.claude-haiku-4-5-20251001-v1:0", micros: 3, timeZone: "UTC", status: "active" },
      { component: "tts_character", model: "", micros: 30, timeZone: "UTC", status: "active" },
    ]);
  });

  it("commits a transaction: a later request's pool sees its writes", async () => {
    const planId = fresh("plan");
    await withPostgres(env, (db) =>
      db.transaction(async (tx) => {
        await tx.insert(plans).values({ id: planId, name: "Growth" });
        await tx.insert(rateCards).values({ planId, currency: "GBP", component: "platform_minute", microsPerUnit: 40_000 });
      }),
    );
    const seen = await withPostgres(env, (db) => db.select({ rate: rateCards.microsPerUnit }).from(rateCards).where(eq(rateCards.planId, planId)));
    expect(seen).toEqual([{ rate: 40_000 }]);
  });

  it("rolls a transaction back when its work throws: nothing of it remains", async () => {
    const planId = fresh("plan");
    const failed = withPostgres(env, (db) =>
      db.transaction(async (tx) => {
        await tx.insert(plans).values({ id: planId, name: "Doomed" });
        // The plan is visible inside its own transaction...
        expect(await tx.select().from(plans).where(eq(plans.id, planId))).toHaveLength(1);
        // ...until a rate the schema refuses (negative) aborts it.
        await tx.insert(rateCards).values({ planId, currency: "USD", component: "stt_second", microsPerUnit: -1 });
      }),
    );
    await expect(failed).rejects.toThrow();
    expect(await withPostgres(env, (db) => db.select().from(plans).where(eq(plans.id, planId)))).toEqual([]);
  });

  it("ends its pool when the work is done, and when it throws: no connection stays open on the server", { timeout: 15_000 }, async () => {
    const applicationName = fresh("pool_end_test");
    const config = { ...env, DATABASE_URL: `${env.DATABASE_URL}?application_name=${applicationName}` };
    const connections = () =>
      withPostgres(env, async (db) => {
        const { rows } = await db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where application_name = ${applicationName}`);
        return rows[0]!.n;
      });
    // A backend leaves pg_stat_activity just after its client's Terminate message: wait for that, with a deadline.
    const allClosed = async () => {
      const deadline = Date.now() + 5_000;
      let open = await connections();
      while (open > 0 && Date.now() < deadline) open = await connections();
      return open === 0;
    };

    const during = await withPostgres(config, async (db) => {
      await db.execute(sql`select 1`);
      return connections();
    });
    expect(during).toBe(1);
    expect(await allClosed()).toBe(true);

    const failing = withPostgres(config, async (db) => {
      await db.execute(sql`select 1`);
      throw new Error("the request failed");
    });
    await expect(failing).rejects.toThrow("the request failed");
    expect(await allClosed()).toBe(true);
  });
});
