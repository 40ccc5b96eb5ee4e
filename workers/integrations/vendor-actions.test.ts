import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runIntegrationTool } from "../../shared/integrations/agent-tool.ts";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { vendorRequests } from "../../test/workers/vendor-requests.ts";
import { executeStep, type RunData } from "../workflows/step-executor.ts";
import { connectThroughOAuth } from "./testing/oauth-fixtures.ts";

/** The new built-ins' requests, as their stand-ins check them (paths, auth headers, required fields). */
const RUN: RunData = { event: {}, event_type: "manual", workflow: { id: "WFL-TEST", name: "t" }, run: { id: "run" }, steps: {} };
const tool = (accountId: string, integration: string, action: string, input: unknown) =>
  runIntegrationTool(env, accountId, { integration, action, name: `${integration}_${action}`, defaults: {} }, input, new AbortController().signal);
/** The same action as a workflow step runs it. */
const step = (accountId: string, integration: string, action: string, input: Record<string, unknown>) =>
  executeStep({ env, accountId, publicBaseUrl: null, waitUntil: () => undefined, step: { runId: "run", position: 0 } }, { id: "s", type: "action", integration, action, input } as Parameters<typeof executeStep>[1], RUN);

describe("Salesforce, Google Calendar, Zapier and Make actions", () => {
  it("Salesforce: connects through OAuth, takes the API base from instance_url, and creates a Lead then a Task on it", async () => {
    const t = await createTenant();
    await connectThroughOAuth(t.key, "salesforce");
    const company = `Acme ${crypto.randomUUID()}`;
    const lead = (await step(t.accountId, "salesforce", "create_lead", { last_name: "Lovelace", first_name: "Ada", company, phone: "+14155550100" })) as { lead_id: string };
    expect(lead.lead_id).toMatch(/^00Q[A-Za-z0-9]{15}$/);
    const [created] = await vendorRequests("salesforce", company);
    expect(created).toMatchObject({ method: "POST", path: "/services/data/v62.0/sobjects/Lead/", status: 201 });
    expect(created!.headers.authorization).toMatch(/^Bearer at-/);
    expect(created!.body).toEqual({ LastName: "Lovelace", FirstName: "Ada", Company: company, Phone: "+14155550100", LeadSource: "Phone Inquiry" });

    const subject = `Call back ${crypto.randomUUID()}`;
    const task = await tool(t.accountId, "salesforce", "create_task", { subject, who_id: lead.lead_id, due_date: "2027-01-15" });
    expect(task.status, task.content).toBe("success");
    const [sent] = await vendorRequests("salesforce", subject);
    expect(sent!.body).toEqual({ Subject: subject, WhoId: lead.lead_id, ActivityDate: "2027-01-15", Priority: "Normal", Status: "Not Started" });

    // Salesforce's own refusal (a WhoId that is no lead or contact) reaches the model as an error it can explain.
    const refused = await tool(t.accountId, "salesforce", "create_task", { subject, who_id: "00T000000000001AAA" });
    expect(refused.status).toBe("error");
    expect(refused.content).toContain("FIELD_INTEGRITY_EXCEPTION");
    // Input the action's schema refuses never reaches Salesforce.
    expect((await tool(t.accountId, "salesforce", "create_lead", { last_name: "NoCompany" })).content).toContain("invalid input: company");
  });

  it("Google Calendar: inserts an event, then free/busy shows it as busy", async () => {
    const t = await createTenant();
    await connectThroughOAuth(t.key, "google_calendar");
    const calendar = `cal-${crypto.randomUUID()}@example.com`;
    const inserted = await tool(t.accountId, "google_calendar", "insert_event", {
      calendar_id: calendar,
      summary: "Dental check-up",
      start: "2030-03-04T10:00:00Z",
      end: "2030-03-04T10:30:00Z",
      attendees: ["caller@example.com"],
    });
    expect(inserted.status, inserted.content).toBe("success");
    expect(JSON.parse(inserted.content)).toMatchObject({ event_id: expect.any(String), status: "confirmed" });
    const [insert] = (await vendorRequests("google", "Dental check-up")).filter((r) => r.path.includes(encodeURIComponent(calendar)));
    expect(insert).toMatchObject({ method: "POST", path: `/calendar/v3/calendars/${encodeURIComponent(calendar)}/events`, status: 200 });
    expect(insert!.headers.authorization).toMatch(/^Bearer at-/);
    expect(insert!.body).toEqual({
      summary: "Dental check-up",
      start: { dateTime: "2030-03-04T10:00:00Z", timeZone: "UTC" },
      end: { dateTime: "2030-03-04T10:30:00Z", timeZone: "UTC" },
      attendees: [{ email: "caller@example.com" }],
    });

    const busy = (await step(t.accountId, "google_calendar", "free_busy", { calendar_id: calendar, time_min: "2030-03-04T00:00:00Z", time_max: "2030-03-05T00:00:00Z" })) as { busy: unknown[] };
    expect(busy.busy).toEqual([{ start: "2030-03-04T10:00:00.000Z", end: "2030-03-04T10:30:00.000Z" }]);
    const [query] = await vendorRequests("google", calendar);
    expect(query!.body).toEqual({ timeMin: "2030-03-04T00:00:00Z", timeMax: "2030-03-05T00:00:00Z", timeZone: "UTC", items: [{ id: calendar }] });
    expect((await tool(t.accountId, "google_calendar", "insert_event", { summary: "x", start: "2030-03-04T10:00:00Z", end: "2030-03-04T09:00:00Z" })).content).toContain("end must be after start");
  });

  it("Zapier and Make: the hook URL is the connection, and the action posts the JSON object to it", async () => {
    const t = await createTenant();
    const zapierUrl = `${env.INTEGRATIONS_SIMULATOR_URL}/hooks/catch/123456/abc123/`;
    const makeUrl = `${env.INTEGRATIONS_SIMULATOR_URL}/${"a1b2c3d4".repeat(4)}`;
    for (const [integration, webhook_url] of [["zapier", zapierUrl], ["make", makeUrl]]) {
      expect((await api(t.key).post("/v1/integration-connections", { integration, webhook_url })).status).toBe(200);
    }
    const marker = crypto.randomUUID();
    const zap = (await step(t.accountId, "zapier", "send", { data: { call_id: "CAL-1", marker } })) as { ok: boolean; request_id?: string };
    expect(zap).toMatchObject({ ok: true, request_id: expect.any(String) });
    const [zapRequest] = await vendorRequests("zapier", marker);
    expect(zapRequest).toMatchObject({ method: "POST", path: "/hooks/catch/123456/abc123/", status: 200, body: { call_id: "CAL-1", marker } });
    expect(zapRequest!.headers["content-type"]).toBe("application/json");

    expect(await tool(t.accountId, "make", "send", { data: { marker } })).toEqual({ status: "success", content: JSON.stringify({ ok: true }) });
    expect((await vendorRequests("make", marker))[0]).toMatchObject({ method: "POST", status: 200, body: { marker } });

    // A hook URL the SSRF rules refuse is refused when connecting, as problem+json.
    const refused = await api(t.key).post("/v1/integration-connections", { integration: "zapier", webhook_url: "http://169.254.169.254/hooks/catch/1/a/" });
    expect(refused.status).toBe(422);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.json.errors[0]).toMatchObject({ path: "webhook_url", code: "url_not_allowed" });
  });

  it("lists the new integrations with their auth and JSON Schemas", async () => {
    const t = await createTenant();
    const listed = Object.fromEntries(((await api(t.key).get("/v1/integrations")).json.data as { name: string; auth: string; oauth: boolean; actions: { name: string }[] }[]).map((i) => [i.name, i]));
    expect(listed.salesforce).toMatchObject({ auth: "oauth2", oauth: true, actions: [{ name: "create_lead" }, { name: "create_task" }] });
    expect(listed.google_calendar).toMatchObject({ auth: "oauth2", oauth: true, actions: [{ name: "free_busy" }, { name: "insert_event" }] });
    expect(listed.hubspot).toMatchObject({ auth: "api_key", oauth: true });
    expect(listed.zapier).toMatchObject({ auth: "incoming_webhook", oauth: false, actions: [{ name: "send" }] });
    expect(listed.make).toMatchObject({ auth: "incoming_webhook", oauth: false });
  });
});
