import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { telephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import { baseCampaign, campaignStub } from "../campaigns/campaign-fixtures.ts";
import { createEndpoint, receiverUrl } from "../webhooks/testing/webhook-fixtures.ts";
import { createWorkflow } from "./testing/workflow-fixtures.ts";

/** Monday 11 January 2027, 10:00 in New York: inside baseCampaign's schedule. */
const IN_WINDOW = Date.parse("2027-01-11T15:00:00Z");

describe("the campaign.completed trigger", () => {
  it("a completing campaign's events go through webhook delivery, and its completion starts the workflows that wait for it", { timeout: 60_000 }, async () => {
    const t = await telephonyTenant();
    const a = api(t.key);
    const endpoint = await createEndpoint(t.key, receiverUrl().url, ["campaign.contact_completed", "campaign.completed"]);
    // No consent is recorded: the one contact is skipped, and the campaign completes on its first tick.
    const campaignId = (await a.post("/v1/campaigns", { ...baseCampaign(t), contacts: [{ phone: "+12125550142" }] })).json.id;
    const other = (await a.post("/v1/campaigns", baseCampaign(t))).json.id;
    const marker = `campaign-done-${crypto.randomUUID()}`;
    const matching = await createWorkflow(t.key, {
      trigger: { type: "campaign.completed", campaign_ids: [campaignId] },
      steps: [{ id: "post", type: "http", url: `${env.TOOL_SERVER_URL}/echo?tag=${marker}`, body: { campaign: "{{ event.campaign_id }}", skipped: "{{ event.counts.skipped }}" } }],
    });
    const elsewhere = await createWorkflow(t.key, { trigger: { type: "campaign.completed", campaign_ids: [other] }, steps: [{ id: "wait", type: "delay", duration: "1 day" }] });

    expect((await a.post(`/v1/campaigns/${campaignId}/start`)).status).toBe(200);
    await campaignStub(campaignId).tick(IN_WINDOW);
    expect((await a.get(`/v1/campaigns/${campaignId}`)).json).toMatchObject({ state: "completed", progress: { counts: { skipped: 1 } } });

    const runsOf = async (id: string) => (await a.get(`/v1/workflows/${id}/runs`)).json.data as any[];
    await vi.waitFor(async () => expect((await runsOf(matching))[0]?.status).toBe("completed"), { timeout: 30_000, interval: 50 });
    const [run] = await runsOf(matching);
    expect(run).toMatchObject({ trigger_type: "campaign.completed", trigger_event_id: `evt_${campaignId}_completed`, trigger_ref: { campaign_id: campaignId } });
    expect(await (await fetch(`${env.TOOL_SERVER_URL}/seen?tag=${marker}`)).text()).toContain(campaignId);

    // The same event reached the endpoint's messages, with the contact's: the run above proves the consumer has passed.
    const messages = await env.DB.prepare("SELECT event_type FROM webhook_messages WHERE endpoint_id = ? ORDER BY event_type").bind(endpoint.id).all<{ event_type: string }>();
    expect(messages.results.map((m) => m.event_type)).toEqual(["campaign.completed", "campaign.contact_completed"]);
    expect(await runsOf(elsewhere)).toEqual([]);
  });
});
