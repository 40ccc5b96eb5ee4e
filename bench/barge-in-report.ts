/** Section 7's report: the winning lever setting, its targets, and the table (the measurement is ./barge-in.ts). */
import type { BargeInMode, BargeInResult } from "./barge-in.ts";
import type { Target } from "./report.ts";
import { fmt } from "./stats.ts";

/** The lever setting that wins: no missed or false interruptions first, then the lower reaction p50. */
export function bargeInWinner(r: BargeInResult): BargeInMode | undefined {
  const clean = (m: BargeInMode) => m.missed === 0 && m.falseInterruptions === 0;
  return [...r.modes].sort((a, b) => Number(clean(b)) - Number(clean(a)) || a.reaction.p50 - b.reaction.p50)[0];
}

export function bargeInTargets(r: BargeInResult): Target[] {
  const m = bargeInWinner(r);
  if (!m) return [];
  const lever = `pause on speech start ${m.duck ? "on" : "off"}`;
  return [
    { name: `Barge-in reaction, realistic profile (${lever})`, goal: "p50 ≤ 400 ms, p95 ≤ 700 ms", measured: `p50 ${fmt(m.reaction.p50, 0)} ms, p95 ${fmt(m.reaction.p95, 0)} ms (n ${m.reaction.n})`, met: m.reaction.p50 <= 400 && m.reaction.p95 <= 700 },
    { name: `False interruptions on backchannels (${lever})`, goal: "0", measured: `${m.falseInterruptions} of ${m.backchannels}`, met: m.falseInterruptions === 0 && m.backchannels > 0 },
    { name: `Missed interruptions (${lever})`, goal: "0", measured: `${m.missed} of ${m.interruptions}`, met: m.missed === 0 && m.interruptions > 0 },
  ];
}

export function renderBargeIn(r: BargeInResult): string[] {
  const head = ["Pause on speech start", "Calls", "Reaction n", "Reaction p50", "p95", "max", "Clear p50", "Clear p95", "Missed", "False (clear / history cut)", "Paused and resumed", "Not over the agent"];
  const rows = r.modes.map((m) => [
    m.duck ? "on" : "off",
    m.calls,
    m.reaction.n,
    fmt(m.reaction.p50, 0),
    fmt(m.reaction.p95, 0),
    fmt(m.reaction.max, 0),
    fmt(m.clear.p50, 0),
    fmt(m.clear.p95, 0),
    `${m.missed} of ${m.interruptions}`,
    `${m.falseInterruptions} of ${m.backchannels} (${m.falseInterruptions - m.extraHistoryCuts} / ${m.extraHistoryCuts})`,
    `${m.pausedAndResumed} of ${m.backchannels}`,
    m.notOverAgent,
  ]);
  const per = r.modes.map((m) => `${m.duck ? "on" : "off"}: ` + Object.entries(m.byBackchannel).map(([k, v]) => `${k} ${v.falseInterruptions}/${v.n}`).join(", "));
  return [
    "## 7. Barge-in (realistic profile, read at the Twilio simulator)",
    "",
    "Reaction = caller's first sound over the agent → the agent's audio stops at Twilio for good (a `clear` follows, no audio between). Clear = → the `clear` at Twilio. Method: bench/README.md.",
    "",
    `| ${head.join(" | ")} |`,
    `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
    "",
    `False interruptions per sound (false / spoken over the agent): ${per.join("; ")}.`,
    "",
    ...r.modes.flatMap((m) => m.notes.map((n) => `- pause ${m.duck ? "on" : "off"}, history cut: ${n}`)),
    "",
  ];
}
