import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const DRIZZLE_KIT = join(ROOT, "node_modules/drizzle-kit/bin.cjs");
const run = promisify(execFile);

// Each database's migrations folder and the schema drizzle-kit generates it from (drizzle.config.ts, drizzle.pg.config.ts).
const DATABASES = [
  { name: "D1", dialect: "sqlite", out: "migrations", schema: "shared/db/*schema.ts", gen: "npm run db:gen" },
  { name: "Postgres", dialect: "postgresql", out: "migrations/postgres", schema: "shared/pg/schema.ts", gen: "npm run db:pg:gen" },
];

describe.each(DATABASES)("$out matches $schema ($name)", ({ dialect, out, schema, gen }) => {
  /** drizzle-kit on a throwaway copy of the folder, so a failing check never leaves files in the repository. */
  const drizzleKit = (cwd: string, ...args: string[]) => run(process.execPath, [DRIZZLE_KIT, ...args, "--dialect", dialect, "--out", "migrations"], { cwd });
  // Only the folder's own files: D1's folder also holds the Postgres one, which is not D1's.
  const sqlFiles = async (dir: string) => (await readdir(dir, { withFileTypes: true })).filter((f) => f.isFile() && f.name.endsWith(".sql")).map((f) => f.name).sort();
  let copy: string;
  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), "migrations-drift-"));
    await cp(join(ROOT, out), join(copy, "migrations"), { recursive: true });
  });
  afterAll(() => rm(copy, { recursive: true, force: true }));

  it(`has no schema change left to generate (edit the schema, then run \`${gen}\`)`, { timeout: 30_000 }, async () => {
    const before = await readdir(join(copy, "migrations"), { recursive: true });
    const { stdout } = await drizzleKit(copy, "generate", "--schema", join(ROOT, schema));
    const generated = (await readdir(join(copy, "migrations"), { recursive: true })).filter((f) => !before.includes(f));
    const sql = await Promise.all(generated.filter((f) => f.endsWith(".sql")).map((f) => readFile(join(copy, "migrations", f), "utf8")));
    expect({ generated, sql }, `${schema} changed without a migration`).toEqual({ generated: [], sql: [] });
    expect(stdout).toContain("No schema changes");
  });

  it("lists every SQL file in drizzle's journal, in order, and drizzle-kit check finds no conflicts", { timeout: 30_000 }, async () => {
    const journal = JSON.parse(await readFile(join(ROOT, out, "meta/_journal.json"), "utf8")) as { entries: { idx: number; tag: string }[] };
    const files = await sqlFiles(join(ROOT, out));
    expect(journal.entries.map((e) => `${e.tag}.sql`)).toEqual(files);
    expect(journal.entries.map((e) => e.idx)).toEqual(files.map((_, i) => i));
    const { stdout } = await drizzleKit(copy, "check");
    expect(stdout).toContain("Everything's fine");
  });
});
