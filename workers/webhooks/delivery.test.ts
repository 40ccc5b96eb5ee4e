import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { emitWebhookEvent } from "../../shared/webhooks/emit-webhook-event.ts";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { acceptedCall } from "../../test/workers/media-stream-client.ts";
import { telephonyTenant, twilioPost } from "../../test/workers/telephony-fixtures.ts";
import { createEndpoint, deliverDirectly, inbox, received, receiverUrl, storedMessage, verified } from "./testing/webhook-fixtures.ts";

const deliveryLog = async (key: string, messageId: string) => (await api(key).get(`/v1/webhooks/deliveries/${messageId}`)).json;

describe("webhook delivery", () => {
  it("a call's call.started and call.ended reach the tenant's receiver through the queues, signed", { timeout: 40_000 }, async () => {
    const t = await telephonyTenant();
    const { tag, url } = receiverUrl();
    const endpoint = await createEndpoint(t.key, url, ["call.started", "call.ended"]);
    const callId = (await acceptedCall(t)).params.call_id!;
    const status = await twilioPost(`/twilio/status/${callId}`, { AccountSid: t.accountSid, CallSid: "CA" + "2".repeat(32), CallStatus: "completed", CallDuration: "42" }, t.authToken);
    expect(status.status).toBe(204);

    const ended = verified(await received(tag, (e) => e.type === "call.ended"), endpoint.secret);
    expect(ended).toMatchObject({
      id: `evt_${callId}_ended`,
      type: "call.ended",
      account_id: t.accountId,
      data: { call_id: callId, agent_id: t.agentId, direction: "inbound", status: "completed", duration_seconds: 42 },
    });
    expect(ended.data).toHaveProperty("end_reason");
    const started = verified(await received(tag, (e) => e.type === "call.started"), endpoint.secret);
    expect(started.data).toMatchObject({ call_id: callId, to: t.number });
    const log = await api(t.key).get(`/v1/webhooks/deliveries?endpoint_id=${endpoint.id}&event_type=call.ended`);
    expect(log.json.data).toEqual([expect.objectContaining({ event_id: `evt_${callId}_ended`, event: ended, status: "succeeded", attempts: [expect.objectContaining({ attempt: 1, succeeded: true, response_status: 204 })] })]);
  });

  it("a ping on demand arrives signed, and the log shows it", { timeout: 30_000 }, async () => {
    const t = await createTenant();
    const { tag, url } = receiverUrl();
    const endpoint = await createEndpoint(t.key, url, ["call.ended"]);
    const ping = await api(t.key).post(`/v1/webhooks/endpoints/${endpoint.id}/ping`);
    expect(ping.status).toBe(202);
    const delivery = await received(tag, (e) => e.type === "ping");
    expect(delivery.id).toBe(ping.json.message_id);
    expect(verified(delivery, endpoint.secret)).toMatchObject({ id: ping.json.event_id, data: { endpoint_id: endpoint.id } });
  });

  it("retries a receiver that fails its first attempts, and logs every attempt with its next retry", async () => {
    const t = await createTenant();
    const { tag, url } = receiverUrl("fail=2");
    const endpoint = await createEndpoint(t.key, url, ["ping"]);
    const messageId = await storedMessage(t.accountId, endpoint.id);

    const first = await deliverDirectly(t.accountId, messageId, 1);
    expect(first.retryMessages).toEqual([{ msgId: `q-${messageId}-1` }]);
    const second = await deliverDirectly(t.accountId, messageId, 2);
    expect(second.retryMessages).toEqual([{ msgId: `q-${messageId}-2` }]);
    const third = await deliverDirectly(t.accountId, messageId, 3);
    expect(third.explicitAcks).toEqual([`q-${messageId}-3`]);

    const got = await inbox(tag);
    expect(got.count).toBe(3);
    expect(got.distinct_ids).toBe(1); // the same webhook-id on every attempt
    verified(got.deliveries[2]!, endpoint.secret);
    const log = await deliveryLog(t.key, messageId);
    expect(log.status).toBe("succeeded");
    expect(log.attempts.map((a: { attempt: number; response_status: number; succeeded: boolean }) => [a.attempt, a.response_status, a.succeeded])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 204, true],
    ]);
    expect(log.attempts[0].response_excerpt).toBe("not yet (1)");
    // The backoff the queue was asked for (retry-schedule.ts): 30 s, then 60 s.
    expect(Date.parse(log.attempts[0].next_retry_at) - Date.parse(log.attempts[0].attempted_at)).toBe(30_000);
    expect(Date.parse(log.attempts[1].next_retry_at) - Date.parse(log.attempts[1].attempted_at)).toBe(60_000);
    expect(log.attempts[2].next_retry_at).toBeNull();
  });

  it("gives up after the last retry (dead-letter), and a replay of every failed message since then delivers it again", { timeout: 30_000 }, async () => {
    const t = await createTenant();
    const { tag, url } = receiverUrl("fail=1");
    const endpoint = await createEndpoint(t.key, url, ["ping"]);
    const since = new Date(Date.now() - 1000).toISOString();
    const messageId = await storedMessage(t.accountId, endpoint.id);
    const last = await deliverDirectly(t.accountId, messageId, 17);
    // No delay: out of retries, retry() hands it to the dead-letter queue.
    expect(last.retryMessages).toEqual([{ msgId: `q-${messageId}-17` }]);
    expect((await deliveryLog(t.key, messageId)).status).toBe("failed");
    expect((await api(t.key).get("/v1/webhooks/deliveries?status=failed")).json.data.map((d: { id: string }) => d.id)).toEqual([messageId]);

    const replay = await api(t.key).post("/v1/webhooks/deliveries/replay", { since });
    expect(replay.status).toBe(202);
    expect(replay.json.replayed).toEqual([messageId]);
    await received(tag, () => true);
    await expect.poll(async () => (await deliveryLog(t.key, messageId)).status, { timeout: 20_000 }).toBe("succeeded");
    expect((await inbox(tag)).distinct_ids).toBe(1);
  });

  it("410 Gone disables the endpoint and tells the account's other endpoints", { timeout: 30_000 }, async () => {
    const t = await createTenant();
    const gone = await createEndpoint(t.key, receiverUrl("status=410").url, ["ping"]);
    const watcher = receiverUrl();
    const other = await createEndpoint(t.key, watcher.url, ["webhook_endpoint.disabled"]);
    const messageId = await storedMessage(t.accountId, gone.id);
    const result = await deliverDirectly(t.accountId, messageId, 1);
    expect(result.explicitAcks).toEqual([`q-${messageId}-1`]);
    expect(result.retryMessages).toEqual([]);
    expect((await api(t.key).get(`/v1/webhooks/endpoints/${gone.id}`)).json).toMatchObject({ enabled: false, disabled_reason: "gone" });
    expect((await deliveryLog(t.key, messageId)).attempts).toEqual([expect.objectContaining({ response_status: 410, succeeded: false, next_retry_at: null })]);
    const notice = verified(await received(watcher.tag, (e) => e.type === "webhook_endpoint.disabled"), other.secret);
    expect(notice.data).toEqual({ endpoint_id: gone.id, url: expect.stringContaining("/hooks/"), reason: "gone" });
  });

  it("refuses a redirect, and re-checks the host on every delivery (a name that now resolves to a private address)", async () => {
    const t = await createTenant();
    const target = receiverUrl();
    const redirecting = await createEndpoint(t.key, `${env.TOOL_SERVER_URL}/redirect?to=${encodeURIComponent(target.url)}`, ["ping"]);
    const redirected = await storedMessage(t.accountId, redirecting.id);
    expect((await deliverDirectly(t.accountId, redirected, 1)).retryMessages).toHaveLength(1);
    const [attempt] = (await deliveryLog(t.key, redirected)).attempts;
    expect(attempt).toMatchObject({ response_status: 302, succeeded: false });
    expect(attempt.response_excerpt).toContain("redirect refused");
    expect((await inbox(target.tag)).count).toBe(0);

    // Public-looking at save time; the resolver now answers 10.0.0.5.
    const rebinding = await createEndpoint(t.key, "https://rebind.public-shop.example/hooks", ["ping"]);
    const rebound = await storedMessage(t.accountId, rebinding.id);
    await deliverDirectly(t.accountId, rebound, 1, { DOH_URL: `${env.TOOL_SERVER_URL}/dns-query` });
    const [refused] = (await deliveryLog(t.key, rebound)).attempts;
    expect(refused).toMatchObject({ response_status: null, succeeded: false });
    expect(refused.response_excerpt).toContain("10.0.0.5");
  });

  it("signs with both secrets during a rotation's overlap: each verifies alone", async () => {
    const t = await createTenant();
    const { tag, url } = receiverUrl();
    const endpoint = await createEndpoint(t.key, url, ["ping"]);
    const rotated = await api(t.key).post(`/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`);
    const messageId = await storedMessage(t.accountId, endpoint.id);
    await deliverDirectly(t.accountId, messageId, 1);
    const [delivery] = (await inbox(tag)).deliveries;
    expect(delivery!.signature.split(" ")).toHaveLength(2);
    expect(verified(delivery!, endpoint.secret).id).toBeDefined();
    expect(verified(delivery!, rotated.json.secret).id).toBeDefined();
    expect(() => verified(delivery!, "whsec_" + btoa("x".repeat(32)))).toThrow();
  });

  it("delivers a burst of 1,000 events, each with its own webhook-id", { timeout: 180_000 }, async () => {
    const t = await createTenant();
    const { tag, url } = receiverUrl();
    await createEndpoint(t.key, url, ["billing.balance_low"]);
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) {
      emitWebhookEvent(env, { type: "billing.balance_low", accountId: t.accountId, data: { balance_minor: i, threshold_minor: 1000, currency: "USD" } }, (p) => sends.push(p));
    }
    await Promise.all(sends);
    await expect.poll(async () => (await inbox(tag)).distinct_ids, { timeout: 170_000, interval: 500 }).toBe(1000);
  });
});

describe("webhook delivery log and replay routes", () => {
  it("refuse bad filters and bodies with problem+json", async () => {
    const t = await createTenant();
    const bad = await api(t.key).get("/v1/webhooks/deliveries?status=lost&event_type=call.exploded&endpoint_id=nope");
    expect(bad.status).toBe(422);
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["endpoint_id", "event_type", "status"]);
    const replay = await api(t.key).post("/v1/webhooks/deliveries/replay", { since: "yesterday" });
    expect(replay.status).toBe(422);
    expect(replay.json.errors[0].path).toBe("since");
  });

  it("a replay of another tenant's message is a 404, and its log is invisible", async () => {
    const owner = await createTenant();
    const other = await createTenant();
    const endpoint = await createEndpoint(owner.key, receiverUrl().url, ["ping"]);
    const messageId = await storedMessage(owner.accountId, endpoint.id);
    const o = api(other.key);
    const replay = await o.post(`/v1/webhooks/deliveries/${messageId}/replay`);
    expect(replay.status).toBe(404);
    expect(replay.headers.get("content-type")).toContain("application/problem+json");
    expect((await o.get(`/v1/webhooks/deliveries/${messageId}`)).status).toBe(404);
    expect((await o.get(`/v1/webhooks/deliveries?endpoint_id=${endpoint.id}`)).json.data).toEqual([]);
    expect((await o.post("/v1/webhooks/deliveries/replay", { since: "2020-01-01T00:00:00Z", endpoint_id: endpoint.id })).json.replayed).toEqual([]);
  });
});
