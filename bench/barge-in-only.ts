/**
 * `node bench/barge-in-only.ts [--smoke]`: section 7 of the bench (barge-in) alone, for re-running it without the
 * rest; writes bench/results/barge-in.json and .md. `npm run bench` runs it with everything else.
 */
import { writeFileSync } from "node:fs";
import { runBargeIn } from "./barge-in.ts";
import { bargeInTargets, renderBargeIn } from "./barge-in-report.ts";
import { machine } from "./report.ts";

const BIN = new URL("../node_modules/.bin", import.meta.url).pathname;
if (!(process.env.PATH ?? "").split(":").includes(BIN)) process.env.PATH = `${BIN}:${process.env.PATH ?? ""}`;

const smoke = process.argv.includes("--smoke");
const t0 = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const m = machine();
log(`barge-in bench (${smoke ? "smoke" : "full"}): ${m.cpuModel}, ${m.cores} cores, commit ${m.commit}`);
const result = await runBargeIn(smoke ? { calls: 1, reps: 1, smoke } : { calls: 6, reps: 2 }, log);
const targets = bargeInTargets(result);
const md = [
  `# Barge-in bench (${smoke ? "smoke" : "full"})`,
  "",
  `${m.cpuModel}, ${m.cores} cores · Node ${m.node} · workerd ${m.workerd} · commit ${m.commit} · ${new Date().toISOString()}`,
  "",
  ...targets.map((t) => `- ${t.name}: goal ${t.goal}, measured ${t.measured}: ${t.met ? "met" : "**missed**"}`),
  "",
  ...renderBargeIn(result),
].join("\n");
const dir = new URL("./results/", import.meta.url).pathname;
writeFileSync(`${dir}barge-in${smoke ? "-smoke" : ""}.json`, JSON.stringify({ machine: m, result, targets }, null, 2) + "\n");
writeFileSync(`${dir}barge-in${smoke ? "-smoke" : ""}.md`, md + "\n");
console.log(`\n${md}`);
process.exit(0);
