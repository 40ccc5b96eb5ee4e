import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { emitWebhookEvent } from "./emit-webhook-event.ts";

describe("emitWebhookEvent", () => {
  it("queues the event's envelope in the background", async () => {
    const sent: unknown[] = [];
    const pending: Promise<unknown>[] = [];
    const queue = { send: async (body: unknown) => void sent.push(body) } as unknown as Queue;
    emitWebhookEvent({ WEBHOOK_EVENTS: queue }, { type: "billing.balance_low", accountId: "AYB-1", id: "evt_1", data: { balance_minor: 5, threshold_minor: 100, currency: "USD" } }, (p) => pending.push(p));
    await Promise.all(pending);
    expect(sent).toEqual([{ id: "evt_1", type: "billing.balance_low", created_at: expect.any(String), account_id: "AYB-1", data: { balance_minor: 5, threshold_minor: 100, currency: "USD" } }]);
  });

  it("never throws nor rejects when the queue fails: the failure is logged", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const pending: Promise<unknown>[] = [];
    const broken = { send: async () => Promise.reject(new Error("queue unavailable")) } as unknown as Queue;
    expect(() => emitWebhookEvent({ ...env, WEBHOOK_EVENTS: broken }, { type: "ping", accountId: "AYB-1", data: { endpoint_id: "WHE-1", message: "hi" } }, (p) => pending.push(p))).not.toThrow();
    await expect(Promise.all(pending)).resolves.toBeDefined();
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("webhook event not queued"));
    logged.mockRestore();
  });
});
