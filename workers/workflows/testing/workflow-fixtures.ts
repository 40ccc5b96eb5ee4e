import { env } from "cloudflare:workers";
import { api } from "../../../test/workers/api-client.ts";
export { armVendorFault, vendorRequests } from "../../../test/workers/vendor-requests.ts";

/** The Slack stand-in's webhook path (simulators/integrations/slack-webhook.ts). */
export const SLACK_WEBHOOK_URL = `${env.INTEGRATIONS_SIMULATOR_URL}/services/T0SIM/B0SIM/simsecret1`;
/** The token the HubSpot stand-in accepts (simulators/integrations/hubspot-crm.ts). */
export const HUBSPOT_TOKEN = "pat-na1-simulator-token";

export async function connectSlackAndHubSpot(key: string): Promise<void> {
  for (const [name, body] of [["slack", { webhook_url: SLACK_WEBHOOK_URL }], ["hubspot", { api_key: HUBSPOT_TOKEN }]] as const) {
    const res = await api(key).post("/v1/integration-connections", { integration: name, ...body });
    if (res.status !== 200) throw new Error(`connecting ${name} failed: ${res.status} ${res.text}`);
  }
}

export async function createWorkflow(key: string, body: Record<string, unknown>): Promise<string> {
  const res = await api(key).post("/v1/workflows", { name: "After-call follow-up", ...body });
  if (res.status !== 201) throw new Error(`workflow creation failed: ${res.status} ${res.text}`);
  return res.json.id as string;
}

const runStatus = async (key: string, workflowId: string, runId: string) => (await api(key).get(`/v1/workflows/${workflowId}/runs/${runId}`)).json?.status as string | undefined;

async function runUntil(key: string, steps: unknown[], wanted: string): Promise<{ workflowId: string; runId: string }> {
  const workflowId = await createWorkflow(key, { trigger: { type: "manual" }, steps });
  const runId = (await api(key).post(`/v1/workflows/${workflowId}/runs`, { input: {} })).json.id as string;
  const deadline = Date.now() + 30_000;
  while ((await runStatus(key, workflowId, runId)) !== wanted) {
    if (Date.now() > deadline) throw new Error(`run ${runId} never became ${wanted}`);
    await scheduler.wait(20);
  }
  return { workflowId, runId };
}

/** A run sleeping in a three-day delay. */
export const sleepingRun = (key: string) => runUntil(key, [{ id: "wait", type: "delay", duration: "3 days" }], "sleeping");

/** A run whose HTTP step failed for good (the receiver answered 400, which is not retried). */
export const failedRun = (key: string) => runUntil(key, [{ id: "post", type: "http", url: `${env.TOOL_SERVER_URL}/status/400`, body: {} }], "failed");
