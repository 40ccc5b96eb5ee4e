/**
 * `node bench/run.ts --media-levers [--calls N] [--turns N] [--rounds N] [--busy N] [--baseline KEY] [--levers KEY,KEY]`:
 * section 8 alone, written to results/media-levers.{json,md}, or with --levers to results/media-levers-<levers>.{json,md}
 * (so a run of one lever keeps the message-size levers' figures). Keys are bench/media-levers.ts's MEDIA_VARIANTS'.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { machine } from "./report.ts";
import { renderMediaLevers, runMediaLevers, selectVariants } from "./media-levers.ts";

const HERE = new URL("./", import.meta.url).pathname;

export async function runMediaLeversOnly(argv: string[]): Promise<number> {
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && Number.isFinite(Number(argv[i + 1])) ? Number(argv[i + 1]) : fallback;
  };
  const BIN = new URL("../node_modules/.bin", import.meta.url).pathname;
  if (!(process.env.PATH ?? "").split(":").includes(BIN)) process.env.PATH = `${BIN}:${process.env.PATH ?? ""}`;
  const t0 = performance.now();
  const log = (line: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
  const text = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const levers = text("levers")?.split(",");
  const variants = selectVariants(text("baseline"), levers);
  const stem = levers ? `media-levers-${levers.join("+")}` : "media-levers";
  const plan = { calls: arg("calls", 20), turns: arg("turns", 3), rounds: arg("rounds", 2), busyLoops: arg("busy", 0), variants };
  const m = machine();
  log(`8. media levers A/B (${variants[0]!.key} against ${variants.slice(1).map((v) => v.key).join(", ")}): ${plan.calls} calls × ${plan.turns} turns, ${plan.rounds} rounds, ${plan.busyLoops} busy loops; ${m.cpuModel}, ${m.cores} cores`);
  const result = await runMediaLevers(plan, log);
  const startedAt = new Date().toISOString();
  const header = `${m.cpuModel}, ${m.cores} cores · Node ${m.node} · workerd ${m.workerd} · commit ${m.commit} · ${startedAt} · ${((performance.now() - t0) / 1000).toFixed(0)} s`;
  const md = [`# Media levers (bench section 8)`, "", header, "", ...renderMediaLevers(result)].join("\n");
  mkdirSync(`${HERE}results`, { recursive: true });
  writeFileSync(`${HERE}results/${stem}.json`, JSON.stringify({ startedAt, machine: m, ...result }, null, 2) + "\n");
  writeFileSync(`${HERE}results/${stem}.md`, md + "\n");
  console.log(md);
  return 0;
}
