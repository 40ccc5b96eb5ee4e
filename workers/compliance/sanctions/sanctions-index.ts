/**
 * The names of one or more list versions, ready to screen: every primary name and alias, normalised, with blocking
 * keys so one screen scores only names that share a key with it instead of the whole list (~18k SDN entries and
 * their aliases). A token's keys are its first three letters and the first three of its consonant skeleton, so
 * "Tariq"/"Tarek" meet on "tar", "Jon"/"John" on "jn" and "Mohammed"/"Muhammad" on "mmm". Names whose every token
 * differs in both (rare at a Jaro-Winkler of 0.9) are not compared. Short particles (al, bin, de) make no keys when the
 * name has longer words, else every name with "al" would be a candidate.
 */
import { normaliseName } from "./normalise-name.ts";
import type { SanctionsEntry, SanctionsSource } from "./ofac-list.ts";

export interface IndexedEntry extends SanctionsEntry {
  source: SanctionsSource;
}

export interface IndexedName {
  entry: IndexedEntry;
  /** The name as listed. */
  name: string;
  kind: "primary" | "alias";
  /** Its spellings' tokens (normaliseName). */
  spellings: string[][];
}

export class SanctionsIndex {
  readonly names: IndexedName[] = [];
  readonly #byKey = new Map<string, number[]>();

  constructor(entries: Iterable<IndexedEntry>) {
    for (const entry of entries) {
      this.add({ entry, name: entry.name, kind: "primary", spellings: normaliseName(entry.name) });
      for (const alias of entry.aliases) this.add({ entry, name: alias.name, kind: "alias", spellings: normaliseName(alias.name) });
    }
  }

  /** Adds a name whose spellings were normalised already (read from storage). */
  add(name: IndexedName): void {
    const position = this.names.push(name) - 1;
    for (const key of blockingKeys(name.spellings)) {
      const list = this.#byKey.get(key);
      if (list) list.push(position);
      else this.#byKey.set(key, [position]);
    }
  }

  /** The indexed names sharing a blocking key with any of these spellings. */
  candidates(spellings: string[][]): IndexedName[] {
    const positions = new Set<number>();
    for (const key of blockingKeys(spellings)) for (const p of this.#byKey.get(key) ?? []) positions.add(p);
    return [...positions].map((p) => this.names[p]!);
  }
}

const PARTICLE_MAX_LENGTH = 2;
const KEY_LENGTH = 3;

function blockingKeys(spellings: string[][]): Set<string> {
  const keys = new Set<string>();
  for (const tokens of spellings) {
    const long = tokens.filter((t) => t.length > PARTICLE_MAX_LENGTH);
    for (const token of long.length > 0 ? long : tokens) {
      keys.add(token.slice(0, KEY_LENGTH));
      keys.add(`~${skeleton(token).slice(0, KEY_LENGTH)}`);
    }
    // Joined words ("alqaida" for "al qaida") must meet their split form.
    if (tokens.length > 1) keys.add(tokens.join("").slice(0, KEY_LENGTH));
  }
  return keys;
}

/** The first letter, then the consonants: the part of a name transliteration changes least. */
function skeleton(token: string): string {
  return token[0]! + token.slice(1).replace(/[aeiouyhw]/g, "");
}
