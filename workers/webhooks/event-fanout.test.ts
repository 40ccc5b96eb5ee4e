import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { consumeWebhookEvents } from "./event-fanout.ts";
import { createEndpoint, receiverUrl } from "./testing/webhook-fixtures.ts";

const run = async (bodies: unknown[]) => {
  const ctx = createExecutionContext();
  const batch = createMessageBatch("webhook-events", bodies.map((body, i) => ({ id: `e${i}`, timestamp: new Date(), attempts: 1, body })));
  await consumeWebhookEvents(batch, env);
  return getQueueResult(batch, ctx);
};

const messagesOf = async (eventId: string) =>
  (await env.DB.prepare("SELECT endpoint_id FROM webhook_messages WHERE event_id = ? ORDER BY endpoint_id").bind(eventId).all<{ endpoint_id: string }>()).results.map((r) => r.endpoint_id);

describe("webhook event fan-out", () => {
  it("gives each enabled endpoint subscribed to the type one message, once even when the event comes again; call.transcript is opt-in", async () => {
    const t = await createTenant();
    const endedOnly = await createEndpoint(t.key, receiverUrl().url, ["call.ended"]);
    const transcripts = await createEndpoint(t.key, receiverUrl().url, ["call.ended", "call.transcript"]);
    const disabled = await createEndpoint(t.key, receiverUrl().url, ["call.ended", "call.transcript"]);
    await api(t.key).patch(`/v1/webhooks/endpoints/${disabled.id}`, { enabled: false });
    const turn = {
      id: `evt_CAL-FANOUT_turn_${crypto.randomUUID()}`,
      type: "call.transcript",
      created_at: new Date().toISOString(),
      account_id: t.accountId,
      data: { call_id: "CAL-FANOUT", seq: 1, role: "caller", text: "Hello?", interrupted: false, started_at: "2026-12-06T10:00:00Z", ended_at: "2026-12-06T10:00:01Z" },
    };
    const ended = { ...turn, id: `evt_CAL-FANOUT_ended_${crypto.randomUUID()}`, type: "call.ended", data: { call_id: "CAL-FANOUT" } };
    expect((await run([turn, ended, turn])).explicitAcks).toEqual(["e0", "e1", "e2"]);
    expect(await messagesOf(turn.id)).toEqual([transcripts.id]);
    expect(await messagesOf(ended.id)).toEqual([endedOnly.id, transcripts.id].sort());
  });

  it("acknowledges a malformed event (an unknown type) instead of retrying it", async () => {
    const result = await run([{ id: "evt_x", type: "call.exploded", created_at: "now", account_id: "AYB-1", data: {} }]);
    expect(result.explicitAcks).toEqual(["e0"]);
    expect(result.retryMessages).toEqual([]);
  });
});
