/**
 * Provisions a tenant the way a newcomer would through the API: account (operator bootstrap), Twilio
 * credentials, an agent from a JSON file, published, and a number routed to it (bought in the Twilio simulator
 * with its Voice URL pointing at the platform).
 */
import { readFileSync } from "node:fs";
import type { TwilioSimulator } from "../../simulators/twilio/index.ts";
import { PlatformClient } from "./platform-client.ts";

export interface DemoTenant {
  accountId: string;
  apiKey: string;
  agentId: string;
  number: string;
  numberSid: string;
  twilio: { accountSid: string; authToken: string };
  api: PlatformClient;
}

export async function provisionTenant(
  baseUrl: string,
  operatorSecret: string,
  twilio: TwilioSimulator,
  agentFile: string,
  replacements: Record<string, string> = {},
): Promise<DemoTenant> {
  const operator = PlatformClient.operator(baseUrl, operatorSecret);
  const created = await operator.post("/v1/operator/accounts", { name: "Acme Dental (demo)", owner_email: "owner@acme.example", verification: "approved" });
  const api = PlatformClient.withKey(baseUrl, created.api_key.key);
  const twilioAccount = twilio.addAccount();
  await api.put("/v1/accounts/me/credentials/twilio", { account_sid: twilioAccount.accountSid, auth_token: twilioAccount.authToken });

  let agentJson = readFileSync(agentFile, "utf8");
  for (const [key, value] of Object.entries(replacements)) agentJson = agentJson.replaceAll(`{{${key}}}`, value);
  const agent = await api.post("/v1/agents", JSON.parse(agentJson));
  await api.post(`/v1/agents/${agent.id}/publish`);

  const number = twilio.addNumber({ accountSid: twilioAccount.accountSid, voiceUrl: `${baseUrl}/twilio/voice`, statusCallback: `${baseUrl}/twilio/status` });
  const e164 = String(number.phone_number);
  await api.post("/v1/phone-numbers", { e164, source: "twilio", provider_sid: number.sid, agent_id: agent.id });
  return { accountId: created.account.id, apiKey: created.api_key.key, agentId: agent.id, number: e164, numberSid: String(number.sid), twilio: twilioAccount, api };
}
