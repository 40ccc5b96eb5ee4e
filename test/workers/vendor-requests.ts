import { env } from "cloudflare:workers";

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
