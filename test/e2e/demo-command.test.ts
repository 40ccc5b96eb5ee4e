/** The README's first command, `npm start`, as a newcomer runs it: a whole demo call, judged by the demo itself. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;

describe("npm start (the demo)", () => {
  it("runs a call with a greeting, a tool behind a filler line, a barge-in and a goodbye, and exits 0", () => {
    // The README's "< 2 min" is a deadline: past it the demo is killed, and spawnSync reports ETIMEDOUT.
    const demo = spawnSync(process.execPath, ["scripts/demo.ts"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(demo.error).toBeUndefined();
    expect(demo.stderr).toBe("");
    expect(demo.status).toBe(0);
    expect(demo.stdout).toMatch(/Call CAL-\w+: completed/);
    expect(demo.stdout).toContain("[tool] get_weather");
    expect(demo.stdout).toContain("[interrupted");
    expect(demo.stdout).toMatch(/Barge-ins: [1-9]/);
    expect(demo.stdout).toContain("caller→agent (ms)");
  }, 130_000);
});
