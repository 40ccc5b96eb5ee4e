import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { eq, getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { afterAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { withPostgres } from "../../shared/pg/client.ts";
import * as schema from "../../shared/pg/schema.ts";
import { plans } from "../../shared/pg/schema.ts";
import { reachableAsPostgres, startLocalPostgres, type LocalPostgres } from "./local-postgres.ts";
import { startPostgresWsBridge } from "./postgres-ws-bridge.ts";

/** Every table the drizzle schema declares, and every migration drizzle-kit generated for it. */
const schemaTables = Object.values(schema)
  .filter((value) => is(value, PgTable))
  .map((table) => getTableName(table))
  .sort();
const migrationCount = (JSON.parse(readFileSync(new URL("../../migrations/postgres/meta/_journal.json", import.meta.url), "utf8")) as { entries: unknown[] }).entries.length;

const refusesConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
const portOf = (hostAndPort: string) => Number(/:(\d+)/.exec(hostAndPort)![1]);
const dataDirectory = async (pg: LocalPostgres) =>
  (await withPostgres(pg.config, (db) => db.execute<{ dir: string }>(sql`select current_setting('data_directory') as dir`))).rows[0]!.dir;
/** Polls `condition` until it holds (true) or the deadline passes (false). */
const eventually = (condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> =>
  vi
    .waitFor(async () => {
      if (!(await condition())) throw new Error("not yet");
    }, { timeout: timeoutMs, interval: 50 })
    .then(() => true, () => false);

describe("the local Postgres", { timeout: 60_000 }, () => {
  const kept: string[] = [];
  afterAll(() => Promise.all(kept.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("starts migrated behind its bridge, its EU database too, and on close leaves no server, bridge or data behind", async () => {
    const pg = await startLocalPostgres();
    const tablesOf = (url: string) =>
      withPostgres({ ...pg.config, DATABASE_URL: url }, async (db) => {
        const { rows } = await db.execute<{ name: string }>(sql`select table_name as name from information_schema.tables where table_schema = 'public' order by 1`);
        return rows.map((r) => r.name);
      });
    const tables = await tablesOf(pg.config.DATABASE_URL);
    expect(tables).toEqual(schemaTables);
    expect(tables).toContain("ledger_postings");
    // DATABASE_URL_EU: another database of the same server, with the same migrations.
    expect(new URL(pg.config.DATABASE_URL_EU).pathname).toBe("/postgres_eu");
    expect(await tablesOf(pg.config.DATABASE_URL_EU)).toEqual(schemaTables);
    const dataDir = await dataDirectory(pg);
    expect(existsSync(dataDir)).toBe(true);

    await pg.close();
    expect(await refusesConnections(portOf(new URL(pg.config.DATABASE_URL).host))).toBe(true);
    expect(await refusesConnections(portOf(pg.config.PG_WS_PROXY))).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("does not outlive the process that started it, even one killed with SIGKILL", async () => {
    const owner = spawn(process.execPath, ["--input-type=module", "-e", `
      const { startLocalPostgres } = await import(${JSON.stringify(new URL("./local-postgres.ts", import.meta.url).pathname)});
      const pg = await startLocalPostgres();
      console.log(JSON.stringify(pg.config));
      setInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "inherit"] });
    const config = await new Promise<LocalPostgres["config"]>((resolve) => owner.stdout!.once("data", (line: Buffer) => resolve(JSON.parse(line.toString()))));
    const pg: LocalPostgres = { config, close: async () => undefined };
    const dataDir = await dataDirectory(pg);
    owner.kill("SIGKILL");
    // The watchdog notices the owner's death, stops Postgres and removes its data: seconds on a busy machine.
    expect(await eventually(() => refusesConnections(portOf(new URL(config.DATABASE_URL).host)), 25_000)).toBe(true);
    expect(await eventually(async () => !existsSync(dataDir), 25_000)).toBe(true);
  });

  it.runIf(userInfo().uid === 0)("keeps a cluster the postgres user could not reach in the shared temporary directory instead, found again on the next run", async () => {
    const parent = await mkdtemp(join(tmpdir(), "local-postgres-private-"));
    const asked = join(parent, "postgres");
    const keptAt = reachableAsPostgres(asked);
    kept.push(parent, keptAt);
    expect(keptAt).not.toBe(asked);
    expect(keptAt.startsWith(tmpdir())).toBe(true);
    const first = await startLocalPostgres({ dataDir: asked });
    await withPostgres(first.config, (db) => db.insert(plans).values({ id: "plan_private", name: "Private" }));
    expect(await dataDirectory(first)).toBe(keptAt);
    await first.close();
    const second = await startLocalPostgres({ dataDir: asked });
    try {
      const found = await withPostgres(second.config, (db) => db.select({ name: plans.name }).from(plans).where(eq(plans.id, "plan_private")));
      expect(found).toEqual([{ name: "Private" }]);
    } finally {
      await second.close();
    }
  });

  it("keeps a cluster given a data directory: its rows survive a restart, and migrating again changes nothing", async () => {
    const parent = await mkdtemp(join(tmpdir(), "local-postgres-test-"));
    kept.push(parent);
    // Run as root, Postgres runs as the `postgres` user, which must reach its directory (mkdtemp makes it 0700).
    await chmod(parent, 0o755);
    const dataDir = join(parent, "postgres");
    const first = await startLocalPostgres({ dataDir });
    await withPostgres(first.config, (db) => db.insert(plans).values({ id: "plan_kept", name: "Kept" }));
    await first.close();

    const second = await startLocalPostgres({ dataDir });
    try {
      const found = await withPostgres(second.config, (db) => db.select({ name: plans.name }).from(plans).where(eq(plans.id, "plan_kept")));
      expect(found).toEqual([{ name: "Kept" }]);
      const applied = await withPostgres(second.config, (db) => db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`));
      expect(applied.rows[0]!.n).toBe(migrationCount);
    } finally {
      await second.close();
    }
  });
});

describe("the WebSocket bridge", () => {
  it("bridges only to its own Postgres: another address is refused (no open relay on loopback)", async () => {
    const bridge = await startPostgresWsBridge("127.0.0.1:1");
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/v1?address=127.0.0.1:22`);
      const code = await new Promise<number>((resolve) => ws.once("close", resolve));
      expect(code).toBe(1008);
    } finally {
      await bridge.close();
    }
  });
});
