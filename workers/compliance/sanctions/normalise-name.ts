/**
 * Names are compared as lists of tokens: lower case, without diacritics or punctuation, without corporate forms
 * ("Acme Trading LLC" and "ACME TRADING" are one name). Token order is left to the scorer, which matches tokens as
 * a set. A name with German umlauts has two spellings ("Müller" is written "Muller" and "Mueller"): both are kept.
 */

/** Letters NFKD does not decompose into a base letter plus a mark. */
const LETTERS: Record<string, string> = { ß: "ss", ø: "o", æ: "ae", œ: "oe", ł: "l", đ: "d", ð: "d", þ: "th", ı: "i", ħ: "h" };
const GERMAN: Record<string, string> = { ä: "ae", ö: "oe", ü: "ue" };

/** Legal forms, as tokens after punctuation is gone ("L.L.C." is "llc", "S.A." is "sa"). */
const CORPORATE_FORMS = new Set([
  "llc", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "co", "company", "plc", "llp", "lp",
  "gmbh", "mbh", "ag", "kg", "se", "sa", "sas", "sarl", "srl", "spa", "sl", "bv", "nv", "oy", "ab", "as", "asa",
  "pte", "pty", "bhd", "sdn", "jsc", "ojsc", "pjsc", "cjsc", "ooo", "oao", "zao", "pao", "fze", "fzco", "fzc", "fzllc",
]);

/** The spellings of one name, each as its tokens; one spelling unless the name has an umlaut. */
export function normaliseName(name: string): string[][] {
  const lower = name.toLowerCase();
  const spellings = [fold(lower)];
  if (/[äöü]/.test(lower)) spellings.push(fold(lower.replace(/[äöü]/g, (c) => GERMAN[c]!)));
  const unique = [...new Set(spellings.map((s) => stripCorporateForms(tokens(s)).join(" ")))].filter((s) => s !== "");
  return unique.map((s) => s.split(" "));
}

function fold(lower: string): string {
  return lower
    .replace(/[ßøæœłđðþıħ]/g, (c) => LETTERS[c]!)
    .normalize("NFKD")
    .replace(/\p{M}/gu, "");
}

function tokens(folded: string): string[] {
  return folded
    // Dots and apostrophes join ("S.A.", "O'Brien"); every other non-letter, non-digit separates.
    .replace(/[.'’`]/g, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== "");
}

/** Drops legal forms from both ends ("OOO Romashka", "Acme Trading Co. Ltd."), never the whole name. */
function stripCorporateForms(words: string[]): string[] {
  let start = 0;
  let end = words.length;
  while (end - start > 1 && CORPORATE_FORMS.has(words[end - 1]!)) end--;
  while (end - start > 1 && CORPORATE_FORMS.has(words[start]!)) start++;
  return words.slice(start, end);
}
