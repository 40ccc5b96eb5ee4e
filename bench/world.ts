/**
 * The benchmark's world: the local platform (real workerd) wired to the simulators, one tenant with the benchmark
 * agent, the account's concurrent-call limit raised, a Bedrock scenario whose replies name the caller and turn (so
 * every provider message can be tied to its call and turn), and the wire tap.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { LatencyProfileName } from "../simulators/common/latency-profile.ts";
import type { CallRecording } from "../simulators/twilio/index.ts";
import { provisionTenant, type DemoTenant } from "../scripts/lib/demo-tenant.ts";
import { startLocalPlatform, type LocalPlatform } from "../scripts/lib/local-platform.ts";
import { PlatformClient } from "../scripts/lib/platform-client.ts";
import { WireTap } from "./wiretap.ts";

const HERE = new URL("./", import.meta.url).pathname;
export const BENCH_AGENT_FILE = `${HERE}fixtures/bench.agent.json`;

/** Replies that carry the caller's tag in their first clause ("Sure, caller 7 turn 2."). */
export const BENCH_SCENARIO = {
  name: "bench",
  rules: [
    {
      id: "bye",
      when: { lastUserTextMatches: "\\bbye\\b" },
      reply: { text: "Goodbye!", toolUses: [{ name: "end_call", input: { reason: "caller said goodbye" } }] },
    },
    {
      id: "tagged",
      when: { lastUserTextMatches: "caller (?<n>\\d+) turn (?<t>\\d+)" },
      reply: { text: "Sure, caller {{match.n}} turn {{match.t}}. We open at nine." },
    },
    { id: "default", reply: { text: "Sure. How else can I help you today?" } },
  ],
};

export interface World {
  platform: LocalPlatform;
  tenant: DemoTenant;
  operator: PlatformClient;
  tap: WireTap;
  close(): Promise<void>;
}

export async function startWorld(opts: { profile: LatencyProfileName; speed?: number; seed?: number; agentPatch?: Record<string, unknown>; vars?: Record<string, string> }): Promise<World> {
  // wrangler's local observability (a tail-stream trace collector writing every event to SQLite) is a dev-only cost
  // that a deployment does not pay; it more than triples workerd's CPU per call. Off unless asked for.
  process.env.X_LOCAL_OBSERVABILITY ??= "false";
  const tap = new WireTap();
  tap.install();
  const platform = await startLocalPlatform({ profile: opts.profile, speed: opts.speed ?? 1, seed: opts.seed ?? 7, vars: opts.vars });
  try {
    platform.sims.bedrock.loadScenario(BENCH_SCENARIO);
    const tenant = await provisionTenant(platform.baseUrl, platform.operatorSecret, platform.sims.twilio, BENCH_AGENT_FILE);
    const operator = PlatformClient.operator(platform.baseUrl, platform.operatorSecret);
    await operator.request("PATCH", `/v1/operator/accounts/${tenant.accountId}`, { max_concurrent_calls: 10_000 });
    if (opts.agentPatch) await patchAgent(tenant, opts.agentPatch);
    return {
      platform,
      tenant,
      operator,
      tap,
      close: async () => {
        await platform.close();
        tap.uninstall();
      },
    };
  } catch (err) {
    await platform.close();
    tap.uninstall();
    throw err;
  }
}

/** Changes the live agent's config (draft patched, then published). */
export async function patchAgent(tenant: DemoTenant, patch: Record<string, unknown>): Promise<void> {
  const agent = await tenant.api.get(`/v1/agents/${tenant.agentId}`);
  await tenant.api.request("PATCH", `/v1/agents/${tenant.agentId}`, { config: { ...agent.draft, ...patch } });
  await tenant.api.post(`/v1/agents/${tenant.agentId}/publish`);
}

/** A scripted caller: waits for the greeting, asks `turns` tagged questions (each answered), then hangs up. */
export function callerScript(callerNo: number, turns: number, opts: { words?: string; seed?: number } = {}) {
  const steps: unknown[] = [{ waitForAgent: true, waitSilenceMs: 400 }];
  for (let t = 1; t <= turns; t++) {
    steps.push({ say: `Caller ${callerNo} turn ${t}, ${opts.words ?? "hours?"}` });
    steps.push({ waitForAgent: true, waitSilenceMs: 400 });
  }
  steps.push({ hangup: true });
  return { seed: opts.seed ?? callerNo, agentTimeoutMs: 15_000, maxDurationMs: 120_000, steps };
}

export interface PlacedCall {
  callerNo: number;
  callSid: string;
  recording: CallRecording;
  /** performance.now() when the call was placed. */
  placedAt: number;
}

/** Places `n` inbound calls, spreading their starts over `spreadMs` (wall), and waits for all to end. */
export async function placeCalls(world: World, n: number, turns: number, spreadMs: number, firstCallerNo = 1, words?: string): Promise<PlacedCall[]> {
  const twilio = world.platform.sims.twilio;
  const started: Promise<PlacedCall>[] = [];
  for (let i = 0; i < n; i++) {
    const callerNo = firstCallerNo + i;
    const delay = n > 1 ? (spreadMs * i) / (n - 1) : 0;
    started.push(
      (async () => {
        await sleep(delay);
        const placedAt = performance.now();
        const handle = await twilio.startInboundCall({ to: world.tenant.number, from: `+4420718${String(callerNo).padStart(5, "0")}`, script: callerScript(callerNo, turns, { words }) });
        const recording = await withTimeout(handle.ended, 180_000, `call ${callerNo} did not end`);
        return { callerNo, callSid: handle.callSid, recording, placedAt };
      })(),
    );
  }
  return Promise.all(started);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until every call of the tenant is finalised (status callbacks and finalisation run after the media ends). */
export async function waitForFinalCalls(world: World, callSids: string[], timeoutMs = 30_000): Promise<Map<string, any>> {
  const want = new Set(callSids);
  const found = new Map<string, any>();
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const res = await world.tenant.api.get(`/v1/calls?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      for (const c of res.data) if (want.has(c.twilio_call_sid) && !["queued", "initiated", "ringing", "in-progress"].includes(c.status)) found.set(c.twilio_call_sid, c);
      cursor = res.next_cursor ?? undefined;
      if (!cursor || found.size === want.size) break;
    }
    if (found.size === want.size) break;
    await sleep(250);
  }
  return found;
}

// ---- the workerd process -------------------------------------------------------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** PIDs of `workerd` processes descended from this Node process. */
export function workerdPids(): number[] {
  const parent = new Map<number, number>();
  const name = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      name.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
      parent.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      /* exited */
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parent.get(pid), guard = 0; p !== undefined && p > 1 && guard < 64; p = parent.get(p), guard++) if (p === process.pid) return true;
    return false;
  };
  return [...name.entries()].filter(([pid, n]) => n === "workerd" && isDescendant(pid)).map(([pid]) => pid);
}

/**
 * wrangler's dev server runs two workerd processes: the Worker itself and a proxy in front of it (dev only: it
 * forwards every request and WebSocket message). The Worker is the one with connections to the simulators.
 */
export function classifyWorkerd(pids: number[], simulatorPorts: number[]): { worker: number[]; proxy: number[] } {
  const inodesWithSim = new Set<string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const remotePort = parseInt(cols[2]!.split(":")[1]!, 16);
      if (simulatorPorts.includes(remotePort)) inodesWithSim.add(cols[9]!);
    }
  }
  const worker: number[] = [];
  const proxy: number[] = [];
  for (const pid of pids) {
    let hit = false;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m && inodesWithSim.has(m[1]!)) {
            hit = true;
            break;
          }
        } catch {
          /* closed */
        }
      }
    } catch {
      /* exited */
    }
    (hit ? worker : proxy).push(pid);
  }
  return { worker, proxy };
}

export interface ProcSample {
  /** CPU time (user + system), ms. */
  cpuMs: number;
  /** Resident set size, MB. */
  rssMb: number;
}

export function procSample(pids: number[]): ProcSample {
  let cpuMs = 0;
  let rssKb = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpuMs += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return { cpuMs, rssMb: rssKb / 1024 };
}
