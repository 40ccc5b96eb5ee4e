/**
 * Data residency (README, Compliance: where data lives): the one place that maps a region, a call id or an account to
 * where its call objects, gate, call records and analytics are. An account's `region` is fixed at creation; an EU
 * account's call ids carry the region (`CAL-EU-…`), so every route that has a call id finds its object and its
 * records without reading the account first.
 */
import { eq } from "drizzle-orm";
import { database } from "../db/client.ts";
import { accounts } from "../db/schema.ts";
import { EU_CALL_ID_PREFIX } from "../ids.ts";
import type { PostgresConfig } from "../pg/client.ts";

export type Region = (typeof accounts.$inferSelect)["region"];

export const regionOfCall = (callId: string): Region => (callId.startsWith(EU_CALL_ID_PREFIX) ? "eu" : "us");

type Objects<T extends Rpc.DurableObjectBranded | undefined> = Pick<DurableObjectNamespace<T>, "idFromName" | "get">;
type JurisdictionEnv = Pick<Env, "DO_JURISDICTIONS">;

/**
 * EU objects are created in, and never leave, Cloudflare's EU jurisdiction (their ids differ from the global ones).
 * Local workerd refuses `jurisdiction()` ("Jurisdiction restrictions are not implemented in workerd."): with
 * DO_JURISDICTIONS = "emulated" (the tests, `npm start`, `npm run dev`) an EU object is the global namespace's
 * `eu:<name>` instead, apart from the global objects as in production. Deployed, the platform's jurisdiction is used,
 * and where it cannot be the call fails rather than run outside the EU.
 */
function inRegion<T extends Rpc.DurableObjectBranded | undefined>(env: JurisdictionEnv, namespace: DurableObjectNamespace<T>, region: Region): Objects<T> {
  if (region === "us") return namespace;
  if (env.DO_JURISDICTIONS !== "emulated") return namespace.jurisdiction("eu");
  return { idFromName: (name) => namespace.idFromName(`eu:${name}`), get: (id, options) => namespace.get(id, options) };
}

export const callObjects = (env: Pick<Env, "CALL_SESSION"> & JurisdictionEnv, region: Region) => inRegion(env, env.CALL_SESSION, region);
export const gateObjects = (env: Pick<Env, "ACCOUNT_GATE"> & JurisdictionEnv, region: Region) => inRegion(env, env.ACCOUNT_GATE, region);

/** The Durable Object that runs call `callId` (one per call, named by its id, in its region). */
export function callSession(env: Pick<Env, "CALL_SESSION"> & JurisdictionEnv, callId: string) {
  const namespace = callObjects(env, regionOfCall(callId));
  return namespace.get(namespace.idFromName(callId));
}

/** The account's gate (its concurrent-call leases and credit), in the account's region. */
export function accountGate(env: Pick<Env, "ACCOUNT_GATE"> & JurisdictionEnv, accountId: string, region: Region) {
  const namespace = gateObjects(env, region);
  return namespace.get(namespace.idFromName(accountId));
}

/** The gate of the account a call belongs to: the call's id names the region. */
export const callAccountGate = (env: Pick<Env, "ACCOUNT_GATE"> & JurisdictionEnv, accountId: string, callId: string) => accountGate(env, accountId, regionOfCall(callId));

/** The D1 database holding a region's call records (calls, turns, events, analyses); DB_EU is created with `--jurisdiction eu`. */
export const callRecordsDb = (env: Pick<Env, "DB" | "DB_EU">, region: Region): D1Database => (region === "eu" ? env.DB_EU : env.DB);

/** The call records' database of call `callId`. */
export const callRecordsDbOf = (env: Pick<Env, "DB" | "DB_EU">, callId: string): D1Database => callRecordsDb(env, regionOfCall(callId));

/** The account's region (accounts stay in the global DB); `us` for an unknown account, whose records are nowhere. */
export async function accountRegion(env: Pick<Env, "DB">, accountId: string): Promise<Region> {
  const row = await database(env.DB).select({ region: accounts.region }).from(accounts).where(eq(accounts.id, accountId)).get();
  return row?.region ?? "us";
}

/** The D1 database holding the account's call records (a read of its region first). */
export const accountRecordsDb = async (env: Pick<Env, "DB" | "DB_EU">, accountId: string): Promise<D1Database> => callRecordsDb(env, await accountRegion(env, accountId));

/**
 * Where a region's Postgres database is not configured (DATABASE_URL_EU unset): its call-derived data is never
 * written to, nor read from, the global database instead. The usage queue retries the message; the API answers a
 * problem saying what to configure.
 */
export class RegionDatabaseUnset extends Error {
  constructor(readonly region: Region) {
    super(`DATABASE_URL_EU is not set: ${region.toUpperCase()} accounts' analytics live in the ${region.toUpperCase()} Postgres database (set the secret and apply the Postgres migrations to it: npm run db:pg:migrate)`);
    this.name = "RegionDatabaseUnset";
  }
}

/**
 * The Postgres database holding a region's call-derived analytics (call_facts, turn_facts and their hourly and
 * daily rollups): DATABASE_URL for `us`, DATABASE_URL_EU for `eu`, both with the same migrations. Money,
 * verification, sanctions and Trust Hub stay in DATABASE_URL whatever the region (README, Compliance: where data lives).
 */
export function analyticsPostgres(env: Pick<Env, "DATABASE_URL" | "DATABASE_URL_EU" | "PG_WS_PROXY">, region: Region): PostgresConfig {
  if (region === "us") return { DATABASE_URL: env.DATABASE_URL, PG_WS_PROXY: env.PG_WS_PROXY };
  if (!env.DATABASE_URL_EU) throw new RegionDatabaseUnset(region);
  return { DATABASE_URL: env.DATABASE_URL_EU, PG_WS_PROXY: env.PG_WS_PROXY };
}
