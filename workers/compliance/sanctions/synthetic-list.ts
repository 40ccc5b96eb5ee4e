/**
 * A made-up list as large as OFAC's for sizing the screen (tests, timing): individuals "SURNAME, Given Middle" and
 * entities "WORD WORD TRADING LLC" built from random syllables, half of them with an alias. Deterministic for a seed.
 */
import type { IndexedEntry } from "./sanctions-index.ts";

const ONSETS = ["b", "ch", "d", "f", "g", "h", "j", "k", "kh", "l", "m", "n", "p", "r", "s", "sh", "t", "v", "y", "z", "al", "ab", "", ""];
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ee"];
const CODAS = ["", "", "n", "r", "d", "m", "v", "s", "l", "k"];
const SECTORS = ["TRADING", "SHIPPING", "HOLDING", "EXCHANGE", "INDUSTRIAL", "PETROLEUM", "GENERAL", "MARINE"];
const FORMS = ["LLC", "LTD", "CO.", "GMBH", "S.A.", "JSC", ""];

export function syntheticEntries(count: number, seed = 1): IndexedEntry[] {
  let state = seed;
  // mulberry32: a tiny deterministic generator.
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const word = () => {
    let w = "";
    for (let syllables = 2 + Math.floor(random() * 2); syllables > 0; syllables--) w += pick(ONSETS) + pick(VOWELS) + pick(CODAS);
    return w.toUpperCase();
  };
  const personName = () => `${word()}, ${word()[0]}${word().slice(1).toLowerCase()} ${word()[0]}${word().slice(1).toLowerCase()}`;
  const entityName = () => `${word()} ${word()} ${pick(SECTORS)} ${pick(FORMS)}`.trim();
  const entries: IndexedEntry[] = [];
  for (let i = 0; i < count; i++) {
    const individual = random() < 0.6;
    const name = individual ? personName() : entityName();
    const aliases = random() < 0.5 ? [{ altNum: i, type: "aka", name: individual ? personName() : entityName(), remarks: null }] : [];
    entries.push({ source: "sdn", entNum: i, name, type: individual ? "individual" : null, programs: ["SDGT"], title: null, remarks: null, aliases, addresses: [] });
  }
  return entries;
}
