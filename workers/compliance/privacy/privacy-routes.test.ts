import { describe, expect, it } from "vitest";
import { api, request } from "../../../test/workers/api-client.ts";
import { telephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import { deliveredCallFrom, uniquePhone } from "../../../test/workers/person-fixtures.ts";

const ROUTES = ["/v1/privacy/erasures", "/v1/privacy/exports"] as const;

describe("privacy routes", () => {
  it("exports the person's calls with transcripts, events and analyses, and their consent history", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const phone = uniquePhone();
    const callId = await deliveredCallFrom(t, phone);
    await api(t.key).post("/v1/consent", { phone, consent_type: "outbound_calls", source: "web_form" });
    const res = await api(t.key).post("/v1/privacy/exports", { phone });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ phone, do_not_call: null, erased: null, consent_records: [{ consent_type: "outbound_calls", status: "opted_in" }] });
    expect(res.json.calls).toHaveLength(1);
    expect(res.json.calls[0]).toMatchObject({ id: callId, from: phone, transcript: [{ role: "caller" }, { role: "agent" }], analyses: [{ version: 1, status: "succeeded" }] });
    expect(res.json.calls[0].events.length).toBeGreaterThan(0);
  });

  it("keeps each tenant to its own people: another tenant's export and erasure find nothing of this one's", { timeout: 30_000 }, async () => {
    const owner = await telephonyTenant();
    const other = await telephonyTenant();
    const phone = uniquePhone();
    await deliveredCallFrom(owner, phone);
    expect((await api(other.key).post("/v1/privacy/exports", { phone })).json).toMatchObject({ calls: [], consent_records: [] });
    expect((await api(other.key).post("/v1/privacy/erasures", { phone })).json).toMatchObject({ calls_pseudonymised: 0, removed: { transcript_turns: 0 } });
    expect((await api(owner.key).post("/v1/privacy/exports", { phone })).json.calls[0].transcript).toHaveLength(2);
    // Retention is per account too.
    await api(other.key).put("/v1/privacy/retention", { transcripts_days: 30, recordings_days: 30, call_events_days: 30, analysis_days: 30 });
    expect((await api(owner.key).get("/v1/privacy/retention")).json.transcripts_days).toBeNull();
  });

  it.each(ROUTES)("%s answers bad input with problem+json", async (path) => {
    const t = await telephonyTenant();
    const owner = api(t.key);
    for (const body of [{ phone: "0415 555 0100" }, {}, { phone: "+14155550100", extra: 1 }]) {
      const res = await owner.post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(res.json.type).toBe("https://docs.ayb.dev/problems/validation-error");
    }
    const malformed = await request("POST", path, { key: t.key, body: "{nope", headers: { "content-type": "application/json" } });
    expect(malformed.status).toBe(400);
    expect(malformed.json.type).toBe("https://docs.ayb.dev/problems/malformed-json");
  });

  it.each(ROUTES)("%s needs privacy:write, which only admins and owners hold", async (path) => {
    const t = await telephonyTenant();
    const developerKey = (await api(t.key).post("/v1/api-keys", { name: "dev", scopes: ["calls:read", "consent:write"] })).json.key;
    const res = await api(developerKey).post(path, { phone: uniquePhone() });
    expect(res.status).toBe(403);
    expect(res.json.required_scope).toBe("privacy:write");
  });
});
