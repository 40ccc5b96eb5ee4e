import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../index.ts";
import { createTenant } from "../../test/workers/api-client.ts";
import { OAUTH_STATE_TTL_MS, startFlow } from "../integrations/oauth-states.ts";
import { runScheduledJobs, type ScheduledJob } from "./jobs.ts";

const CRON = "17 * * * *";
/** The trigger's time: jobs take their clock from it, not from the wall clock. */
const SCHEDULED_AT = Date.parse("2026-03-02T12:00:00.000Z");

async function storeKey(accountId: string, key: string, createdAt: string) {
  await env.DB.prepare("INSERT INTO idempotency_keys (account_id, key, principal, request_hash, status, response_body, created_at) VALUES (?, ?, 'key:KEY-1', 'h', 201, '{}', ?)")
    .bind(accountId, key, createdAt)
    .run();
}

/** The Worker's own `scheduled` entry point, as the cron trigger calls it. */
const trigger = () => worker.scheduled(createScheduledController({ scheduledTime: SCHEDULED_AT, cron: CRON }), env);

describe("scheduled handler", () => {
  afterEach(() => vi.restoreAllMocks());

  it("purges stored idempotent responses older than 24 hours at the trigger's time, and keeps newer ones", async () => {
    const account = `AYB-${crypto.randomUUID()}`;
    await storeKey(account, "expired", "2026-03-01T11:59:59.999Z");
    await storeKey(account, "a-day-old", "2026-03-01T12:00:00.000Z");
    await storeKey(account, "fresh", "2026-03-02T11:00:00.000Z");
    await trigger();
    const { results } = await env.DB.prepare("SELECT key FROM idempotency_keys WHERE account_id = ? ORDER BY key").bind(account).all();
    expect(results).toEqual([{ key: "a-day-old" }, { key: "fresh" }]);
  });

  it("deletes OAuth connect flows that expired before the trigger's time and keeps the others", async () => {
    const t = await createTenant();
    const flow = { accountId: t.accountId, actor: "user:USR-TEST", integration: "hubspot", redirectUri: "https://api.test/oauth/callback" };
    // Started 10 minutes and 1 ms before the trigger: expired 1 ms before it. Started 10 minutes before: expires at it.
    const expired = await startFlow(env, flow, SCHEDULED_AT - OAUTH_STATE_TTL_MS - 1);
    const atTheEdge = await startFlow(env, flow, SCHEDULED_AT - OAUTH_STATE_TTL_MS);
    await trigger();
    const { results } = await env.DB.prepare("SELECT expires_at FROM oauth_states WHERE account_id = ?").bind(t.accountId).all();
    expect(results).toEqual([{ expires_at: atTheEdge.expiresAt }]);
    expect(expired.expiresAt).toBe("2026-03-02T11:59:59.999Z");
  });

  it("runs every job although one fails, then reports the failure", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const ran: string[] = [];
    const jobs: ScheduledJob[] = [
      { name: "broken", run: async () => Promise.reject(new Error("boom")) },
      { name: "healthy", run: async (_env, now) => (ran.push(now.toISOString()), { done: 1 }) },
    ];
    await expect(runScheduledJobs(createScheduledController({ scheduledTime: SCHEDULED_AT, cron: CRON }), env, jobs)).rejects.toThrow("scheduled jobs failed: broken");
    expect(ran).toEqual(["2026-03-02T12:00:00.000Z"]);
  });
});
