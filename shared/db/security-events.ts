import { database } from "./client.ts";
import { securityEvents } from "./schema.ts";

export type SecurityEventKind = "twilio_signature_invalid" | "stream_token_invalid" | "stream_before_start";

/** Records a rejected request for the operator. Never includes secrets or full payloads. */
export async function recordSecurityEvent(
  env: Env,
  event: { kind: SecurityEventKind; path: string; accountId?: string | null; ip?: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  console.warn(JSON.stringify({ level: "warn", security_event: event.kind, path: event.path, account_id: event.accountId ?? null }));
  await database(env.DB)
    .insert(securityEvents)
    .values({ at: new Date().toISOString(), kind: event.kind, accountId: event.accountId ?? null, ip: event.ip ?? null, path: event.path, detail: event.detail ?? null })
    .run();
}
