import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALCOM_SIMULATOR_API_KEY } from "./calcom-api.ts";
import { HUBSPOT_SIMULATOR_TOKEN } from "./hubspot-crm.ts";
import { startIntegrationsSimulator, type IntegrationsSimulator } from "./index.ts";
import { OAUTH_SIMULATOR_CLIENTS } from "./oauth-clients.ts";

let sim: IntegrationsSimulator;
beforeAll(async () => {
  sim = await startIntegrationsSimulator();
});
afterAll(() => sim.close());

const send = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${sim.url}${path}`, init);
  return { status: res.status, text: await res.text() };
};
const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const hubspot = { authorization: `Bearer ${HUBSPOT_SIMULATOR_TOKEN}` };

describe("integration stand-ins check request shapes as the vendors document them", () => {
  it("Slack: answers ok to a JSON message, no_text without text or blocks, no_service for a path it does not know", async () => {
    expect(await send("/services/T1/B2/abc", json({ text: "hi" }))).toEqual({ status: 200, text: "ok" });
    expect(await send("/services/T1/B2/abc", json({ username: "x" }))).toEqual({ status: 400, text: "no_text" });
    expect(await send("/services/T1/B2/abc", { method: "POST", headers: { "content-type": "application/json" }, body: "{" })).toEqual({ status: 400, text: "invalid_payload" });
    expect((await send("/services/nope", json({ text: "hi" }))).status).toBe(404);
  });

  it("HubSpot: a Bearer token, hs_timestamp on engagements, and associations of the right type to an existing contact", async () => {
    expect((await send("/crm/v3/objects/tasks", json({ properties: { hs_task_subject: "x", hs_timestamp: "2026-01-01T00:00:00Z" } }))).status).toBe(401);
    expect((await send("/crm/v3/objects/tasks", json({ properties: { hs_task_subject: "x" } }, hubspot))).text).toContain("hs_timestamp");
    const contact = JSON.parse((await send("/crm/v3/objects/contacts", json({ properties: { phone: "+14155550100" } }, hubspot))).text);
    const task = (typeId: number) => json({ properties: { hs_task_subject: "x", hs_timestamp: "2026-01-01T00:00:00Z" }, associations: [{ to: { id: contact.id }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: typeId }] }] }, hubspot);
    expect((await send("/crm/v3/objects/tasks", task(194))).status).toBe(400);
    expect((await send("/crm/v3/objects/tasks", task(204))).status).toBe(201);
  });

  it("Cal.com: a Bearer key, each endpoint's cal-api-version, and the attendee's name, email and time zone", async () => {
    const auth = { authorization: `Bearer ${CALCOM_SIMULATOR_API_KEY}` };
    expect((await send("/v2/slots?eventTypeId=1&start=2030-01-07&end=2030-01-07", { headers: auth })).status).toBe(400);
    const slots = JSON.parse((await send("/v2/slots?eventTypeId=1&start=2030-01-07&end=2030-01-07", { headers: { ...auth, "cal-api-version": "2024-09-04" } })).text);
    const start = slots.data["2030-01-07"][0].start;
    const booking = (attendee: object) => json({ start, eventTypeId: 1, attendee }, { ...auth, "cal-api-version": "2024-08-13" });
    expect((await send("/v2/bookings", booking({ name: "Ada" }))).status).toBe(400);
    expect((await send("/v2/bookings", booking({ name: "Ada", email: "ada@example.com", timeZone: "UTC" }))).status).toBe(201);
    expect((await send("/v2/bookings", booking({ name: "Bob", email: "bob@example.com", timeZone: "UTC" }))).text).toContain("not available");
  });

  it("OAuth (Salesforce's server): a known client and callback, a single-use code for its redirect URI and S256 verifier, and the grant types", async () => {
    const client = OAUTH_SIMULATOR_CLIENTS.salesforce;
    const verifier = "v".repeat(43);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const authorize = (params: Record<string, string>) =>
      fetch(`${sim.url}/services/oauth2/authorize?${new URLSearchParams({ response_type: "code", client_id: client.client_id, redirect_uri: "https://p.test/oauth/callback", scope: "api refresh_token", state: "s1", code_challenge: challenge, code_challenge_method: "S256", ...params })}`, { redirect: "manual" });
    expect((await authorize({ client_id: "someone-else" })).status).toBe(400);
    expect((await authorize({ redirect_uri: "https://evil.test/steal" })).status).toBe(400);
    const code = async () => new URL((await authorize({})).headers.get("location")!).searchParams.get("code")!;
    const token = (form: Record<string, string>) =>
      send("/services/oauth2/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ client_id: client.client_id, client_secret: client.client_secret, ...form }).toString() });
    const exchange = (c: string, extra: Record<string, string> = {}) => token({ grant_type: "authorization_code", code: c, redirect_uri: "https://p.test/oauth/callback", code_verifier: verifier, ...extra });

    expect((await exchange(await code(), { code_verifier: "w".repeat(43) })).text).toContain("invalid code verifier");
    expect((await exchange(await code(), { redirect_uri: "https://p.test/other/oauth/callback" })).status).toBe(400);
    expect((await exchange(await code(), { client_secret: "wrong" })).status).toBe(401);
    const good = await code();
    const granted = JSON.parse((await exchange(good)).text);
    expect(granted).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), instance_url: sim.url, token_type: "Bearer" });
    expect(granted.expires_in).toBeUndefined();
    expect((await exchange(good)).text).toContain("already used");
    expect((await token({ grant_type: "password" })).text).toContain("unsupported_grant_type");

    // The REST API: a live session, then Salesforce's required fields.
    const lead = (body: object, auth = `Bearer ${granted.access_token}`) => send("/services/data/v62.0/sobjects/Lead/", json(body, { authorization: auth }));
    // The reuse of the code revoked its grant (RFC 6749 §4.1.2): its tokens are refused.
    expect((await lead({ LastName: "L", Company: "C" })).text).toContain("INVALID_SESSION_ID");
    const fresh = JSON.parse((await exchange(await code())).text);
    expect((await lead({ LastName: "L" }, `Bearer ${fresh.access_token}`)).text).toContain("REQUIRED_FIELD_MISSING");
    expect((await lead({ LastName: "L", Company: "C" }, `Bearer ${fresh.access_token}`)).status).toBe(201);
    const refreshed = JSON.parse((await token({ grant_type: "refresh_token", refresh_token: fresh.refresh_token })).text);
    expect(refreshed.access_token).not.toBe(fresh.access_token);
    expect(refreshed.refresh_token).toBeUndefined();
  });

  it("Google: a refresh token only for access_type=offline; Calendar wants a live token, start and end on events, timeMin/timeMax/items on free/busy", async () => {
    const client = OAUTH_SIMULATOR_CLIENTS.google_calendar;
    const grant = async (extra: Record<string, string>) => {
      const query = new URLSearchParams({ response_type: "code", client_id: client.client_id, redirect_uri: "https://p.test/oauth/callback", scope: "https://www.googleapis.com/auth/calendar.events", ...extra });
      const code = new URL((await fetch(`${sim.url}/o/oauth2/v2/auth?${query}`, { redirect: "manual" })).headers.get("location")!).searchParams.get("code")!;
      const form = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: "https://p.test/oauth/callback", client_id: client.client_id, client_secret: client.client_secret });
      return JSON.parse((await send("/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() })).text);
    };
    expect((await grant({})).refresh_token).toBeUndefined();
    const tokens = await grant({ access_type: "offline" });
    expect(tokens).toMatchObject({ refresh_token: expect.any(String), expires_in: 3599, token_type: "Bearer" });
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    expect((await send("/calendar/v3/freeBusy", json({ timeMin: "2030-01-01T00:00:00Z" }, { authorization: "Bearer nope" }))).status).toBe(401);
    expect((await send("/calendar/v3/freeBusy", json({ timeMin: "2030-01-01T00:00:00Z", timeMax: "2030-01-02T00:00:00Z" }, auth))).text).toContain("Missing items");
    expect((await send("/calendar/v3/calendars/primary/events", json({ start: { dateTime: "2030-01-01T10:00:00Z" } }, auth))).text).toContain("Missing end time");
    expect((await send("/calendar/v3/calendars/primary/events", json({ start: { dateTime: "2030-01-01T10:00:00Z" }, end: { dateTime: "2030-01-01T11:00:00Z" } }, auth))).status).toBe(200);
  });

  it("Zapier and Make catch hooks: their URL shapes and a JSON body", async () => {
    expect(JSON.parse((await send("/hooks/catch/123/abc/", json({ a: 1 }))).text)).toMatchObject({ status: "success", request_id: expect.any(String) });
    expect((await send("/hooks/catch/123/abc/", { method: "POST", headers: { "content-type": "application/json" }, body: "{" })).status).toBe(400);
    expect((await send("/hooks/catch/nope", json({ a: 1 }))).status).toBe(404);
    expect(await send(`/${"0123456789abcdef".repeat(2)}`, json({ a: 1 }))).toEqual({ status: 200, text: "Accepted" });
  });
});
