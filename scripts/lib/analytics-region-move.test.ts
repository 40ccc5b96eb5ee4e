import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withPostgresPools, type PgDatabase } from "../../shared/pg/client.ts";
import { billingAccounts, callFacts, callRollups, callRollupsDaily, turnFacts } from "../../shared/pg/schema.ts";
import { seedFactsIn, type SeededCall } from "../../workers/analytics/facts-seeding.ts";
import { startLocalPostgres, type LocalPostgres } from "./local-postgres.ts";

const EU_ACCOUNT = "AYB-EU-MOVED";
const US_ACCOUNT = "AYB-US-STAYS";
// Seeded straight into the EU database with all of EU_ACCOUNT's calls: what its rollups must be after the move.
const REFERENCE = "AYB-EU-REFERENCE";
const ZONE = "Europe/Berlin";

// Before the split: EU calls (one from before call ids carried the region), across a Berlin midnight.
const globalEuCalls: SeededCall[] = [
  { callId: "CAL-EU-AAAAAAAAAAAAAA", startedAt: "2026-11-30T22:30:00Z", v2v: [700, 900], stt: [150, 170], succeeded: true, costMinor: 12 },
  { callId: "CAL-EU-BBBBBBBBBBBBBB", startedAt: "2026-12-01T09:10:00Z", v2v: [1200], direction: "outbound", endReason: "agent_hangup", succeeded: false },
  { callId: "CAL-OLDERCCCCCCCCCC", startedAt: "2026-11-29T12:00:00Z", v2v: [800] },
];
// After the split, recorded in the EU database already.
const liveEuCall: SeededCall = { callId: "CAL-EU-DDDDDDDDDDDDDD", startedAt: "2026-12-01T09:40:00Z", v2v: [650, 720, 810], costMinor: 30 };
const usCalls: SeededCall[] = [{ callId: "CAL-USEEEEEEEEEEEE", startedAt: "2026-12-01T09:00:00Z", v2v: [900] }];

const run = promisify(execFile);
const ROOT = new URL("../../", import.meta.url).pathname;

describe("npm run analytics:move-region", { timeout: 60_000 }, () => {
  let pg: LocalPostgres;
  beforeAll(async () => {
    pg = await startLocalPostgres();
    await databases(async (global, eu) => {
      await global.insert(billingAccounts).values(
        [EU_ACCOUNT, REFERENCE].map((accountId) => ({ accountId, planId: "payg", currency: "EUR" as const, timeZone: ZONE })),
      );
      await seedFactsIn(global, global, EU_ACCOUNT, globalEuCalls);
      await seedFactsIn(global, global, US_ACCOUNT, usCalls);
      await seedFactsIn(eu, global, EU_ACCOUNT, [liveEuCall]);
      await seedFactsIn(eu, global, REFERENCE, [...globalEuCalls, liveEuCall]);
      // A partial earlier run copied one call (facts only) before it stopped.
      const [copied] = await global.select().from(callFacts).where(eq(callFacts.callId, "CAL-OLDERCCCCCCCCCC"));
      await eu.insert(callFacts).values(copied!);
    });
  });
  afterAll(() => pg?.close());

  const databases = <T>(use: (global: PgDatabase, eu: PgDatabase) => Promise<T>) =>
    withPostgresPools((open) => use(open(pg.config), open({ ...pg.config, DATABASE_URL: pg.config.DATABASE_URL_EU })));
  const move = async (...args: string[]) => moveWith({ DATABASE_URL_EU: pg.config.DATABASE_URL_EU }, ...args);
  const moveWith = async (urls: { DATABASE_URL_EU: string }, ...args: string[]) => {
    const env = { ...process.env, DATABASE_URL: pg.config.DATABASE_URL, ...urls, PG_WS_PROXY: pg.config.PG_WS_PROXY };
    const { stdout } = await run(process.execPath, ["scripts/analytics-move-region.ts", ...args], { cwd: ROOT, env });
    return stdout;
  };
  /** Every analytics row of an account, its id left out, in one order. */
  const rowsOf = async (db: PgDatabase, accountId: string) => {
    const all = async <R extends { accountId: string }>(rows: Promise<R[]>) => (await rows).map(({ accountId: _, ...row }) => JSON.stringify(row)).sort();
    return {
      calls: await all(db.select().from(callFacts).where(eq(callFacts.accountId, accountId)).orderBy(asc(callFacts.callId))),
      turns: await all(db.select().from(turnFacts).where(eq(turnFacts.accountId, accountId))),
      hourly: await all(db.select().from(callRollups).where(eq(callRollups.accountId, accountId))),
      daily: await all(db.select().from(callRollupsDaily).where(eq(callRollupsDaily.accountId, accountId))),
    };
  };
  const everything = () =>
    databases(async (global, eu) => ({
      global: { eu: await rowsOf(global, EU_ACCOUNT), us: await rowsOf(global, US_ACCOUNT) },
      eu: { eu: await rowsOf(eu, EU_ACCOUNT), us: await rowsOf(eu, US_ACCOUNT) },
    }));

  it("moves an EU account's facts to the EU database with rollups rebuilt there from all its facts, leaves US accounts alone, and changes nothing on a re-run or a dry run", async () => {
    const before = await everything();
    expect(before.global.eu.calls).toHaveLength(3);
    expect(before.global.eu.hourly.length).toBeGreaterThan(0);

    // Without an EU database, or with the global one named as it, nothing is read or written.
    await expect(moveWith({ DATABASE_URL_EU: "" })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("set DATABASE_URL and DATABASE_URL_EU") });
    await expect(moveWith({ DATABASE_URL_EU: pg.config.DATABASE_URL })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("name the same database") });

    const dry = await move("--dry-run");
    expect(dry).toContain(`${EU_ACCOUNT}: would move 3 call(s) and 8 turn(s)`);
    expect(dry).not.toContain(US_ACCOUNT);
    expect(await everything()).toEqual(before);

    const moved = await move();
    expect(moved).toContain(`${EU_ACCOUNT}: moved 3 call(s) and 8 turn(s) to the EU database`);
    expect(moved).toContain(`days in ${ZONE}`);
    expect(moved).not.toContain(US_ACCOUNT);

    const after = await everything();
    // In the EU database only: its calls as they were, their turns, and rollups equal to those of the same calls recorded there.
    expect(after.global.eu).toEqual({ calls: [], turns: [], hourly: [], daily: [] });
    expect(after.eu.eu.calls).toEqual([...new Set([...before.global.eu.calls, ...before.eu.eu.calls])].sort());
    expect(after.eu.eu.calls).toHaveLength(4);
    const { calls: _, ...reference } = await databases((_, eu) => rowsOf(eu, REFERENCE));
    expect({ turns: after.eu.eu.turns, hourly: after.eu.eu.hourly, daily: after.eu.eu.daily }).toEqual(reference);
    expect(after.eu.eu.daily.every((row) => JSON.parse(row).timeZone === ZONE)).toBe(true);
    // The US account's rows are where they were, as they were.
    expect(after.global.us).toEqual(before.global.us);
    expect(after.eu.us).toEqual({ calls: [], turns: [], hourly: [], daily: [] });

    expect(await move()).toContain("No EU account's analytics left in the global database.");
    expect(await move("--account", EU_ACCOUNT)).toContain(`${EU_ACCOUNT}: moved 0 call(s) and 0 turn(s)`);
    expect(await everything()).toEqual(after);
  });
});
