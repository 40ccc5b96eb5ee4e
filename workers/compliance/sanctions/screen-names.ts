/**
 * Screens names (a business's legal and trade names, its owners, its representative) against sanctions lists: each
 * name is normalised (normalise-name.ts), compared with the primary names and aliases that share a blocking key
 * (sanctions-index.ts), and scored by tokenSetScore; a score at or above the threshold is a match.
 */
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { tokenSetScore } from "./jaro-winkler.ts";
import { readSanctionsIndex } from "./list-store.ts";
import { normaliseName } from "./normalise-name.ts";
import { SanctionsIndex, type IndexedEntry } from "./sanctions-index.ts";

export const DEFAULT_SCREENING_THRESHOLD = 0.9;

export interface ScreeningOptions {
  /** 0..1; default 0.90. */
  threshold?: number;
}

export interface ScreeningMatch {
  /** The screened name, as given. */
  input: string;
  entry: IndexedEntry;
  /** The primary name or alias that matched, as listed. */
  matchedName: string;
  matchedKind: "primary" | "alias";
  score: number;
}

/**
 * Screens against an index in memory, or against the current version of each list in Postgres (read into an index
 * for this screen).
 */
export async function screenNames(list: SanctionsIndex | PgDatabase, names: readonly string[], options: ScreeningOptions = {}): Promise<ScreeningMatch[]> {
  return screenIndex(list instanceof SanctionsIndex ? list : await readSanctionsIndex(list), names, options);
}

/** The matches of every name, best first; one per screened name and entry (its best-scoring name). */
export function screenIndex(index: SanctionsIndex, names: readonly string[], options: ScreeningOptions = {}): ScreeningMatch[] {
  const threshold = options.threshold ?? DEFAULT_SCREENING_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`the screening threshold must be in (0, 1], got ${threshold}`);
  const matches: ScreeningMatch[] = [];
  for (const input of names) {
    const spellings = normaliseName(input);
    const best = new Map<string, ScreeningMatch>();
    for (const candidate of index.candidates(spellings)) {
      const score = bestScore(spellings, candidate.spellings);
      if (score < threshold) continue;
      const key = `${candidate.entry.source}:${candidate.entry.entNum}`;
      const seen = best.get(key);
      if (!seen || score > seen.score) best.set(key, { input, entry: candidate.entry, matchedName: candidate.name, matchedKind: candidate.kind, score });
    }
    matches.push(...best.values());
  }
  return matches.sort((a, b) => b.score - a.score);
}

function bestScore(a: string[][], b: string[][]): number {
  let best = 0;
  for (const x of a) for (const y of b) best = Math.max(best, tokenSetScore(x, y));
  return best;
}
