/**
 * Local D1 state with every migration applied, for a new persist directory. Applying the migrations is one wrangler
 * process per database, each booting its own workerd (~8 s of CPU each here): every e2e world, `npm start` and the
 * bench paid it twice. The migrated state is built once per set of migration files and wrangler config, into a
 * template beside the system's temp files, and each new persist directory starts as a copy of it.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The D1 bindings of wrangler.toml that get the migrations (DB_EU: EU accounts' call records). */
const BINDINGS = ["DB", "DB_EU"];

/**
 * Brings `persist`'s D1 databases up to date. A directory with D1 state already (a persisted `npm run dev`) gets the
 * migrations applied in place, so only new ones run; an empty one is copied from the template.
 */
export async function migrateLocalD1(root: string, persist: string): Promise<void> {
  if (existsSync(join(persist, "v3", "d1"))) return applyAll(root, persist);
  const template = await migratedTemplate(root);
  cpSync(join(template, "v3", "d1"), join(persist, "v3", "d1"), { recursive: true });
}

/** The template for the current migrations and config, built (by whichever process gets there first) if missing. */
async function migratedTemplate(root: string): Promise<string> {
  const template = join(tmpdir(), `voice-platform-d1-${fingerprint(root)}`);
  if (existsSync(template)) return template;
  // Built aside and renamed into place: a concurrent process never sees a half-migrated template.
  const building = `${template}.${process.pid}-${randomBytes(4).toString("hex")}`;
  mkdirSync(building, { recursive: true });
  try {
    await applyAll(root, building);
    renameSync(building, template);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    // Another process renamed its template first: theirs is as good.
    if (!existsSync(template)) throw error;
  }
  return template;
}

/** The migration files' names and contents and wrangler.toml (database ids name the SQLite files). */
function fingerprint(root: string): string {
  const hash = createHash("sha256").update(readFileSync(join(root, "wrangler.toml")));
  const dir = join(root, "migrations");
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  return hash.digest("hex").slice(0, 16);
}

/**
 * One binding after the other: each is a wrangler process with its own workerd on the same persist directory, and
 * two at once can find its SQLite files locked (SQLITE_BUSY, the runtime fails to start).
 */
async function applyAll(root: string, persist: string): Promise<void> {
  for (const binding of BINDINGS) await applyD1Migrations(root, persist, binding);
}

/** `wrangler d1 migrations apply <binding> --local` into `persist`; rejects with wrangler's output when it fails. */
function applyD1Migrations(root: string, persist: string, binding: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("wrangler", ["d1", "migrations", "apply", binding, "--local", "--persist-to", persist], { cwd: root, env: { ...process.env, CI: "true" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`applying D1 migrations to ${binding} failed:\n${output}`))));
  });
}
