import { env } from "cloudflare:workers";
import { api } from "../../../test/workers/api-client.ts";
import type { TelephonyTenant } from "../../../test/workers/telephony-fixtures.ts";

/** The last code the tenant's Twilio account texted to `to`, read where the callee's phone would show it. */
export async function textedCode(t: Pick<TelephonyTenant, "accountSid">, to: string): Promise<string> {
  const res = await fetch(`${env.TWILIO_API_BASE_URL}/__control/messages?${new URLSearchParams({ to, accountSid: t.accountSid })}`);
  const sent = await res.json<{ body: string }[]>();
  const code = /\b(\d{6})\b/.exec(sent.at(-1)?.body ?? "")?.[1];
  if (!code) throw new Error(`no code was texted to ${to}`);
  return code;
}

export const checkPath = (phone: string) => `/v1/verified-numbers/${encodeURIComponent(phone)}/check`;

/** Texts a code to `phone` and types it back: the tenant (registered with the Twilio simulator) may now call it. */
export async function verifyCallee(t: TelephonyTenant, phone: string): Promise<void> {
  const sent = await api(t.key).post("/v1/verified-numbers", { phone });
  if (sent.status !== 202) throw new Error(`verification text failed: ${sent.status} ${sent.text}`);
  const checked = await api(t.key).post(checkPath(phone), { code: await textedCode(t, phone) });
  if (checked.json?.status !== "verified") throw new Error(`verification failed: ${checked.status} ${checked.text}`);
}
