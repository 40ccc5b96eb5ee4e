import { PlatformClient } from "./platform-client.ts";

/**
 * Registers the local receiver as the demo tenant's webhook endpoint for every event type: an endpoint left by an
 * earlier run at the same URL is deleted first (its secret was shown once, to that run).
 */
export async function registerDevEndpoint(baseUrl: string, apiKey: string, url: string, eventTypes: readonly string[]): Promise<{ id: string; secret: string }> {
  const client = PlatformClient.withKey(baseUrl, apiKey);
  const existing = await client.get<{ data: { id: string; url: string }[] }>("/v1/webhooks/endpoints?limit=100");
  for (const endpoint of existing.data.filter((e) => e.url === url)) await client.request("DELETE", `/v1/webhooks/endpoints/${endpoint.id}`);
  return client.post("/v1/webhooks/endpoints", { url, event_types: eventTypes, description: "npm run dev: the local receiver" });
}
