/**
 * 8. Media levers A/B: workerd CPU per call-minute with each message-size lever off and on, in one invocation.
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
  /** Short name for `--baseline` and `--levers`. */
  key: string;
  name: string;
  /** Worker vars of this side (each lever is a var, read when a call starts). */
  vars: Record<string, string>;
}

/** The shipped settings (wrangler.toml): 80 ms agent messages, 80 ms quiet batches, hibernatable caller socket. */
const DEFAULTS = { TWILIO_MEDIA_MESSAGE_MS: "80", STT_AUDIO_BATCH_MS: "80", TWILIO_SOCKET_HIBERNATION: "on" };

export const MEDIA_VARIANTS: MediaVariant[] = [
  { key: "20ms", name: "baseline (20 ms out, 20 ms to STT)", vars: { ...DEFAULTS, TWILIO_MEDIA_MESSAGE_MS: "20", STT_AUDIO_BATCH_MS: "20" } },
  { key: "agent-80", name: "agent audio in 80 ms messages", vars: { ...DEFAULTS, STT_AUDIO_BATCH_MS: "20" } },
  { key: "stt-80", name: "quiet caller audio to STT in 80 ms batches", vars: { ...DEFAULTS, TWILIO_MEDIA_MESSAGE_MS: "20" } },
  { key: "both-40", name: "both, 40 ms", vars: { ...DEFAULTS, TWILIO_MEDIA_MESSAGE_MS: "40", STT_AUDIO_BATCH_MS: "40" } },
  { key: "defaults", name: "both, 80 ms (the defaults)", vars: DEFAULTS },
  { key: "standard-socket", name: "defaults, caller socket not hibernatable", vars: { ...DEFAULTS, TWILIO_SOCKET_HIBERNATION: "off" } },
];

/**
 * The pairs to run: `baseline` against each of `levers` (keys of MEDIA_VARIANTS; default: the 20 ms baseline
 * against the message-size levers, as first measured).
 */
export function selectVariants(baseline = "20ms", levers?: string[]): MediaVariant[] {
  const byKey = (key: string) => {
    const v = MEDIA_VARIANTS.find((m) => m.key === key);
    if (!v) throw new Error(`unknown media lever "${key}" (known: ${MEDIA_VARIANTS.map((m) => m.key).join(", ")})`);
    return v;
  };
  const chosen = levers ?? ["agent-80", "stt-80", "both-40", "defaults"];
  return [byKey(baseline), ...chosen.map(byKey)];
}

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
  /** WebSocket messages workerd handled per second of call, by kind, median over rounds (tapped at the simulators). */
  messagesPerCallSecond: MessageRates;
  /** Deepgram TTS audio: messages per second of synthesised speech, and bytes per message (median over rounds). */
  ttsAudio: { messagesPerSpeechSecond: number; bytesPerMessage: number };
}

/** Per call-second: Twilio caller media in, audio to STT, STT's messages back, TTS audio in, media and marks/clears to Twilio. */
export interface MessageRates {
  callerIn: number;
  toStt: number;
  fromStt: number;
  fromTts: number;
  toTwilio: number;
  toTwilioControl: number;
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
  const [baseline, ...levers] = plan.variants ?? selectVariants();
  const busy = startBusyLoops(plan.busyLoops);
  const rows = [baseline!, ...levers].map((v) => ({ v, cpu: [] as number[], ratios: [] as number[], worker: [] as number[], node: [] as number[], failed: 0, msgs: [] as MessageRates[], tts: [] as MediaLeverResult["ttsAudio"][] }));
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
              // Speak sockets carry no call sid: those opened from here on, on this world's Deepgram simulator, are its calls'.
              const speakFrom = world.tap.speak.length;
              const calls = await placeCalls(world, plan.calls, plan.turns, plan.calls > 1 ? 2000 : 0, first);
              return { world, calls, window: monitor.stop(), speakFrom };
            }),
          );
          const costs = measured.map(({ world, calls, window, speakFrom }, k) => {
            const row = pair[k]!;
            const callMinutes = calls.reduce((m, c) => m + ((c.recording.endedAtMs ?? 0) - (c.recording.answeredAtMs ?? 0)) / 60_000, 0);
            const cost = resourceCost(plan.calls, callMinutes, window);
            const sids = new Set(calls.map((c) => c.callSid));
            const perCallSecond = (n: number) => n / (callMinutes * 60);
            const tap = world.tap; // every tap sees both worlds' sockets: count this world's calls only
            const twilio = [...tap.twilio.values()].filter((t) => sids.has(t.callSid));
            const listen = tap.listen.filter((l) => sids.has(l.callSid));
            const speak = tap.speak.slice(speakFrom).filter((s) => s.port === world.platform.sims.deepgram.port);
            const ttsMessages = speak.reduce((n, s) => n + s.audioSent.length, 0);
            const ttsBytes = speak.reduce((n, s) => n + s.audioBytes, 0);
            const msgs: MessageRates = {
              callerIn: perCallSecond(twilio.reduce((n, t) => n + t.mediaSent.length, 0)),
              toStt: perCallSecond(listen.reduce((n, l) => n + l.recvAt.length, 0)),
              fromStt: perCallSecond(listen.reduce((n, l) => n + l.sent, 0)),
              fromTts: perCallSecond(ttsMessages),
              toTwilio: perCallSecond(twilio.reduce((n, t) => n + t.agentMedia.length, 0)),
              toTwilioControl: perCallSecond(twilio.reduce((n, t) => n + t.agentControl, 0)),
            };
            row.tts.push({ messagesPerSpeechSecond: ttsBytes > 0 ? ttsMessages / (ttsBytes / 8000) : 0, bytesPerMessage: ttsMessages > 0 ? ttsBytes / ttsMessages : 0 });
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
      messagesPerCallSecond: Object.fromEntries(MESSAGE_KINDS.map((k) => [k, median(row.msgs.map((m) => m[k]))])) as unknown as MessageRates,
      ttsAudio: { messagesPerSpeechSecond: median(row.tts.map((t) => t.messagesPerSpeechSecond)), bytesPerMessage: median(row.tts.map((t) => t.bytesPerMessage)) },
    })),
  };
}

const MESSAGE_KINDS = ["callerIn", "toStt", "fromStt", "fromTts", "toTwilio", "toTwilioControl"] as const;

/** The A/B table (Markdown lines). */
export function renderMediaLevers(r: MediaLeversResult): string[] {
  const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
  return [
    `## 8. Media levers A/B (workerd CPU per call-minute; ${r.calls} calls × ${r.turns} turns per window, ${r.rounds} rounds, ${r.busyLoops} CPU busy loops beside; simulators ${r.simulators})`,
    "",
    "Each lever ran side by side with a baseline process (same calls, same window); ratios are lever / baseline per pair. The baseline row lists every pair's baseline. The machine may be shared: absolute figures drift, pairwise ratios much less.",
    "",
    "Messages per call-second, by kind: Twilio caller media in / audio to STT / STT's messages back / TTS audio in / media to Twilio / marks and clears to Twilio. TTS audio: messages per second of synthesised speech, bytes each.",
    "",
    "| Variant | Vars | Messages/call-s in / to STT / from STT / from TTS / to Twilio / marks | TTS audio msgs per speech-s, bytes | CPU ms / call-min per round | Ratio per round | Median ratio | workerd core share | Simulators' core share | Failed calls |",
    "|---|---|---|---|---|---|---:|---:|---:|---:|",
    ...r.variants.map((v) =>
      `| ${v.name} | ${Object.entries(v.vars).map(([k, x]) => `${k}=${x}`).join(" ")} | ${MESSAGE_KINDS.map((k) => v.messagesPerCallSecond[k].toFixed(1)).join(" / ")} | ${v.ttsAudio.messagesPerSpeechSecond.toFixed(1)}, ${v.ttsAudio.bytesPerMessage.toFixed(0)} | ${v.cpuMsPerCallMinute.map((c) => c.toFixed(0)).join(", ")} | ${v.ratioToBaseline.map((x) => x.toFixed(2)).join(", ")} | ${v.medianRatio.toFixed(2)} | ${pct(v.workerCoreShare)} | ${pct(v.nodeCoreShare)} | ${v.failedCalls} |`,
    ),
    "",
  ];
}
