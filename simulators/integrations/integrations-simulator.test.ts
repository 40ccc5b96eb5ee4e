import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALCOM_SIMULATOR_API_KEY } from "./calcom-api.ts";
import { HUBSPOT_SIMULATOR_TOKEN } from "./hubspot-crm.ts";
import { startIntegrationsSimulator, type IntegrationsSimulator } from "./index.ts";

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
});
