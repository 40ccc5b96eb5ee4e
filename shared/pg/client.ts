/**
 * The one way in to the Postgres tier: the Neon serverless driver's Pool over WebSocket (interactive transactions)
 * with drizzle's neon-serverless adapter. A Worker may not keep sockets across requests, so a pool lives for one
 * request or one queue batch: `withPostgres` creates it and always ends it.
 */
import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import * as schema from "./schema.ts";

export type PgDatabase = NeonDatabase<typeof schema>;

export interface PostgresConfig {
  /** Secret: Neon's connection string in production, the local embedded Postgres in development and tests. */
  DATABASE_URL: string;
  /**
   * Empty in production (the driver reaches Neon's own WebSocket proxy over wss://). Locally `host:port/v1` of the
   * WebSocket→TCP bridge in front of the embedded Postgres (scripts/lib/postgres-ws-bridge.ts).
   */
  PG_WS_PROXY?: string;
}

export async function withPostgres<T>(config: PostgresConfig, use: (db: PgDatabase) => Promise<T>): Promise<T> {
  return withPostgresPools((open) => use(open(config)));
}

/**
 * Pools for one request or queue batch that may reach more than one database (an EU account's analytics are in
 * DATABASE_URL_EU: shared/residency/residency.ts): `open` creates a database's pool on first use, and hands back the
 * same one for the same connection string after; all of them are ended at the end.
 */
export async function withPostgresPools<T>(use: (open: (config: PostgresConfig) => PgDatabase) => Promise<T>): Promise<T> {
  const pools = new Map<string, { pool: Pool; db: PgDatabase }>();
  let ended = false;
  const open = (config: PostgresConfig): PgDatabase => {
    const known = pools.get(config.DATABASE_URL);
    if (known) return known.db;
    if (config.PG_WS_PROXY) useLocalBridge(config.PG_WS_PROXY);
    const pool = new Pool({ connectionString: config.DATABASE_URL });
    // A connection that fails while idle is reported on the pool; without a listener the emitter would throw it.
    // After end() only the sockets' teardown is left: in workerd a socket whose proxy closed first reports
    // "Network connection lost", which is no failure of the work.
    pool.on("error", (error: Error) => ended || console.error("postgres pool:", error.message));
    const db = drizzle({ client: pool, schema });
    pools.set(config.DATABASE_URL, { pool, db });
    return db;
  };
  try {
    return await use(open);
  } finally {
    ended = true;
    await Promise.all([...pools.values()].map(({ pool }) => pool.end()));
  }
}

/**
 * neonConfig is global to the isolate, and an isolate serves one environment, so setting it on each use is safe.
 * The bridge is plain ws:// on loopback. The driver's pipelined connect stays on: the local Postgres asks for the
 * password in clear, as Neon's proxy does inside its TLS.
 */
function useLocalBridge(proxy: string): void {
  neonConfig.wsProxy = proxy;
  neonConfig.useSecureWebSocket = false;
}
