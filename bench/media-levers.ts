/**
 * 7. Media levers A/B: workerd CPU per call-minute with each message-size lever off and on, in one invocation.
 * The levers are vars, read when a call starts, so each side gets its own workerd process: the baseline and one
 * lever run side by side, the same number of calls placed at the same moments, and the CPU of each process is read
 * over the same window. A machine shared with other work then loads both sides alike, and the figure to read is the
 * pair's ratio (rounds repeat every pair). Optionally beside CPU busy loops, which emulate a slower CPU. The
 * simulators of both sides run in this Node process (their share is in the table).
 */
import { startBusyLoops } from "./busy-loops.ts";
import { median } from "./stats.ts";
import { ResourceMonitor, resourceCost } from "./resource-cost.ts";
import { placeCalls, sleep, startWorld } from "./world.ts";

export interface MediaVariant {
  name: string;
  vars: { TWILIO_MEDIA_MESSAGE_MS: string; STT_AUDIO_BATCH_MS: string };
}

export const MEDIA_VARIANTS: MediaVariant[] = [
  { name: "baseline (20 ms out, 20 ms to STT)", vars: { TWILIO_MEDIA_MESSAGE_MS: "20", STT_AUDIO_BATCH_MS: "20" } },
  { name: "agent audio in 80 ms messages", vars: { TWILIO_MEDIA_MESSAGE_MS: "80", STT_AUDIO_BATCH_MS: "20" } },
  { name: "quiet caller audio to STT in 80 ms batches", vars: { TWILIO_MEDIA_MESSAGE_MS: "20", STT_AUDIO_BATCH_MS: "80" } },
  { name: "both, 40 ms", vars: { TWILIO_MEDIA_MESSAGE_MS: "40", STT_AUDIO_BATCH_MS: "40" } },
  { name: "both, 80 ms", vars: { TWILIO_MEDIA_MESSAGE_MS: "80", STT_AUDIO_BATCH_MS: "80" } },
];

export interface MediaLeverPlan {
  calls: number;
  turns: number;
  rounds: number;
  busyLoops: number;
  variants?: MediaVariant[];
}

export interface MediaLeverResult {
  name: string;
  vars: MediaVariant["vars"];
  /** workerd CPU ms per call-minute, one per round. */
  cpuMsPerCallMinute: number[];
  /** This variant's CPU over the baseline's in the same round, one per round. */
  ratioToBaseline: number[];
  medianRatio: number;
  workerCoreShare: number;
  nodeCoreShare: number;
  failedCalls: number;
  /** WebSocket messages workerd handled per second of call, median over rounds (tapped at the simulators). */
  messagesPerCallSecond: { callerIn: number; toStt: number; toTwilio: number };
}

export interface MediaLeversResult {
  calls: number;
  turns: number;
  rounds: number;
  busyLoops: number;
  simulators: "in the bench's Node process";
  variants: MediaLeverResult[];
}

export async function runMediaLevers(plan: MediaLeverPlan, log: (line: string) => void): Promise<MediaLeversResult> {
  const [baseline, ...levers] = plan.variants ?? MEDIA_VARIANTS;
  const busy = startBusyLoops(plan.busyLoops);
  const rows = [baseline!, ...levers].map((v) => ({ v, cpu: [] as number[], ratios: [] as number[], worker: [] as number[], node: [] as number[], failed: 0, msgs: [] as MediaLeverResult["messagesPerCallSecond"][] }));
  let callerNo = 20_000;
  try {
    for (let round = 0; round < plan.rounds; round++) {
      for (const [i, lever] of levers.entries()) {
        // The baseline and the lever side by side, each in its own workerd, same calls at the same moments.
        const pair = [rows[0]!, rows[i + 1]!];
        const worlds = await Promise.all(pair.map((row) => startWorld({ profile: "instant", speed: 1, vars: row.v.vars })));
        try {
          const windows = await Promise.all(
            worlds.map(async (world) => {
              const first = callerNo;
              callerNo += plan.calls + 1;
              await placeCalls(world, 1, 0, 0, first); // warm-up: compiled code, open connections
              return { world, first: first + 1 };
            }),
          );
          await sleep(500);
          const measured = await Promise.all(
            windows.map(async ({ world, first }) => {
              const sims = world.platform.sims;
              const monitor = new ResourceMonitor([sims.twilio.port, sims.deepgram.port, sims.bedrock.port], false);
              monitor.start();
              const calls = await placeCalls(world, plan.calls, plan.turns, plan.calls > 1 ? 2000 : 0, first);
              return { world, calls, window: monitor.stop() };
            }),
          );
          const costs = measured.map(({ world, calls, window }, k) => {
            const row = pair[k]!;
            const callMinutes = calls.reduce((m, c) => m + ((c.recording.endedAtMs ?? 0) - (c.recording.answeredAtMs ?? 0)) / 60_000, 0);
            const cost = resourceCost(plan.calls, callMinutes, window);
            const sids = new Set(calls.map((c) => c.callSid));
            const perCallSecond = (n: number) => n / (callMinutes * 60);
            const tap = world.tap; // every tap sees both worlds' sockets: count this world's calls only
            const twilio = [...tap.twilio.values()].filter((t) => sids.has(t.callSid));
            const msgs = {
              callerIn: perCallSecond(twilio.reduce((n, t) => n + t.mediaSent.length, 0)),
              toStt: perCallSecond(tap.listen.filter((l) => sids.has(l.callSid)).reduce((n, l) => n + l.recvAt.length, 0)),
              toTwilio: perCallSecond(twilio.reduce((n, t) => n + t.agentMedia.length, 0)),
            };
            const failed = calls.filter((c) => c.recording.turns.length < plan.turns || c.recording.errors.some((e) => e.code !== 0)).length;
            row.cpu.push(cost.cpuMsPerCallMinute);
            row.worker.push(cost.workerCoreShare);
            row.node.push(cost.nodeCoreShare);
            row.failed += failed;
            row.msgs.push(msgs);
            return cost.cpuMsPerCallMinute;
          });
          const ratio = costs[1]! / costs[0]!;
          rows[0]!.ratios.push(1);
          rows[i + 1]!.ratios.push(ratio);
          log(`  round ${round + 1}/${plan.rounds}: baseline ${costs[0]!.toFixed(0)} vs ${lever.name} ${costs[1]!.toFixed(0)} CPU-ms/call-min, ratio ${ratio.toFixed(2)}`);
        } finally {
          await Promise.all(worlds.map((w) => w.close()));
        }
      }
    }
  } finally {
    busy.stop();
  }
  return {
    calls: plan.calls,
    turns: plan.turns,
    rounds: plan.rounds,
    busyLoops: plan.busyLoops,
    simulators: "in the bench's Node process",
    variants: rows.map((row) => ({
      name: row.v.name,
      vars: row.v.vars,
      cpuMsPerCallMinute: row.cpu,
      ratioToBaseline: row.ratios,
      medianRatio: median(row.ratios),
      workerCoreShare: median(row.worker),
      nodeCoreShare: median(row.node),
      failedCalls: row.failed,
      messagesPerCallSecond: {
        callerIn: median(row.msgs.map((m) => m.callerIn)),
        toStt: median(row.msgs.map((m) => m.toStt)),
        toTwilio: median(row.msgs.map((m) => m.toTwilio)),
      },
    })),
  };
}

/** The A/B table (Markdown lines). */
export function renderMediaLevers(r: MediaLeversResult): string[] {
  const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
  return [
    `## 7. Media levers A/B (workerd CPU per call-minute; ${r.calls} calls × ${r.turns} turns per window, ${r.rounds} rounds, ${r.busyLoops} CPU busy loops beside; simulators ${r.simulators})`,
    "",
    "Each lever ran side by side with a baseline process (same calls, same window); ratios are lever / baseline per pair. The baseline row lists every pair's baseline. The machine may be shared: absolute figures drift, pairwise ratios much less.",
    "",
    "| Variant | TWILIO_MEDIA_MESSAGE_MS | STT_AUDIO_BATCH_MS | Messages/call-s in / to STT / to Twilio | CPU ms / call-min per round | Ratio per round | Median ratio | workerd core share | Simulators' core share | Failed calls |",
    "|---|---:|---:|---|---|---|---:|---:|---:|---:|",
    ...r.variants.map((v) =>
      `| ${v.name} | ${v.vars.TWILIO_MEDIA_MESSAGE_MS} | ${v.vars.STT_AUDIO_BATCH_MS} | ${v.messagesPerCallSecond.callerIn.toFixed(1)} / ${v.messagesPerCallSecond.toStt.toFixed(1)} / ${v.messagesPerCallSecond.toTwilio.toFixed(1)} | ${v.cpuMsPerCallMinute.map((c) => c.toFixed(0)).join(", ")} | ${v.ratioToBaseline.map((x) => x.toFixed(2)).join(", ")} | ${v.medianRatio.toFixed(2)} | ${pct(v.workerCoreShare)} | ${pct(v.nodeCoreShare)} | ${v.failedCalls} |`,
    ),
    "",
  ];
}
