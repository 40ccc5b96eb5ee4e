import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { createEndpoint, receiverUrl } from "./testing/webhook-fixtures.ts";

const PROBLEM = "application/problem+json";

describe("webhook endpoints", () => {
  it("creates an endpoint whose whsec_ secret is shown once, then lists, reads, updates and deletes it", async () => {
    const t = await createTenant();
    const { url } = receiverUrl();
    const created = await api(t.key).post("/v1/webhooks/endpoints", { url, event_types: ["call.ended", "call.transcript"], description: "CRM" }, { "idempotency-key": "create-hook-1" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ url, event_types: ["call.ended", "call.transcript"], description: "CRM", enabled: true, disabled_reason: null });
    expect(created.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = created.json.id;

    // The same Idempotency-Key again: the secret is not kept, so it is not replayed either.
    const again = await api(t.key).post("/v1/webhooks/endpoints", { url, event_types: ["call.ended", "call.transcript"], description: "CRM" }, { "idempotency-key": "create-hook-1" });
    expect(again.status).toBe(409);
    expect(again.json.type).toBe("https://docs.ayb.dev/problems/secret-already-shown");

    const read = await api(t.key).get(`/v1/webhooks/endpoints/${id}`);
    expect(read.status).toBe(200);
    expect(read.json.secret).toBeUndefined();
    expect(read.text).not.toContain(created.json.secret);
    const list = await api(t.key).get("/v1/webhooks/endpoints");
    expect(list.json.data.map((e: { id: string }) => e.id)).toEqual([id]);

    const updated = await api(t.key).patch(`/v1/webhooks/endpoints/${id}`, { enabled: false, event_types: ["call.started"] });
    expect(updated.json).toMatchObject({ enabled: false, event_types: ["call.started"] });

    expect((await api(t.key).delete(`/v1/webhooks/endpoints/${id}`)).status).toBe(200);
    expect((await api(t.key).get(`/v1/webhooks/endpoints/${id}`)).status).toBe(404);
  });

  it("rotates the secret: a new one, shown once, with the old one signing beside it for 24 h", async () => {
    const t = await createTenant();
    const endpoint = await createEndpoint(t.key, receiverUrl().url, ["ping"]);
    const rotated = await api(t.key).post(`/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, undefined, { "idempotency-key": "rotate-1" });
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(endpoint.secret);
    const overlapHours = (Date.parse(rotated.json.previous_secret_expires_at) - Date.now()) / 3_600_000;
    expect(overlapHours).toBeGreaterThan(23.9);
    expect(overlapHours).toBeLessThanOrEqual(24);
    expect((await api(t.key).post(`/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, undefined, { "idempotency-key": "rotate-1" })).json.type).toBe(
      "https://docs.ayb.dev/problems/secret-already-shown",
    );
  });

  it("refuses unknown event types and bad fields with problem+json naming each field", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/webhooks/endpoints", { url: receiverUrl().url, event_types: ["call.ended", "call.exploded"], colour: "red" });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain(PROBLEM);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["event_types.1"]));
    const empty = await api(t.key).post("/v1/webhooks/endpoints", { url: receiverUrl().url, event_types: [] });
    expect(empty.json.errors[0].path).toBe("event_types");
    expect((await api(t.key).get("/v1/webhooks/endpoints")).json.data).toEqual([]);
  });

  it.each([
    ["a private address", "https://10.0.0.5/hooks"],
    ["IPv6 loopback", "https://[::1]/hooks"],
    ["cloud metadata", "https://169.254.169.254/latest"],
    ["plain http", "http://hooks.example.com/aybiza"],
    ["another port", "https://hooks.example.com:8443/aybiza"],
    ["an internal name", "https://crm.internal/hooks"],
    ["credentials in the URL", "https://user:pw@hooks.example.com/"],
  ])("refuses %s as an endpoint URL, on create and on update", async (_, url) => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/webhooks/endpoints", { url, event_types: ["ping"] });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain(PROBLEM);
    expect(res.json.errors).toEqual([expect.objectContaining({ path: "url", code: "url_not_allowed" })]);
    const endpoint = await createEndpoint(t.key, receiverUrl().url, ["ping"]);
    expect((await api(t.key).patch(`/v1/webhooks/endpoints/${endpoint.id}`, { url })).json.errors[0].path).toBe("url");
  });

  it("keeps every route to its own tenant: another account's endpoint is a 404 everywhere", async () => {
    const owner = await createTenant();
    const other = await createTenant();
    const { id } = await createEndpoint(owner.key, receiverUrl().url, ["ping"]);
    const o = api(other.key);
    for (const res of [
      await o.get(`/v1/webhooks/endpoints/${id}`),
      await o.patch(`/v1/webhooks/endpoints/${id}`, { enabled: false }),
      await o.post(`/v1/webhooks/endpoints/${id}/rotate-secret`),
      await o.post(`/v1/webhooks/endpoints/${id}/ping`),
      await o.delete(`/v1/webhooks/endpoints/${id}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain(PROBLEM);
    }
    expect((await o.get("/v1/webhooks/endpoints")).json.data).toEqual([]);
    expect((await api(owner.key).get(`/v1/webhooks/endpoints/${id}`)).json.enabled).toBe(true);
  });
});
