import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { withPostgres } from "../../shared/pg/client.ts";
import { billingAccounts, callCharges, ledgerPostings, plans } from "../../shared/pg/schema.ts";
import { createTenant } from "../../test/workers/api-client.ts";
import { billingAccount, finishedCall, POSTGRES_DOWN, usageMessage } from "../../test/workers/billing-fixtures.ts";
import { consumeUsage, retryDelaySeconds } from "./usage-consumer.ts";

const postgresDown: Env = { ...env, ...POSTGRES_DOWN };

/**
 * Runs one batch through the consumer. The test batch's retry() does not report its delay (getQueueResult lists
 * only the retried ids), so each message's retry options are spied on and listed in `retryMessages`.
 */
const run = async (bodies: unknown[], attempts = 1, runEnv: Env = env) => {
  const ctx = createExecutionContext();
  const batch = createMessageBatch("call-events", bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })));
  const delays = new Map(batch.messages.map((m) => [m.id, vi.spyOn(m, "retry")]));
  await consumeUsage(batch, runEnv);
  const result = await getQueueResult(batch, ctx);
  return { ...result, retryMessages: result.retryMessages.map(({ msgId }) => ({ msgId, delaySeconds: delays.get(msgId)!.mock.calls[0]?.[0]?.delaySeconds })) };
};

const postingsOf = (accountId: string) => withPostgres(env, (db) => db.select().from(ledgerPostings).where(eq(ledgerPostings.accountId, accountId)));

async function billedCall(seconds: number) {
  const t = await createTenant();
  await billingAccount(t.accountId);
  const callId = await finishedCall(t.accountId);
  return { accountId: t.accountId, callId, message: usageMessage(t.accountId, callId, seconds) };
}

describe("usage consumer", () => {
  it("settles each call once: a redelivered message is acknowledged and changes nothing", async () => {
    const a = await billedCall(61);
    expect((await run([a.message])).explicitAcks).toEqual(["m0"]);
    const b = await billedCall(30);
    expect((await run([a.message, b.message])).explicitAcks).toEqual(["m0", "m1"]);
    expect((await postingsOf(a.accountId)).map((p) => p.amountMinor)).toEqual([12]); // 2 minutes × (1 + 5) cents
    expect((await postingsOf(b.accountId)).map((p) => p.amountMinor)).toEqual([6]);
  });

  it("acknowledges a malformed message instead of retrying it forever", async () => {
    const result = await run([{ type: "call.usage", id: 5 }]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("while Postgres is down, retries every message with a growing delay and posts nothing; once it is back, posts once", async () => {
    const a = await billedCall(61);
    const b = await billedCall(61);
    const first = await run([a.message, b.message], 1, postgresDown);
    expect(first.explicitAcks).toEqual([]);
    expect(first.retryMessages).toEqual([{ msgId: "m0", delaySeconds: 30 }, { msgId: "m1", delaySeconds: 30 }]);
    expect((await run([a.message], 4, postgresDown)).retryMessages).toEqual([{ msgId: "m0", delaySeconds: 240 }]);
    expect(await postingsOf(a.accountId)).toEqual([]);
    expect((await env.DB.prepare("SELECT cost FROM calls WHERE id = ?").bind(a.callId).first())!.cost).toBeNull();

    expect((await run([a.message, b.message], 5)).explicitAcks).toEqual(["m0", "m1"]);
    expect((await run([a.message], 6)).explicitAcks).toEqual(["m0"]);
    expect((await postingsOf(a.accountId)).map((p) => p.amountMinor)).toEqual([12]);
    expect(await withPostgres(env, (db) => db.select().from(callCharges).where(eq(callCharges.accountId, b.accountId)))).toHaveLength(1);
  });

  it("retries an incomplete rate card's message alone, and settles the rest of the batch", async () => {
    const t = await createTenant();
    await withPostgres(env, async (db) => {
      await db.insert(plans).values({ id: `empty-${t.accountId}`, name: "No rates" });
      await db.insert(billingAccounts).values({ accountId: t.accountId, planId: `empty-${t.accountId}`, currency: "USD" });
    });
    const unpriced = usageMessage(t.accountId, await finishedCall(t.accountId), 60);
    const priced = await billedCall(60);
    const result = await run([unpriced, priced.message], 2);
    expect(result.retryMessages).toEqual([{ msgId: "m0", delaySeconds: 60 }]);
    expect(result.explicitAcks).toEqual(["m1"]);
  });

  it("grows the delay from 30 s, doubling, to an hour; 30 retries outlast a 24-hour outage (wrangler.toml allows 36)", () => {
    expect([1, 2, 3, 7, 8, 20].map(retryDelaySeconds)).toEqual([30, 60, 120, 1_920, 3_600, 3_600]);
    const waited = Array.from({ length: 30 }, (_, i) => retryDelaySeconds(i + 1)).reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThan(24 * 3_600);
  });
});
