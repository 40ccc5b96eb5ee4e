import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

/** Every relative import of the TypeScript files under `dir`: the importing file, the target's top folder, and whether it imports only types. */
async function importsUnder(dir: string) {
  const files = (await readdir(join(ROOT, dir), { recursive: true })).filter((f) => f.endsWith(".ts"));
  const found: { file: string; target: string; typeOnly: boolean; reexport: boolean }[] = [];
  for (const f of files) {
    const file = join(dir, f);
    const text = await readFile(join(ROOT, file), "utf8");
    for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+["'](\.[^"']+)["']/gms)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), m[3]!)).split("/")[0]!;
      found.push({ file, target, typeOnly: !!m[2], reexport: m[1] === "export" });
    }
  }
  return found;
}

describe("layering: what both the Worker and the objects need lives in shared/", () => {
  it("durable-objects/ never imports workers/", async () => {
    expect((await importsUnder("durable-objects")).filter((i) => i.target === "workers")).toEqual([]);
  });

  it("workers/ imports only types from durable-objects/ (workers/index.ts re-exports the classes)", async () => {
    const values = (await importsUnder("workers")).filter((i) => i.target === "durable-objects" && !i.typeOnly && !(i.file === "workers/index.ts" && i.reexport));
    expect(values).toEqual([]);
  });

  it("shared/ imports neither", async () => {
    expect((await importsUnder("shared")).filter((i) => (i.target === "workers" || i.target === "durable-objects") && !i.typeOnly)).toEqual([]);
  });
});
