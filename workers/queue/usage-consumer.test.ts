import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { request } from "../../test/workers/api-client.ts";
import { consumeUsage } from "./usage-consumer.ts";

async function prepaidAccount(creditCents: number): Promise<string> {
  const res = await request("POST", "/v1/operator/accounts", {
    headers: { "x-operator-secret": env.OPERATOR_SECRET },
    body: { name: "Prepaid", owner_email: `p${Math.random()}@example.com` },
  });
  // The retired prepaid column, planted directly: the API no longer sets it (the ledger replaces it).
  await env.DB.prepare("UPDATE accounts SET credit_cents = ? WHERE id = ?").bind(creditCents, res.json.account.id).run();
  return res.json.account.id;
}

const usage = (accountId: string, id: string, seconds: number) => ({
  type: "call.usage",
  id,
  call_id: id.replace("usage:", ""),
  account_id: accountId,
  agent_id: "AGT-2222222222",
  agent_version: 1,
  ended_at: "2026-11-24T10:00:00.000Z",
  duration_seconds: seconds,
  usage: { caller_audio_seconds: seconds },
});

const run = async (bodies: unknown[]) => {
  const ctx = createExecutionContext();
  const batch = createMessageBatch("call-events", bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
  await consumeUsage(batch, { ...env, PRICE_PER_MINUTE_CENTS: "7" });
  return getQueueResult(batch, ctx);
};

describe("usage consumer", () => {
  it("records each call once and charges a prepaid account per started minute, even when redelivered", async () => {
    const accountId = await prepaidAccount(1000);
    const first = await run([usage(accountId, "usage:CAL-A", 61)]);
    expect(first.explicitAcks).toEqual(["m0"]);
    await run([usage(accountId, "usage:CAL-A", 61), usage(accountId, "usage:CAL-B", 30)]);
    const credit = await env.DB.prepare("SELECT credit_cents FROM accounts WHERE id = ?").bind(accountId).first<{ credit_cents: number }>();
    expect(credit!.credit_cents).toBe(1000 - 14 - 7);
    const rows = await env.DB.prepare("SELECT id, charged_cents FROM usage_events WHERE account_id = ? ORDER BY id").bind(accountId).all();
    expect(rows.results).toEqual([{ id: "usage:CAL-A", charged_cents: 14 }, { id: "usage:CAL-B", charged_cents: 7 }]);
  });

  it("acknowledges a malformed message instead of retrying it forever", async () => {
    const result = await run([{ type: "call.usage", id: 5 }]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
  });
});
