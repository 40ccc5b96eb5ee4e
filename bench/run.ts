/**
 * `npm run bench` (`node bench/run.ts [--smoke] [--busy N]`): the platform's own latency, calls per process, resource
 * cost, the audio hot path and control-plane throughput, against real workerd and the provider simulators on loopback.
 * Full run: about 15 minutes on a 2-core machine. `--smoke`: a tiny version of everything (CI), in a few minutes.
 * `--busy N`: the whole run beside N CPU busy loops (a slower CPU model), written to results/busy.{json,md}.
 */
import { runAnalyticsOnly } from "./analytics-run.ts";
import { runApiThroughput } from "./api-throughput.ts";
import { runBargeIn } from "./barge-in.ts";
import { busyArg, startBusyLoops } from "./busy-loops.ts";
import { runHotPath } from "./hot-path.ts";
import { runMediaLeversOnly } from "./media-levers-run.ts";
import { runProfileModes, TWILIO_BASELINE, type RealisticMode } from "./realistic-profile.ts";
import { machine, targets, type BenchResults } from "./report.ts";
import { writeResults } from "./results-files.ts";
import { runTurnOverhead, type LevelPlan } from "./turn-overhead.ts";
import { runWebhookBurst } from "./webhook-burst.ts";
import { startWorld } from "./world.ts";

const smoke = process.argv.includes("--smoke");
const busyLoops = busyArg(process.argv);
// `--media-levers [--calls N] [--rounds N] [--busy N] [--baseline KEY] [--levers KEY,KEY]`: section 8 alone (bench/media-levers.ts), its own result files.
if (process.argv.includes("--media-levers")) process.exit(await runMediaLeversOnly(process.argv));
// `--analytics [--smoke]`: section 9 (bench/analytics.ts), the analytics dashboard over 1M seeded calls, its own result files.
if (process.argv.includes("--analytics")) process.exit(await runAnalyticsOnly(process.argv));

// The platform harness shells out to `wrangler` for D1 migrations: make the local binary reachable when run as
// plain `node bench/run.ts` (npm run adds it already).
const BIN = new URL("../node_modules/.bin", import.meta.url).pathname;
if (!(process.env.PATH ?? "").split(":").includes(BIN)) process.env.PATH = `${BIN}:${process.env.PATH ?? ""}`;

const PLAN = smoke
  ? {
      hotPath: { reps: 1, msPerRep: 100 },
      levels: [{ concurrency: 2, reps: 1, turns: 1 }] as LevelPlan[],
      api: { reps: 1, durationMs: 500, connections: 8 },
      burst: { calls: 20, reps: 1 },
      realistic: { calls: 1, turns: 1, reps: 1 },
      bargeIn: { calls: 1, reps: 1, smoke: true },
    }
  : {
      hotPath: { reps: 5, msPerRep: 400 },
      levels: [
        { concurrency: 1, reps: 2, turns: 4 },
        { concurrency: 10, reps: 2, turns: 3 },
        { concurrency: 50, reps: 2, turns: 3 },
        { concurrency: 100, reps: 2, turns: 2 },
      ] as LevelPlan[],
      api: { reps: 3, durationMs: 2500, connections: 32 },
      burst: { calls: 500, reps: 2 },
      realistic: { calls: 5, turns: 3, reps: 2 },
      bargeIn: { calls: 6, reps: 1 },
    };

const started = new Date();
const t0 = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
// A hard stop: the bench never outlives its budget (full: 20 min, it takes ~15; smoke: 10 min, it takes ~3.5 on a
// shared 2-core machine; twice that beside busy loops, which halve the CPU the run gets), whatever hangs.
const deadline = setTimeout(
  () => {
    console.error(`bench: exceeded its time budget, stopping`);
    process.exit(2);
  },
  (smoke ? 10 : 20) * (busyLoops ? 2 : 1) * 60_000,
);
deadline.unref();

log(`bench (${smoke ? "smoke" : "full"}${busyLoops ? `, beside ${busyLoops} CPU busy loops` : ""}): ${machine().cpuModel}, ${machine().cores} cores, Node ${process.version}`);
// Started first, so every section (the hot path included) runs beside them; killed on any exit.
const busy = startBusyLoops(busyLoops);

log("3. audio hot path (in-process)…");
const hotPath = runHotPath(PLAN.hotPath);

log("1+2. per-turn overhead and resource cost (instant profile, real-time call clock)…");
const instant = await startWorld({ profile: "instant", speed: 1 });
let turnOverhead;
let api;
let webhookBurst;
try {
  turnOverhead = await runTurnOverhead(instant, PLAN.levels, log);
  log("4. control-plane API…");
  api = await runApiThroughput(instant, PLAN.api, log);
  log("6. a burst of simultaneous inbound calls to one account…");
  webhookBurst = await runWebhookBurst(instant, PLAN.burst, log);
} finally {
  await instant.close();
}

log("5. voice-to-voice with published provider figures…");
const modes: RealisticMode[] = [];
for (const [i, profile] of (["realistic", "twilio-baseline"] as const).entries()) {
  const world = await startWorld({ profile, speed: 1 });
  try {
    modes.push(...(await runProfileModes(world, profile, PLAN.realistic, 5000 + 1000 * i, log)));
  } finally {
    await world.close();
  }
}
const realistic = { modes, twilio: TWILIO_BASELINE };

log("7. barge-in: reaction, false and missed interruptions (realistic profile)…");
const bargeIn = await runBargeIn(PLAN.bargeIn, log);

busy.stop();

const partial: Omit<BenchResults, "targets"> = {
  startedAt: started.toISOString(),
  durationS: (performance.now() - t0) / 1000,
  mode: smoke ? "smoke" : "full",
  busyLoops,
  machine: machine(),
  hotPath,
  turnOverhead,
  api,
  webhookBurst,
  realistic,
  bargeIn,
};
const results: BenchResults = { ...partial, targets: targets(partial) };
const files = writeResults(results);
console.log("");
console.log(files.markdown);
console.log("");
console.log(`wrote ${files.json} and ${files.md}${files.keptAs ? `; the run they replaced is kept as ${files.keptAs}` : ""}`);
clearTimeout(deadline);
// Sockets the dev server leaves behind must not keep the process alive.
process.exit(0);
