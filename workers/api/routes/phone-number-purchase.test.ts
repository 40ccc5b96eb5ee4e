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

const POINTED = { voice_url: "https://api.test/twilio/voice", status_callback: "https://api.test/twilio/status" };
const freshNumber = () => `+1628555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;

describe("numbers through Twilio", () => {
  it("searches, buys with POST /v1/phone-numbers (webhooks pointed at the platform), and releases with both cleared", async () => {
    const t = await telephonyTenant();
    await control("accounts", { accountSid: t.accountSid, authToken: t.authToken });
    const search = await api(t.key).post("/v1/phone-numbers/search", { area_code: "415", limit: 3 });
    expect(search.status).toBe(200);
    expect(search.json.data).toHaveLength(3);
    const pick = search.json.data[0].e164;
    expect(pick).toMatch(/^\+1415\d{7}$/);

    const bought = await api(t.key).post("/v1/phone-numbers", { e164: pick, agent_id: t.agentId });
    expect(bought.status).toBe(201);
    expect(bought.json).toMatchObject({ e164: pick, source: "twilio", agent_id: t.agentId, status: "active", provider_sid: expect.stringMatching(/^PN/) });
    expect(await twilioNumber(t, bought.json.provider_sid)).toMatchObject({ phone_number: pick, ...POINTED });
    const listed = (await api(t.key).get("/v1/phone-numbers")).json.data.map((n: { e164: string }) => n.e164);
    expect(listed).toContain(pick);

    expect((await api(t.key).delete(`/v1/phone-numbers/${bought.json.id}`)).status).toBe(200);
    expect(await twilioNumber(t, bought.json.provider_sid)).toMatchObject({ voice_url: null, status_callback: null });
  });

  it("refuses provider_sid on a purchase, naming the fix", async () => {
    const t = await telephonyTenant();
    const res = await api(t.key).post("/v1/phone-numbers", { e164: freshNumber(), provider_sid: "PN" + "1".repeat(32) });
    expect(res.status).toBe(422);
    expect(res.json.errors[0].path).toBe("provider_sid");
  });

  it("imports a Twilio number found by its phone number and re-points both webhooks", async () => {
    const t = await telephonyTenant();
    await control("accounts", { accountSid: t.accountSid, authToken: t.authToken });
    const e164 = freshNumber();
    const existing = await (await control("numbers", { accountSid: t.accountSid, phoneNumber: e164, voiceUrl: "https://old-vendor.example/voice", statusCallback: "https://old-vendor.example/status" })).json<{ sid: string }>();
    const imported = await api(t.key).post("/v1/phone-numbers", { e164, source: "twilio", agent_id: t.agentId });
    expect(imported.status).toBe(201);
    expect(imported.json.provider_sid).toBe(existing.sid);
    expect(await twilioNumber(t, existing.sid)).toMatchObject(POINTED);
  });

  it("re-points a Twilio number named by its SID, and refuses a SID of another number or a number the account lacks", async () => {
    const t = await telephonyTenant();
    await control("accounts", { accountSid: t.accountSid, authToken: t.authToken });
    const [x, y] = [freshNumber(), freshNumber()];
    const old = { voiceUrl: "https://old-vendor.example/voice" };
    const numX = await (await control("numbers", { accountSid: t.accountSid, phoneNumber: x, ...old })).json<{ sid: string }>();
    const numY = await (await control("numbers", { accountSid: t.accountSid, phoneNumber: y, ...old })).json<{ sid: string }>();

    const mismatch = await api(t.key).post("/v1/phone-numbers", { e164: x, source: "twilio", provider_sid: numY.sid });
    expect(mismatch.status).toBe(422);
    expect(mismatch.json.errors[0].path).toBe("provider_sid");
    expect((await twilioNumber(t, numY.sid)).voice_url).toBe(old.voiceUrl);

    const missing = await api(t.key).post("/v1/phone-numbers", { e164: freshNumber(), source: "twilio" });
    expect(missing.status).toBe(422);
    expect(missing.json.errors[0].path).toBe("e164");

    const imported = await api(t.key).post("/v1/phone-numbers", { e164: x, source: "twilio", provider_sid: numX.sid });
    expect(imported.status).toBe(201);
    expect(await twilioNumber(t, numX.sid)).toMatchObject(POINTED);
    const rows = await env.DB.prepare("SELECT e164 FROM phone_numbers WHERE account_id = ? AND source = 'twilio'").bind(t.accountId).all();
    expect(rows.results).toEqual([{ e164: x }]);
  });

  it("returns Twilio's refusal to sell as problem+json with its code, recording nothing", async () => {
    const t = await telephonyTenant();
    await control("accounts", { accountSid: t.accountSid, authToken: t.authToken });
    // Another Twilio account already holds the number: Twilio answers 21422.
    const other = await (await control("accounts", {})).json<{ accountSid: string }>();
    const e164 = freshNumber();
    await control("numbers", { accountSid: other.accountSid, phoneNumber: e164 });
    const res = await api(t.key).post("/v1/phone-numbers", { e164 });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ type: "https://docs.ayb.dev/problems/provider-error", twilio_code: 21422 });
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM phone_numbers WHERE e164 = ?").bind(e164).first<{ n: number }>();
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
