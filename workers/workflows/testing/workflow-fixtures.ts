import { env } from "cloudflare:workers";
import { api } from "../../../test/workers/api-client.ts";

/** The Slack stand-in's webhook path (simulators/integrations/slack-webhook.ts). */
export const SLACK_WEBHOOK_URL = `${env.INTEGRATIONS_SIMULATOR_URL}/services/T0SIM/B0SIM/simsecret1`;
/** The token the HubSpot stand-in accepts (simulators/integrations/hubspot-crm.ts). */
export const HUBSPOT_TOKEN = "pat-na1-simulator-token";

export async function connectSlackAndHubSpot(key: string): Promise<void> {
  for (const [name, body] of [["slack", { webhook_url: SLACK_WEBHOOK_URL }], ["hubspot", { api_key: HUBSPOT_TOKEN }]] as const) {
    const res = await api(key).put(`/v1/integrations/${name}/connection`, body);
    if (res.status !== 200) throw new Error(`connecting ${name} failed: ${res.status} ${res.text}`);
  }
}

export async function createWorkflow(key: string, body: Record<string, unknown>): Promise<string> {
  const res = await api(key).post("/v1/workflows", { name: "After-call follow-up", ...body });
  if (res.status !== 201) throw new Error(`workflow creation failed: ${res.status} ${res.text}`);
  return res.json.id as string;
}

export interface SimulatedRequest {
  vendor: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
  status: number;
}

/** What the vendor stand-ins received whose body mentions `marker` (tests run in parallel against one simulator). */
export async function vendorRequests(vendor: string, marker: string): Promise<SimulatedRequest[]> {
  const all = (await (await fetch(`${env.INTEGRATIONS_SIMULATOR_URL}/_control/requests?vendor=${vendor}`)).json()) as SimulatedRequest[];
  return all.filter((r) => JSON.stringify(r.body ?? "").includes(marker));
}

export async function armVendorFault(vendor: string, status: number, count: number): Promise<void> {
  await fetch(`${env.INTEGRATIONS_SIMULATOR_URL}/_control/faults`, { method: "POST", body: JSON.stringify({ vendor, status, count }) });
}
