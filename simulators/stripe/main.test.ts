import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

let child: ChildProcess | undefined;
afterEach(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
});

describe("stripe/main.ts", () => {
  it("starts alone, prints its URL and webhook secret, and answers the API with the given key", async () => {
    child = spawn(process.execPath, [fileURLToPath(new URL("./main.ts", import.meta.url)), "--port", "0", "--api-key", "sk_test_cli", "--webhook", "http://127.0.0.1:9/hook=whsec_cli"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    const base = await new Promise<string>((resolve, reject) => {
      child!.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout);
        if (match && stdout.includes("whsec_cli")) resolve(match[0]);
      });
      child!.once("exit", (code) => reject(new Error(`main.ts exited with ${code}`)));
    });
    expect(await (await fetch(`${base}/__control/health`)).json()).toMatchObject({ ok: true, url: base });
    expect((await fetch(`${base}/v1/events`, { headers: { authorization: "Bearer sk_test_other" } })).status).toBe(401);
    const listed = await fetch(`${base}/v1/events?limit=1`, { headers: { authorization: "Bearer sk_test_cli" } });
    expect(await listed.json()).toEqual({ object: "list", data: [], has_more: false, url: "/v1/events" });
  }, 20_000);
});
