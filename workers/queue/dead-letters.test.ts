import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { withPostgres } from "../../shared/pg/client.ts";
import { ledgerPostings } from "../../shared/pg/schema.ts";
import { api, createTenant, request } from "../../test/workers/api-client.ts";
import { billingAccount, finishedCall, usageMessage } from "../../test/workers/billing-fixtures.ts";
import worker from "../index.ts";

/** Hands a batch to the Worker's queue entry point as the dead-letter queue delivers it. */
async function deadLetter(bodies: unknown[]) {
  const ctx = createExecutionContext();
  const batch = createMessageBatch("call-events-dlq", bodies.map((body, i) => ({ id: `dlq-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts: 1, body })));
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const stored = (messageId: string) => env.DB.prepare("SELECT queue, attempts, redriven_at FROM dead_letters WHERE message_id = ?").bind(messageId).first();
const redrive = () => request("POST", "/v1/operator/dead-letters/redrive", { headers: { "x-operator-secret": env.OPERATOR_SECRET } });

describe("dead letters", () => {
  it("keeps each dead message in D1 under its queue and event id, counting how often it died", async () => {
    const t = await createTenant();
    const message = usageMessage(t.accountId, await finishedCall(t.accountId), 60);
    expect((await deadLetter([message])).ackAll).toBe(true);
    expect(await stored(message.id)).toEqual({ queue: "call-events", attempts: 1, redriven_at: null });
    await deadLetter([message]);
    expect(await stored(message.id)).toMatchObject({ attempts: 2 });
  });

  it("a redrive sends each pending message back once; the usage consumer then settles it, and the tenant's audit log shows it", async () => {
    const t = await createTenant();
    await billingAccount(t.accountId);
    const message = usageMessage(t.accountId, await finishedCall(t.accountId), 60);
    await deadLetter([message]);

    const first = await redrive();
    expect(first.status).toBe(200);
    expect(first.json.redriven).toBeGreaterThanOrEqual(1);
    expect((await stored(message.id))!.redriven_at).toEqual(expect.any(String));
    // The call-events consumer (this Worker) receives it again and posts the charge.
    const postings = () => withPostgres(env, (db) => db.select().from(ledgerPostings).where(eq(ledgerPostings.accountId, t.accountId)));
    // The queue delivers in batches after max_batch_timeout (5 s).
    await vi.waitFor(async () => expect((await postings()).map((p) => p.sourceId)).toEqual([message.id]), { timeout: 25_000, interval: 250 });

    // Nothing is pending any more: a second redrive sends nothing and marks nothing.
    const before = (await stored(message.id))!.redriven_at;
    const second = await redrive();
    expect([second.status, second.json]).toEqual([200, { redriven: 0, unroutable: 0, remaining: 0 }]);
    expect((await stored(message.id))!.redriven_at).toBe(before);
    const log = await api(t.key).get("/v1/audit-log");
    expect(log.json.data.map((e: { action: string }) => e.action)).toContain("POST /v1/operator/dead-letters/redrive");
  }, 30_000);

  it("refuses a redrive without the operator secret", async () => {
    expect((await request("POST", "/v1/operator/dead-letters/redrive")).status).toBe(401);
  });
});
