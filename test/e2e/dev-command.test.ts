/**
 * The README's `npm run dev` and `npm run call`, run as a newcomer would: the Worker and all three simulators come
 * up with one command, the seeded tenant's number rings through the Twilio simulator, whose signed webhook the
 * Worker accepts; a forged one it refuses. Ports and state go to a temporary place so a developer's own
 * `npm run dev` is left alone.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../simulators/common/free-port.ts";
import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import type { DevState } from "../../scripts/lib/dev-state.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "dev-command-"));
// The kept Postgres cluster lives in here, and run as root Postgres runs as a `postgres` user that must reach it.
chmodSync(dir, 0o755);
let env: NodeJS.ProcessEnv;
let dev: ChildProcess;
let output = "";

function run(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  env = { ...process.env, DEV_PORT: String(ports[0]), DEV_SIM_PORTS: ports.slice(1).join(","), DEV_STATE_DIR: dir, DEV_VARS_FILE: join(dir, ".dev.vars") };
  dev = spawn(process.execPath, [join(ROOT, "scripts/dev.ts"), "--instant"], { cwd: ROOT, env });
  dev.stdout!.on("data", (d) => (output += d));
  dev.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 170_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes("Ctrl-C stops everything.")) (clearInterval(timer), resolve());
      else if (dev.exitCode !== null || Date.now() > deadline) (clearInterval(timer), reject(new Error(`npm run dev did not come up (exit ${dev.exitCode}):\n${output}`)));
    }, 100);
  });
}, 180_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    dev.kill("SIGTERM");
    await new Promise((resolve) => dev.once("exit", resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

const state = (): DevState => JSON.parse(readFileSync(join(dir, "dev-platform.json"), "utf8"));

describe("npm run dev", () => {
  it("generates local secrets, seeds a tenant and prints how to use it", () => {
    const vars = readFileSync(join(dir, ".dev.vars"), "utf8");
    expect(vars).toMatch(/^ENCRYPTION_KEY=dev:[A-Za-z0-9+/]{43}=$/m);
    expect(vars).toMatch(/^OPERATOR_SECRET=[0-9a-f]{32}$/m);
    expect(statSync(join(dir, ".dev.vars")).mode & 0o777).toBe(0o600);
    const s = state();
    expect(s.baseUrl).toBe(`http://127.0.0.1:${env.DEV_PORT}`);
    expect(s.apiKey).toMatch(/^ayb_live_/);
    expect(output).toContain(`API key: ${s.apiKey}`);
    expect(output).toContain(`npm run call -- --agent ${s.agentId}`);
  });

  it("prints the demo owner's console invitation from the local email outbox", async () => {
    await expect.poll(() => output, { timeout: 10_000 }).toMatch(new RegExp(`✉  to owner@acme\\.example: .*\\n.*http://127\\.0\\.0\\.1:${env.DEV_PORT}/console/accept-invite#token=[\\w-]{43}`));
  });

  it("rings the seeded number through the Twilio simulator: a signed webhook, a whole call, a latency table", async () => {
    const call = await run("scripts/call.ts", ["--script", "test/e2e/fixtures/short-call.caller.yaml"]);
    expect(call.stderr).toBe("");
    expect(call.code).toBe(0);
    expect(call.stdout).toContain("Caller: Thanks. What are your opening hours?");
    expect(call.stdout).toContain("Agent:  You're welcome. Have a great day, goodbye!");
    expect(call.stdout).toContain("caller→agent (ms)");
    // The simulator's own record of the voice webhook: answered 200, i.e. the Worker accepted its signature.
    const callSid = /Twilio (CA[0-9a-f]{32})/.exec(call.stdout)![1];
    const sim = await (await fetch(`${state().twilioSimulatorUrl}/__control/calls/${callSid}`)).json();
    expect(sim.webhooks.find((w: { kind: string }) => w.kind === "voice")).toMatchObject({ status: 200 });
    // The tenant's side: the local receiver npm run dev registered prints the call's end, its signature verified.
    const callId = /(CAL-[0-9A-Z]{14})/.exec(call.stdout)?.[1];
    const ended = new RegExp(`webhook  call\\.ended\\s+signature verified .*"call_id":"${callId}"`);
    const deadline = Date.now() + 30_000;
    while (!ended.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(output).toMatch(ended);
    // And npm run call shows it from the delivery log: delivered, which the local receiver answers only once verified.
    expect(call.stdout).toMatch(new RegExp(`Webhook call\\.ended → WHE-\\w+: delivered, receiver verified its signature \\(204\\)\\n  \\{"call_id":"${callId}"`));
    // The demo agent has no analysis config: its summary (on by default) comes as call.analyzed, verified by the receiver.
    await expect.poll(() => output, { timeout: 10_000 }).toMatch(new RegExp(`webhook  call\\.analyzed\\s+signature verified .*"call_id":"${callId}".*"status":"succeeded".*"summary":"Thanks\\.`));
    expect(call.stdout).toMatch(new RegExp(`Webhook call\\.analyzed → WHE-\\w+: delivered, receiver verified its signature \\(204\\)\\n  \\{"call_id":"${callId}"`));
  }, 90_000);

  it("refuses a voice webhook whose signature does not match, and one signed with another token", async () => {
    const s = state();
    const url = `${s.baseUrl}/twilio/voice`;
    const params = { AccountSid: s.twilioAccountSid, CallSid: `CA${"0".repeat(32)}`, From: "+12125550147", To: s.number, CallStatus: "ringing", Direction: "inbound" };
    const post = (signature: string) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, body: new URLSearchParams(params) });
    expect((await post("bm90IGEgc2lnbmF0dXJl")).status).toBe(403);
    expect((await post(await computeTwilioSignature("not-the-auth-token", url, params))).status).toBe(403);
  });

  // The README's "Getting an API key and a first agent" block, run with curl as printed (only the host and the
  // placeholders it asks the reader to fill in are substituted).
  it.runIf(spawnSync("curl", ["--version"]).status === 0)("follows the README's curl walkthrough: an account and its key, an agent, published", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = /## Getting an API key[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const commands: string[] = [];
    let current: string | null = null;
    for (const line of block.split("\n")) {
      if (current === null && !line.startsWith("curl ")) continue;
      current = current === null ? line : `${current}\n${line}`;
      const open = (current.match(/'/g) ?? []).length % 2 === 1;
      if (!open && !line.endsWith("\\")) (commands.push(current), (current = null));
    }
    expect(commands).toHaveLength(3);
    const s = state();
    const vars: Record<string, string> = { OPERATOR_SECRET: /^OPERATOR_SECRET=(.*)$/m.exec(readFileSync(join(dir, ".dev.vars"), "utf8"))![1]! };
    const curl = (command: string) => {
      const out = spawnSync("bash", ["-c", command.replaceAll("localhost:8787", new URL(s.baseUrl).host)], { env: { ...process.env, ...vars }, encoding: "utf8" });
      expect(out.status).toBe(0);
      return JSON.parse(out.stdout);
    };
    const account = curl(commands[0]!);
    expect(account.api_key.key).toMatch(/^ayb_live_/);
    vars.KEY = account.api_key.key;
    const agent = curl(commands[1]!);
    expect(agent.id).toMatch(/^AGT-/);
    const published = curl(commands[2]!.replace("AGT-…", agent.id));
    expect(published).toMatchObject({ version: 1 });
  });

  it("fails the call CLI with a message that says what to fix", async () => {
    const noScript = await run("scripts/call.ts", []);
    expect(noScript.code).toBe(1);
    expect(noScript.stderr).toContain("--script <file> is required");
    const malformed = await run("scripts/call.ts", ["--agent", "nope", "--script", "test/e2e/fixtures/short-call.caller.yaml"]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain("agent_id: not a valid agent id");
    const unknownAgent = await run("scripts/call.ts", ["--agent", "AGT-2345678923", "--script", "test/e2e/fixtures/short-call.caller.yaml"]);
    expect(unknownAgent.code).toBe(1);
    expect(unknownAgent.stderr).toContain("agent AGT-2345678923 has no active number");
  });
});
