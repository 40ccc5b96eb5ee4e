import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { telephonyTenant, type TelephonyTenant } from "../../../test/workers/telephony-fixtures.ts";

const control = (path: string, body: unknown) =>
  fetch(`${env.TWILIO_API_BASE_URL}/__control/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** The Twilio simulator's view of one of the tenant's numbers. */
async function twilioNumber(t: TelephonyTenant, sid: string) {
  const res = await fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/IncomingPhoneNumbers/${sid}.json`, { headers: { authorization: `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}` } });
  return res.json<{ voice_url: string | null; status_callback: string | null; phone_number: string }>();
}

describe("numbers through Twilio", () => {
  it("searches, buys with the webhooks pointed at the platform, and releases with them cleared", async () => {
    const t = await telephonyTenant();
    await control("accounts", { accountSid: t.accountSid, authToken: t.authToken });
    const search = await api(t.key).post("/v1/phone-numbers/search", { area_code: "415", limit: 3 });
    expect(search.status).toBe(200);
    expect(search.json.data).toHaveLength(3);
    const pick = search.json.data[0].e164;
    expect(pick).toMatch(/^\+1415\d{7}$/);

    const bought = await api(t.key).post("/v1/phone-numbers/buy", { e164: pick });
    expect(bought.status).toBe(201);
    expect(await twilioNumber(t, bought.json.provider_sid)).toMatchObject({ phone_number: pick, voice_url: "https://api.test/twilio/voice", status_callback: "https://api.test/twilio/status" });
    const listed = (await api(t.key).get("/v1/phone-numbers")).json.data.map((n: { e164: string }) => n.e164);
    expect(listed).toContain(pick);

    expect((await api(t.key).delete(`/v1/phone-numbers/${bought.json.id}`)).status).toBe(200);
    expect(await twilioNumber(t, bought.json.provider_sid)).toMatchObject({ voice_url: null });
  });

  it("re-points an imported Twilio number, and imports nothing when Twilio refuses", async () => {
    const t = await telephonyTenant();
    await control("accounts", { accountSid: t.accountSid, authToken: t.authToken });
    const existing = await (await control("numbers", { accountSid: t.accountSid, phoneNumber: "+14155550911", voiceUrl: "https://old-vendor.example/voice" })).json<{ sid: string }>();
    const imported = await api(t.key).post("/v1/phone-numbers", { e164: "+14155550911", source: "twilio", provider_sid: existing.sid, agent_id: t.agentId });
    expect(imported.status).toBe(201);
    expect((await twilioNumber(t, existing.sid)).voice_url).toBe("https://api.test/twilio/voice");

    const refused = await api(t.key).post("/v1/phone-numbers", { e164: "+14155550912", source: "twilio", provider_sid: "PN" + "0".repeat(32) });
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ type: "https://docs.ayb.dev/problems/provider-error", twilio_code: 20404 });
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM phone_numbers WHERE e164 = '+14155550912'").first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("says what to do when the account has no Twilio credentials", async () => {
    const t = await telephonyTenant();
    await env.DB.prepare("DELETE FROM provider_credentials WHERE account_id = ?").bind(t.accountId).run();
    const res = await api(t.key).post("/v1/phone-numbers/search", {});
    expect(res.status).toBe(409);
    expect(res.json.detail).toContain("PUT /v1/accounts/me/credentials/twilio");
  });
});
