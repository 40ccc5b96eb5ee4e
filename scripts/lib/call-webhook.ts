import { asksForAnalysis } from "../../workers/analysis/analysis-tool-schema.ts";
import type { PlatformClient } from "./platform-client.ts";

interface Delivery {
  endpoint_id: string;
  status: string;
  event: { type: string; data: { call_id?: string } & Record<string, unknown> };
  attempts: { response_status: number | null }[];
}

export type CallEventType = "call.ended" | "call.analyzed";

/**
 * The tenant's side of a finished call: its `call.ended` (or `call.analyzed`) webhook as the delivery log shows it.
 * The local receiver of `npm run dev` answers 2xx only to a delivery whose signature it verified, so a success means
 * verified. Null when no endpoint of the account takes that type; undefined when the delivery is not done within
 * `timeoutMs`.
 */
export async function callEventDelivery(api: PlatformClient, callId: string, type: CallEventType, timeoutMs = 15_000): Promise<Delivery | null | undefined> {
  const endpoints = await api.get<{ data: { event_types: string[]; enabled: boolean }[] }>("/v1/webhooks/endpoints?limit=100");
  if (!endpoints.data.some((e) => e.enabled && e.event_types.includes(type))) return null;
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const page = await api.get<{ data: Delivery[] }>(`/v1/webhooks/deliveries?event_type=${type}&limit=20`);
    const delivery = page.data.find((d) => d.event.data.call_id === callId && d.status !== "pending");
    if (delivery) return delivery;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

/**
 * Whether the call's agent version asks for an analysis, i.e. whether a `call.analyzed` will come: every agent does
 * (a summary by default) unless it turned the summary off and asks for nothing else.
 */
export async function analysisExpected(api: PlatformClient, callId: string): Promise<boolean> {
  const call = await api.get<{ agent_id: string; agent_version: number }>(`/v1/calls/${callId}`);
  const version = await api.get<{ config: { analysis?: unknown; quality?: unknown } }>(`/v1/agents/${call.agent_id}/versions/${call.agent_version}`);
  return asksForAnalysis(version.config);
}

export function formatCallEventDelivery(type: CallEventType, delivery: Delivery | undefined): string {
  if (!delivery) return `Webhook ${type}: not delivered yet (see GET /v1/webhooks/deliveries)`;
  const last = delivery.attempts.at(-1);
  const verdict = delivery.status === "succeeded" ? `delivered, receiver verified its signature (${last?.response_status})` : `${delivery.status} (${last?.response_status ?? "no answer"})`;
  return `Webhook ${type} → ${delivery.endpoint_id}: ${verdict}\n  ${JSON.stringify(delivery.event.data)}`;
}
