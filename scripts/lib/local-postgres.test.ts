import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { withPostgres } from "../../shared/pg/client.ts";
import { plans } from "../../shared/pg/schema.ts";
import { startLocalPostgres } from "./local-postgres.ts";
import { startPostgresWsBridge } from "./postgres-ws-bridge.ts";

const refusesConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
const portOf = (hostAndPort: string) => Number(/:(\d+)/.exec(hostAndPort)![1]);

describe("the local Postgres", { timeout: 60_000 }, () => {
  const kept: string[] = [];
  afterAll(() => Promise.all(kept.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("starts migrated behind its bridge, and on close leaves no server, bridge or data behind", async () => {
    const pg = await startLocalPostgres();
    const tables = await withPostgres(pg.config, async (db) => {
      const { rows } = await db.execute<{ name: string }>(sql`select table_name as name from information_schema.tables where table_schema = 'public' order by 1`);
      return rows.map((r) => r.name);
    });
    expect(tables).toEqual(["billing_accounts", "ledger_postings", "plans", "rate_cards"]);
    const dataDir = (await withPostgres(pg.config, (db) => db.execute<{ dir: string }>(sql`select current_setting('data_directory') as dir`))).rows[0]!.dir;
    expect(existsSync(dataDir)).toBe(true);

    await pg.close();
    expect(await refusesConnections(portOf(new URL(pg.config.DATABASE_URL).host))).toBe(true);
    expect(await refusesConnections(portOf(pg.config.PG_WS_PROXY))).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
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
      expect(applied.rows[0]!.n).toBe(2);
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
