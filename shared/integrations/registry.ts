import { calcomIntegration } from "./calcom.ts";
import { make, zapier } from "./catch-hooks.ts";
import { googleCalendarIntegration } from "./google-calendar.ts";
import { hubspotIntegration } from "./hubspot.ts";
import { httpRequest } from "./http-request.ts";
import type { Integration, IntegrationAction } from "./integration.ts";
import { salesforceIntegration } from "./salesforce.ts";
import { slack } from "./slack.ts";

/** Every built-in integration, by name. */
export const INTEGRATIONS: Readonly<Record<string, Integration>> = Object.fromEntries([
  httpRequest,
  slack,
  hubspotIntegration,
  calcomIntegration,
  salesforceIntegration,
  googleCalendarIntegration,
  zapier,
  make,
].map((i) => [i.name, i]));

export const INTEGRATION_NAMES = Object.keys(INTEGRATIONS) as [string, ...string[]];

export function findAction(integration: string, action: string): { integration: Integration; action: IntegrationAction } | undefined {
  const found = Object.hasOwn(INTEGRATIONS, integration) ? INTEGRATIONS[integration] : undefined;
  if (found === undefined || !Object.hasOwn(found.actions, action)) return undefined;
  return { integration: found, action: found.actions[action]! };
}
