/**
 * A tenant's receiver gets a finished call's `call.ended` and `call.analyzed`, signed, verified with the
 * `standardwebhooks` package as the tenant's own code would; the analysis is exactly what the Bedrock simulator's
 * rules imply for the conversation.
 */
import { describe, expect, it, vi } from "vitest";
import { startWebhookReceiver } from "../../scripts/lib/webhook-receiver.ts";
import { DEMO_SCENARIO, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

const ANALYSIS = {
  sentiment: true,
  success_evaluation: { type: "pass_fail", criteria: "The caller's questions were answered." },
  disposition: { tags: ["paris", "other"] },
};
const QUALITY = {
  scorecard: { criteria: [{ id: "greeting", description: 'Greets with "Acme Dental".', weight: 1 }] },
  compliance: { forbidden_phrases: [{ id: "guarantee", phrase: "we guarantee" }] },
};

describe("webhooks after a call", () => {
  it("delivers call.ended and call.analyzed to the tenant's receiver, signed, with the analysis the simulator's rules imply", { timeout: 180_000 }, async () => {
    const receiver = await startWebhookReceiver({ print: () => {} });
    try {
      world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
      const tenant = await tenantFor(world, { analysis: ANALYSIS, quality: QUALITY });
      const endpoint = await tenant.api.post("/v1/webhooks/endpoints", { url: receiver.url, event_types: ["call.ended", "call.analyzed"] });
      receiver.setSecret(endpoint.secret);

      const { call } = await placeInboundCall(world, tenant, {
        steps: [{ waitForAgent: true }, { say: "What's the weather like in Paris today?" }, { waitForAgent: true, waitSilenceMs: 1500 }, { say: "Thanks, bye!" }, { waitForAgent: true }],
      });
      const received = await vi.waitFor(
        () => {
          const mine = receiver.received.filter((r) => r.event.data.call_id === call.id);
          if (!mine.some((r) => r.event.type === "call.analyzed") || !mine.some((r) => r.event.type === "call.ended")) throw new Error(`received so far: ${mine.map((r) => r.event.type)}`);
          return mine;
        },
        { timeout: 90_000, interval: 250 },
      );

      // The receiver verified each with standardwebhooks' Webhook.verify and the endpoint's secret (401 otherwise).
      expect(received.map((r) => [r.event.type, r.verified])).toEqual(expect.arrayContaining([["call.ended", true], ["call.analyzed", true]]));
      expect(received.every((r) => r.verified)).toBe(true);

      const ended = received.find((r) => r.event.type === "call.ended")!.event;
      expect(ended).toMatchObject({ type: "call.ended", account_id: tenant.accountId, data: { call_id: call.id, agent_id: tenant.agentId, status: "completed", end_reason: call.end_reason } });

      const analyzed = received.filter((r) => r.event.type === "call.analyzed");
      expect(analyzed).toHaveLength(1);
      const callerFirst = call.turns.find((t) => t.role === "caller")!.text;
      const agentLast = call.turns.filter((t) => t.role === "agent").at(-1)!.text;
      const sentences = (text: string) => text.split(/(?<=[.!?])\s+/).filter((s) => s.trim() !== "");
      expect(analyzed[0]!.event).toMatchObject({
        type: "call.analyzed",
        account_id: tenant.accountId,
        data: {
          call_id: call.id,
          agent_id: tenant.agentId,
          analysis_version: 1,
          status: "succeeded",
          // The simulator's rules: the caller's first sentence and the agent's last; "thank" → success; "thanks" → positive;
          // the first tag said; the greeting says "Acme Dental" (10 of 10) and nothing forbidden was said.
          summary: `${sentences(callerFirst)[0]} ${sentences(agentLast).at(-1)}`,
          success: true,
          succeeded: true,
          sentiment: "positive",
          disposition: "paris",
          quality: { score: 100, violations: [] },
        },
      });
      // The same analysis the API shows.
      const detail = await tenant.api.get(`/v1/calls/${call.id}`);
      const { call_id: _call, agent_id: _agent, ...view } = analyzed[0]!.event.data;
      expect(detail.analysis[0]).toEqual(view);
    } finally {
      await receiver.close();
    }
  });
});
