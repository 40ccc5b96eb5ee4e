import { sql } from "drizzle-orm";
import { database } from "./client.ts";
import { securityEventCounts, securityEvents } from "./schema.ts";

export type SecurityEventKind = "twilio_signature_invalid" | "stream_token_invalid" | "stream_before_start";

/** Rows kept per kind, source and minute; everything beyond is only counted (security_event_counts). */
export const SECURITY_EVENT_SAMPLES_PER_MINUTE = 10;

/**
 * Who sent it, as far as a flood is concerned: the client address, IPv6 cut to its /64 (one host holds a whole
 * /64, so counting single addresses would not bound anything), else the account, else `unknown`.
 */
export function eventSource(ip: string | null | undefined, accountId: string | null | undefined): string {
  if (!ip) return accountId ? `account:${accountId}` : "unknown";
  if (!ip.includes(":") || ip.includes(".")) return ip.slice(ip.lastIndexOf(":") + 1);
  const [head = "", tail] = ip.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill("0");
  const groups = [...headGroups, ...zeros, ...tailGroups].slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16));
  return `${groups.join(":")}::/64`;
}

/**
 * Records a rejected request for the operator. Never includes secrets or full payloads. Requests nobody has
 * authenticated must not buy one row each: every event increments its (kind, source, minute) counter, and only the
 * first SECURITY_EVENT_SAMPLES_PER_MINUTE of them also get a row with their details.
 */
export async function recordSecurityEvent(
  env: Env,
  event: { kind: SecurityEventKind; path: string; accountId?: string | null; ip?: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  const db = database(env.DB);
  const at = new Date().toISOString();
  const bucket = { kind: event.kind, source: eventSource(event.ip, event.accountId), minute: at.slice(0, 16) };
  const counted = await db
    .insert(securityEventCounts)
    .values({ ...bucket, count: 1 })
    .onConflictDoUpdate({ target: [securityEventCounts.kind, securityEventCounts.source, securityEventCounts.minute], set: { count: sql`${securityEventCounts.count} + 1` } })
    .returning({ count: securityEventCounts.count })
    .get();
  const count = counted?.count ?? 1;
  if (count > SECURITY_EVENT_SAMPLES_PER_MINUTE) return;
  const log = { level: "warn", security_event: event.kind, path: event.path, account_id: event.accountId ?? null, source: bucket.source };
  const lastSample = count === SECURITY_EVENT_SAMPLES_PER_MINUTE ? { sampling: "the rest of this minute from this source is only counted (security_event_counts)" } : {};
  console.warn(JSON.stringify({ ...log, ...lastSample }));
  await db.insert(securityEvents).values({ at, kind: event.kind, accountId: event.accountId ?? null, ip: event.ip ?? null, path: event.path, detail: event.detail ?? null }).run();
}
