/**
 * Two runs side by side, headline figures only: this run and the previous one (results/previous.json, kept when a
 * run overwrites latest.json), or a quiet run and one beside CPU busy loops (results/busy.json). Either run may be
 * from an older bench that lacked some sections or rows: those figures show as "–".
 */
import { bargeInWinner } from "./barge-in-report.ts";
import { table } from "./markdown.ts";
import { modeLabel } from "./realistic-report.ts";
import type { BenchResults, Target } from "./report.ts";
import { fmt } from "./stats.ts";

/** A results file as stored: older runs lack fields this bench writes. */
export type StoredResults = Partial<BenchResults>;

export interface Figure {
  name: string;
  value: number | undefined;
  digits: number;
  /** Shown beside the value (e.g. the lever setting a barge-in figure is for). */
  note?: string;
}

/** The figures issue 19 asks to follow from run to run (the targets table is compared apart). */
export function headlineFigures(r: StoredResults): Figure[] {
  const levels = r.turnOverhead?.levels ?? [];
  const level = (n: number) => levels.find((l) => l.concurrency === n) ?? levels.at(-1);
  const out: Figure[] = [];
  const l50 = level(50);
  const l100 = level(100);
  if (l50) {
    out.push({ name: `Overhead p50 at ${l50.concurrency} calls (ms)`, value: l50.overhead.p50, digits: 1 });
    out.push({ name: `Overhead p99 at ${l50.concurrency} calls (ms)`, value: l50.overhead.p99, digits: 1 });
  }
  if (l100) {
    out.push({ name: `Max frame lateness at ${l100.concurrency} calls (ms)`, value: l100.pacing.maxLatenessMs, digits: 1 });
    out.push({ name: `Failed calls at ${l100.concurrency} calls`, value: l100.failedCalls, digits: 0 });
  }
  for (const l of new Set([l50, l100])) if (l) out.push({ name: `workerd CPU ms per call-minute at ${l.concurrency} calls`, value: l.resources.cpuMsPerCallMinute, digits: 0 });
  for (const m of r.realistic?.modes ?? []) {
    out.push({ name: `Voice-to-voice p50, ${m.profile}, ${modeLabel(m)} (ms)`, value: m.v2v.p50, digits: 0 });
    const spec = m.usage?.speculation;
    if (spec && spec.started > 0) out.push({ name: `Speculation wasted, ${m.profile}, ${modeLabel(m)} (%)`, value: (spec.cancelled / spec.started) * 100, digits: 0 });
  }
  const barge = r.bargeIn && bargeInWinner(r.bargeIn);
  if (barge) {
    const note = `pause on speech start ${barge.duck ? "on" : "off"}`;
    out.push({ name: "Barge-in reaction p50 (ms)", value: barge.reaction.p50, digits: 0, note });
    out.push({ name: "Barge-in reaction p95 (ms)", value: barge.reaction.p95, digits: 0, note });
    out.push({ name: `False interruptions (of ${barge.backchannels} backchannels)`, value: barge.falseInterruptions, digits: 0, note });
    out.push({ name: `Missed interruptions (of ${barge.interruptions})`, value: barge.missed, digits: 0, note });
  }
  return out;
}

/** One line naming a run: its commit, date, CPU model and whether it ran beside busy loops. */
export function runLine(label: string, r: StoredResults): string {
  const m = r.machine;
  const busy = r.busyLoops ? `beside ${r.busyLoops} CPU busy loops` : "quiet";
  return `${label}: commit ${m?.commit ?? "?"} · ${r.startedAt ?? "?"} · ${m?.cpuModel ?? "?"}, ${m?.cores ?? "?"} cores · ${r.mode ?? "?"} run, ${busy}`;
}

const shown = (f: Figure | undefined) => (f?.value === undefined || !Number.isFinite(f.value) ? "–" : `${fmt(f.value, f.digits)}${f.note ? ` (${f.note})` : ""}`);

function change(a: Figure | undefined, b: Figure | undefined): string {
  if (a?.value === undefined || b?.value === undefined || !Number.isFinite(a.value) || !Number.isFinite(b.value)) return "–";
  const d = b.value - a.value;
  return `${d > 0 ? "+" : d < 0 ? "−" : "±"}${fmt(Math.abs(d), b.digits)}`;
}

/** Rows by name, `b`'s order first, then what only `a` has. */
function joinByName<T extends { name: string }>(a: T[], b: T[]): [string, T | undefined, T | undefined][] {
  const names = [...new Set([...b.map((x) => x.name), ...a.map((x) => x.name)])];
  return names.map((n) => [n, a.find((x) => x.name === n), b.find((x) => x.name === n)]);
}

const verdict = (t: Target | undefined) => (t ? `${t.measured} (${t.met ? "met" : "**missed**"})` : "–");

/** `a` is the earlier (or quiet) run, `b` this (or the busy) one; `labels` name their columns. */
export function renderSideBySide(title: string, labels: [string, string], a: StoredResults, b: StoredResults): string[] {
  return [
    `## ${title}`,
    "",
    `${runLine(labels[0], a)}.  `,
    `${runLine(labels[1], b)}.`,
    "",
    ...table(
      ["Figure", labels[0], labels[1], "Change"],
      "lrrr",
      joinByName(headlineFigures(a), headlineFigures(b)).map(([name, x, y]) => [name, shown(x), shown(y), change(x, y)]),
    ),
    ...table(
      ["Target", "Goal", labels[0], labels[1]],
      "llll",
      joinByName(a.targets ?? [], b.targets ?? []).map(([name, x, y]) => [name, (y ?? x)!.goal, verdict(x), verdict(y)]),
    ),
  ];
}
