import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { BASE, inboundParams, parseConnect, telephonyTenant, twilioPost, type TelephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import { fetchWithEnv } from "../../test/workers/worker-with-env.ts";

// Security events are written through waitUntil, after the 403: wait for them.
const eventually = (assertion: () => Promise<void>) => vi.waitFor(assertion, { timeout: 5_000, interval: 20 });
const securityEvents = async (path: string) =>
  (await env.DB.prepare("SELECT kind, account_id, detail FROM security_events WHERE path = ? ORDER BY id").bind(path).all<{ kind: string; account_id: string | null; detail: string }>()).results;

/** A Twilio-style POST to /twilio/voice at `requestUrl`, signed over `signedUrl`, through the app with `vars`. */
async function voicePost(t: TelephonyTenant, requestUrl: string, signedUrl: string, vars: Partial<Env>, headers: Record<string, string> = {}) {
  const params = inboundParams(t);
  const signature = await computeTwilioSignature(t.authToken, signedUrl, params);
  const res = await fetchWithEnv(
    new Request(requestUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature, ...headers }, body: new URLSearchParams(params).toString() }),
    vars,
  );
  return { status: res.status, text: await res.text() };
}

describe("the public URL a signature is checked against", () => {
  it("is PUBLIC_BASE_URL when set, whatever host the request reached, and every URL handed to Twilio uses it", async () => {
    const t = await telephonyTenant();
    const res = await voicePost(t, "http://127.0.0.1:8787/twilio/voice", "https://public.example.com/twilio/voice", { PUBLIC_BASE_URL: "https://public.example.com/" });
    expect(res.status).toBe(200);
    const connect = parseConnect(res.text);
    expect(connect.url).toBe(`wss://public.example.com/twilio/stream/${connect.params.call_id}`);
    expect(connect.action).toBe(`https://public.example.com/twilio/stream-ended/${connect.params.call_id}`);
    // Signed over the request's own URL instead: not what Twilio was given.
    expect((await voicePost(t, "https://voice.test/twilio/voice", "https://voice.test/twilio/voice", { PUBLIC_BASE_URL: "https://public.example.com" })).status).toBe(403);
  });

  it("accepts the signature with :443 added or dropped", async () => {
    const t = await telephonyTenant();
    expect((await voicePost(t, "https://voice.test/twilio/voice", "https://public.example.com:443/twilio/voice", { PUBLIC_BASE_URL: "https://public.example.com" })).status).toBe(200);
    expect((await voicePost(t, "https://voice.test/twilio/voice", "https://public.example.com/twilio/voice", { PUBLIC_BASE_URL: "https://public.example.com:443" })).status).toBe(200);
    expect((await voicePost(t, "https://voice.test/twilio/voice", "https://voice.test:443/twilio/voice", {})).status).toBe(200);
  });

  it("ignores client-supplied X-Forwarded-Host/-Proto unless TRUST_FORWARDED_HEADERS is on", async () => {
    const t = await telephonyTenant();
    const spoof = { "x-forwarded-host": "attacker.example", "x-forwarded-proto": "https" };
    const before = (await securityEvents("/twilio/voice")).length;
    // A signature made for another host, replayed here with headers claiming that host: refused and recorded.
    const replayed = await voicePost(t, "https://voice.test/twilio/voice", "https://attacker.example/twilio/voice", {}, spoof);
    expect(replayed.status).toBe(403);
    await eventually(async () => expect((await securityEvents("/twilio/voice")).length).toBe(before + 1));
    // A genuine request carrying the headers: answered, with URLs on the real host, not the claimed one.
    const genuine = await voicePost(t, "https://voice.test/twilio/voice", "https://voice.test/twilio/voice", {}, spoof);
    expect(genuine.status).toBe(200);
    expect(parseConnect(genuine.text).url).toMatch(/^wss:\/\/voice\.test\/twilio\/stream\//);
    // Behind a proxy the operator trusts, the headers name the public URL.
    const proxied = await voicePost(t, "http://10.0.0.5/twilio/voice", "https://public.example.com/twilio/voice", { TRUST_FORWARDED_HEADERS: "true" }, { "x-forwarded-host": "public.example.com", "x-forwarded-proto": "https" });
    expect(proxied.status).toBe(200);
    expect(parseConnect(proxied.text).url).toMatch(/^wss:\/\/public\.example\.com\/twilio\/stream\//);
  });
});

describe("a valid /twilio/voice signature replayed to a callback path", () => {
  it.each(["status", "stream-ended", "recording"])("is refused on /twilio/%s/{callId} with 403 and a security event", async (kind) => {
    const t = await telephonyTenant();
    const params = inboundParams(t);
    const { params: connect } = parseConnect((await twilioPost("/twilio/voice", params, t.authToken)).text);
    const path = `/twilio/${kind}/${connect.call_id}`;
    const res = await twilioPost(path, params, t.authToken, { signedUrl: `${BASE}/twilio/voice` });
    expect(res.status).toBe(403);
    await eventually(async () => expect(await securityEvents(path)).toEqual([expect.objectContaining({ kind: "twilio_signature_invalid", account_id: t.accountId })]));
    expect((await env.CALL_SESSION.get(env.CALL_SESSION.idFromName(connect.call_id!)).state()).ended).toBe(false);
  });
});

describe("status callbacks for calls the platform refused", () => {
  it("answers a genuine one 204 without a security event, and refuses a forged one", async () => {
    const t = await telephonyTenant();
    const params = inboundParams(t, { To: "+14155559998" }); // no tenant has this number: refused
    expect((await twilioPost("/twilio/voice", params, t.authToken)).text).toContain("<Hangup/>");
    const before = (await securityEvents("/twilio/status")).length;
    const status = { AccountSid: t.accountSid, CallSid: params.CallSid, CallStatus: "completed", CallDuration: "3" };
    expect((await twilioPost("/twilio/status", status, t.authToken)).status).toBe(204);
    expect((await securityEvents("/twilio/status")).length).toBe(before);
    expect((await twilioPost("/twilio/status", status, "not-the-token-0123456789")).status).toBe(403);
    expect((await twilioPost("/twilio/status", { ...status, AccountSid: `AC${"e".repeat(32)}` }, t.authToken)).status).toBe(403);
    await eventually(async () => expect((await securityEvents("/twilio/status")).length).toBe(before + 2));
  });
});
