/** The platform's local email outbox (GET /v1/operator/email-outbox): `npm run dev` prints it, the tests read invitation links from it. */
import { PlatformClient } from "./platform-client.ts";

export interface OutboxMessage {
  id: number;
  to: string;
  subject: string;
  body: string;
  created_at: string;
}

export async function readOutbox(baseUrl: string, operatorSecret: string, afterId = 0): Promise<OutboxMessage[]> {
  return (await PlatformClient.operator(baseUrl, operatorSecret).get(`/v1/operator/email-outbox?after_id=${afterId}`)).data;
}

/** The newest invitation link sent to `email`. */
export async function latestInviteLink(baseUrl: string, operatorSecret: string, email: string): Promise<string> {
  const mail = (await readOutbox(baseUrl, operatorSecret)).filter((m) => m.to === email).at(-1);
  const link = mail && /https?:\/\/\S+#token=[\w-]+/.exec(mail.body)?.[0];
  if (!link) throw new Error(`no invitation to ${email} in the outbox`);
  return link;
}

/**
 * Prints every message that reaches the outbox (locally nothing sends mail), from now on: `npm run dev` shows
 * invitation links this way. Returns a stop function.
 */
export async function printNewMail(baseUrl: string, operatorSecret: string, intervalMs = 1_000): Promise<() => void> {
  let lastId = (await readOutbox(baseUrl, operatorSecret)).at(-1)?.id ?? 0;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      for (const m of await readOutbox(baseUrl, operatorSecret, lastId)) {
        console.log(`\n✉  to ${m.to}: ${m.subject}\n   ${m.body.replaceAll("\n", "\n   ")}`);
        lastId = m.id;
      }
    } catch (err) {
      console.error(`reading the email outbox failed: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  }, intervalMs);
  return () => clearInterval(timer);
}

/** Emails the account's owner a console invitation (POST /v1/users/{id}/invitations), as an owner's API key may. */
export async function inviteOwner(baseUrl: string, apiKey: string): Promise<void> {
  const api = PlatformClient.withKey(baseUrl, apiKey);
  const owner = (await api.get("/v1/users?limit=100")).data.find((u: { role: string }) => u.role === "owner");
  await api.request("POST", `/v1/users/${owner.id}/invitations`);
}
