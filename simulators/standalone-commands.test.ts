import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

/** Each simulator started alone, as a developer would: the command prints its URL, then answers on it. */
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
});

function start(script: string, args: string[]): { child: ChildProcess; url: Promise<string>; exited: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once("exit", (code) => resolve({ code, stderr })));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout);
      if (match) resolve(match[0]);
    });
    void exited.then(({ code }) => reject(new Error(`${script} exited with ${code} before printing its URL: ${stderr}`)));
  });
  // A test that expects the command to fail awaits `exited`, not `url`: its rejection is not an error then.
  url.catch(() => {});
  return { child, url, exited };
}

describe("standalone simulator commands", () => {
  it("twilio/main.ts starts with a profile and answers its control and REST APIs", async () => {
    const { url } = start("./twilio/main.ts", ["--port", "0", "--profile", "realistic", "--account", `AC${"1".repeat(32)}:secret`]);
    const base = await url;
    expect(await (await fetch(`${base}/__control/health`)).json()).toMatchObject({ ok: true, url: base, speed: 1 });
    const unauthorised = await fetch(`${base}/2010-04-01/Accounts/AC${"1".repeat(32)}/Calls.json`);
    expect(unauthorised.status).toBe(401);
    const authorised = await fetch(`${base}/2010-04-01/Accounts/AC${"1".repeat(32)}/Calls.json`, { headers: { authorization: `Basic ${Buffer.from(`AC${"1".repeat(32)}:secret`).toString("base64")}` } });
    expect(authorised.status).toBe(200);
  }, 20_000);

  it("twilio/main.ts refuses an unknown profile", async () => {
    const { exited } = start("./twilio/main.ts", ["--port", "0", "--profile", "fast"]);
    const { code, stderr } = await exited;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/unknown profile fast/);
  }, 20_000);

  it("deepgram/serve.ts starts and answers its control API and, with auth, its REST API", async () => {
    const { url } = start("./deepgram/serve.ts", ["--port", "0", "--profile", "instant", "--api-key", "k1"]);
    const base = await url;
    expect((await fetch(`${base}/__control/stats`)).status).toBe(200);
    const speak = (key: string) =>
      fetch(`${base}/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000&container=none`, { method: "POST", headers: { authorization: `Token ${key}`, "content-type": "application/json" }, body: JSON.stringify({ text: "Hi." }) });
    expect((await speak("wrong")).status).toBe(401);
    const ok = await speak("k1");
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBeGreaterThan(0);
  }, 20_000);

  it("bedrock/cli.ts starts and answers its control API and model routes", async () => {
    const { url } = start("./bedrock/cli.ts", ["--port", "0", "--profile", "instant", "--region", "eu-west-1"]);
    const base = await url;
    expect(await (await fetch(`${base}/__control/health`)).json()).toEqual({ ok: true, region: "eu-west-1" });
    const unsigned = await fetch(`${base}/model/x/converse`, { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(403);
  }, 20_000);
});
