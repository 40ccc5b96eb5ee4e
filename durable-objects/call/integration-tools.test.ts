import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { StoredAgentConfig } from "../../shared/agents/stored-agent-config.ts";
import { AgentConfig } from "../../shared/schemas/agent-config.ts";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { vendorRequests } from "../../test/workers/vendor-requests.ts";
import { agentProviders } from "./agent-providers.ts";
import type { CallMeta } from "./call-store.ts";

const CONFIG = {
  system_prompt: "You book dental appointments.",
  first_message: "Hi!",
  llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" },
  tools: [
    { type: "integration", name: "find_slots", integration: "calcom", action: "available_slots", defaults: { event_type_id: 77 } },
    { type: "integration", name: "book_appointment", integration: "calcom", action: "book", defaults: { event_type_id: 77 }, description: "Book the slot the caller chose." },
  ],
};

describe("integration actions as agent tools", () => {
  it("lets the agent find a Cal.com slot and book it for the caller during the call, through the call's tool executors", async () => {
    const t = await createTenant();
    expect((await api(t.key).post("/v1/integration-connections", { integration: "calcom", api_key: "cal_test_simulator" })).status).toBe(200);
    const config = AgentConfig.parse(CONFIG) as StoredAgentConfig;
    const meta = { callId: "CAL-TOOLTEST000001", accountId: t.accountId, agentId: "AGT-7KQ2M9XD4H", agentVersion: 1, direction: "inbound", from: "+14155550100", to: "+14155550101", callSid: null, createdAt: new Date().toISOString(), publicBaseUrl: "https://api.test" } as CallMeta;
    const providers = agentProviders(env, meta, config, null, (run) => run());

    // The model sees the action's input without the tenant's fixed event type.
    const book = providers.tools!.find((spec) => spec.name === "book_appointment")!;
    expect(book.description).toBe("Book the slot the caller chose.");
    expect(Object.keys((book.inputSchema as { properties: object }).properties)).toEqual(["start", "name", "email", "time_zone", "phone_number"]);

    const signal = new AbortController().signal;
    const day = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const [slots] = await providers.runTools!([{ toolUseId: "t1", name: "find_slots", input: { start: day, end: day } }], signal);
    expect(slots!.status).toBe("success");
    const start = (JSON.parse(slots!.content) as { slots: string[] }).slots[2]!;
    const email = `caller-${crypto.randomUUID()}@example.com`;
    const [booked] = await providers.runTools!([{ toolUseId: "t2", name: "book_appointment", input: { start, name: "Ada Lovelace", email, time_zone: "Europe/London" } }], signal);
    expect(booked!.status).toBe("success");
    expect(JSON.parse(booked!.content)).toMatchObject({ booking_id: expect.any(Number), start, status: "accepted" });

    const [request] = await vendorRequests("calcom", email);
    expect(request).toMatchObject({ method: "POST", path: "/v2/bookings", status: 201 });
    expect(request!.headers).toMatchObject({ authorization: "Bearer cal_test_simulator", "cal-api-version": "2024-08-13" });
    expect(request!.body).toEqual({ start, eventTypeId: 77, attendee: { name: "Ada Lovelace", email, timeZone: "Europe/London" } });

    // The same slot again: Cal.com refuses, and the model gets an error it can explain.
    const [again] = await providers.runTools!([{ toolUseId: "t3", name: "book_appointment", input: { start, name: "Bob", email: "bob@example.com" } }], signal);
    expect(again!.status).toBe("error");
    expect(again!.content).toContain("not available");
  });

  it("refuses an agent whose integration tool names an action that does not exist", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/agents", { name: "Bad", config: { ...CONFIG, tools: [{ type: "integration", name: "x", integration: "calcom", action: "cancel_everything" }] } });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([expect.objectContaining({ path: "config.tools.0.action" })]);
  });
});
