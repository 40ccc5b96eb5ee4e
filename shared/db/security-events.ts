import { sql } from "drizzle-orm";
import { database } from "./client.ts";
import { securityEventCounts, securityEvents } from "./schema.ts";

export type SecurityEventKind = "twilio_signature_invalid" | "stream_token_invalid" | "stream_before_start" | "oauth_browser_mismatch";

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

/** One isolate writes a (kind, source, minute) counter at most once per this interval, plus once when the minute passes. */
export const SECURITY_EVENT_FLUSH_MS = 5_000;
/** Keys an isolate tracks per minute (a few KB); events of further sources count into their kind's `overflow` source. */
export const SECURITY_EVENT_MAX_KEYS = 200;

interface Tally {
  kind: SecurityEventKind;
  source: string;
  minute: string;
  /** Events this isolate saw, of which `written` are in the stored counter. */
  count: number;
  written: number;
  lastWriteAt: number | null;
  /** Events other isolates had stored at this key's last write: they take from the same sample budget. */
  others: number;
}

const tallies = new Map<string, Tally>();
let talliesMinute = "";

type Deferrer = { waitUntil(promise: Promise<unknown>): void };

/**
 * Records a rejected request for the operator. Never includes secrets or full payloads. Requests nobody has
 * authenticated must not buy one D1 write each: events are counted in this isolate's memory per (kind, source,
 * minute), only the first SECURITY_EVENT_SAMPLES_PER_MINUTE get a row with their details, and the counter
 * (security_event_counts) is upserted with the accumulated delta at the key's first event, then at most once per
 * SECURITY_EVENT_FLUSH_MS, and once more when the minute has passed (at the isolate's next event). The trade-off:
 * the counts of an isolate's last few seconds are lost if it is evicted before its next event; the detail rows are
 * written with their event, never lost. The writes go through `ctx.waitUntil` when given, so the rejection is not
 * delayed; `now` is injectable for tests.
 */
export async function recordSecurityEvent(
  env: Env,
  event: { kind: SecurityEventKind; path: string; accountId?: string | null; ip?: string | null; detail?: Record<string, unknown> },
  ctx?: Deferrer,
  now = Date.now(),
): Promise<void> {
  const at = new Date(now).toISOString();
  const minute = at.slice(0, 16);
  const writes: Promise<unknown>[] = minute === talliesMinute ? [] : evictOtherMinutes(env, minute, now);
  const tally = tallyFor(event.kind, eventSource(event.ip, event.accountId), minute);
  tally.count += 1;
  const ordinal = tally.count;
  const due = tally.lastWriteAt === null || now - tally.lastWriteAt >= SECURITY_EVENT_FLUSH_MS;
  const counted = due ? writeCount(env, tally, now) : Promise.resolve();
  // The first event of a key learns from its own write how many other isolates already sampled.
  writes.push(counted.then(() => (tally.others + ordinal <= SECURITY_EVENT_SAMPLES_PER_MINUTE ? writeSample(env, event, at, tally, ordinal) : undefined)));
  const all = Promise.all(writes);
  if (ctx) ctx.waitUntil(all);
  else await all;
}

/** The minute changed: the keys of other minutes are done; their unwritten counts are written now. */
function evictOtherMinutes(env: Env, minute: string, now: number): Promise<void>[] {
  talliesMinute = minute;
  const writes: Promise<void>[] = [];
  for (const [key, tally] of tallies) {
    if (tally.minute === minute) continue;
    tallies.delete(key);
    writes.push(writeCount(env, tally, now));
  }
  return writes;
}

function tallyFor(kind: SecurityEventKind, source: string, minute: string): Tally {
  let key = `${kind}|${source}|${minute}`;
  if (!tallies.has(key) && tallies.size >= SECURITY_EVENT_MAX_KEYS) [key, source] = [`${kind}|overflow|${minute}`, "overflow"];
  let tally = tallies.get(key);
  if (!tally) tallies.set(key, (tally = { kind, source, minute, count: 0, written: 0, lastWriteAt: null, others: 0 }));
  return tally;
}

/** Adds the events not yet stored to the key's counter; on failure they stay unwritten for the next write. */
async function writeCount(env: Env, tally: Tally, now: number): Promise<void> {
  const delta = tally.count - tally.written;
  if (delta === 0) return;
  tally.written = tally.count;
  tally.lastWriteAt = now;
  const written = tally.written;
  const { kind, source, minute } = tally;
  try {
    const row = await database(env.DB)
      .insert(securityEventCounts)
      .values({ kind, source, minute, count: delta })
      .onConflictDoUpdate({ target: [securityEventCounts.kind, securityEventCounts.source, securityEventCounts.minute], set: { count: sql`${securityEventCounts.count} + ${delta}` } })
      .returning({ count: securityEventCounts.count })
      .get();
    tally.others = Math.max(0, (row?.count ?? written) - written);
  } catch (error) {
    tally.written -= delta;
    throw error;
  }
}

async function writeSample(
  env: Env,
  event: Parameters<typeof recordSecurityEvent>[1],
  at: string,
  tally: Tally,
  ordinal: number,
): Promise<void> {
  const log = { level: "warn", security_event: event.kind, path: event.path, account_id: event.accountId ?? null, source: tally.source };
  const last = tally.others + ordinal === SECURITY_EVENT_SAMPLES_PER_MINUTE;
  const lastSample = last ? { sampling: "the rest of this minute from this source is only counted (security_event_counts)" } : {};
  console.warn(JSON.stringify({ ...log, ...lastSample }));
  await database(env.DB).insert(securityEvents).values({ at, kind: event.kind, accountId: event.accountId ?? null, ip: event.ip ?? null, path: event.path, detail: event.detail ?? null }).run();
}
