import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../index.ts";
import { api } from "../../test/workers/api-client.ts";
import { baseCampaign, campaignTenant, consent } from "./campaign-fixtures.ts";

/** The Worker's own `scheduled` entry point, as the cron trigger calls it, at `iso`. */
const trigger = (iso: string) => worker.scheduled(createScheduledController({ scheduledTime: Date.parse(iso), cron: "17 * * * *" }), env);

describe("campaign windows from the scheduled handler", () => {
  it("ticks active campaigns at the trigger's time: closed windows wait, open ones dial through the checks", { timeout: 30_000 }, async () => {
    const t = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 1 });
    const seq = Math.floor(Math.random() * 9000) + 1000;
    const [unconsented, listed] = [`+1212557${seq}`, `+1212558${seq}`];
    await consent(t, listed);
    await api(t.key).post("/v1/do-not-call", { phone: listed, reason: "asked" });
    const id = (await api(t.key).post("/v1/campaigns", { ...baseCampaign(t), contacts: [{ phone: unconsented }, { phone: listed }] })).json.id;
    await api(t.key).post(`/v1/campaigns/${id}/start`);

    await trigger("2027-01-13T13:30:00Z"); // 08:30 in New York: before the campaign's 09:00
    const waiting = (await api(t.key).get(`/v1/campaigns/${id}/contacts`)).json.data;
    expect(waiting.map((c: { state: string; next_attempt_at: string }) => [c.state, c.next_attempt_at])).toEqual([
      ["pending", "2027-01-13T14:00:00.000Z"],
      ["pending", "2027-01-13T14:00:00.000Z"],
    ]);

    await trigger("2027-01-13T14:00:00Z");
    const done = (await api(t.key).get(`/v1/campaigns/${id}/contacts`)).json.data;
    expect(done.map((c: { state: string; reason: string }) => [c.state, c.reason])).toEqual([
      ["skipped", "consent_no_record"],
      ["skipped", "consent_do_not_call"],
    ]);
    expect((await api(t.key).get(`/v1/campaigns/${id}`)).json.state).toBe("completed");
  });
});
