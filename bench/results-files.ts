/**
 * Where a run's results go, and what it is shown beside. A quiet full run writes results/latest.{json,md}, a full run
 * beside busy loops results/busy.{json,md}, a smoke run results/smoke.{json,md} (not committed). A full run first
 * keeps the file it overwrites (latest → previous, busy → busy-previous) and reports side by side with it; a quiet
 * and a busy run each show the other, when it exists.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { StoredResults } from "./compare.ts";
import { renderMarkdown, type BenchResults } from "./report.ts";

const DIR = new URL("./results/", import.meta.url).pathname;

export type ResultsName = "latest" | "busy" | "smoke";

export const resultsName = (r: Pick<BenchResults, "mode" | "busyLoops">): ResultsName => (r.mode === "smoke" ? "smoke" : r.busyLoops ? "busy" : "latest");

const KEPT_AS: Record<ResultsName, string | undefined> = { latest: "previous", busy: "busy-previous", smoke: undefined };

/** A stored run, or undefined when there is none (or it is not JSON). */
export function readResults(name: string, dir = DIR): StoredResults | undefined {
  try {
    return JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as StoredResults;
  } catch {
    return undefined;
  }
}

export interface Written {
  json: string;
  md: string;
  markdown: string;
  /** Where the overwritten run was kept, if there was one. */
  keptAs?: string;
}

export function writeResults(r: BenchResults, dir = DIR): Written {
  mkdirSync(dir, { recursive: true });
  const name = resultsName(r);
  const json = `${dir}${name}.json`;
  const md = `${dir}${name}.md`;
  const previous = readResults(name, dir);
  const keep = KEPT_AS[name];
  if (previous && keep) {
    copyFileSync(json, `${dir}${keep}.json`);
    if (existsSync(md)) copyFileSync(md, `${dir}${keep}.md`);
  }
  const counterpart = name === "latest" ? readResults("busy", dir) : name === "busy" ? readResults("latest", dir) : undefined;
  const markdown = renderMarkdown(r, { previous, quiet: name === "busy" ? counterpart : undefined, busy: name === "latest" ? counterpart : undefined });
  writeFileSync(json, JSON.stringify(r, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : typeof v === "number" ? Math.round(v * 1000) / 1000 : v), 2) + "\n");
  writeFileSync(md, markdown + "\n");
  return { json, md, markdown, ...(previous && keep ? { keptAs: `${dir}${keep}.{json,md}` } : {}) };
}
