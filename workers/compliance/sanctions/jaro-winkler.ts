/**
 * Jaro-Winkler similarity of two strings (1 identical, 0 nothing in common), with Winkler's prefix bonus of 0.1 per
 * common leading character up to four.
 */
export function jaroWinkler(a: string, b: string): number {
  const jaro = jaroSimilarity(a, b);
  let prefix = 0;
  while (prefix < 4 && prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

function jaroSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aMatched = new Uint8Array(a.length);
  const bMatched = new Uint8Array(b.length);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(b.length - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (bMatched[j] || a[i] !== b[j]) continue;
      aMatched[i] = 1;
      bMatched[j] = 1;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transposed = 0;
  for (let i = 0, j = 0; i < a.length; i++) {
    if (!aMatched[i]) continue;
    while (!bMatched[j]) j++;
    if (a[i] !== b[j]) transposed++;
    j++;
  }
  return (matches / a.length + matches / b.length + (matches - transposed / 2) / matches) / 3;
}

/**
 * A token-set score for two tokenised names: tokens are paired one to one, best Jaro-Winkler pair first, in any
 * order ("doe john" and "john doe" score 1); each pair counts by its characters, and a token left without a partner
 * counts 0, so a missing or extra word lowers the score. Stricter than Jaro-Winkler over the whole string, which
 * gives "kim song ho" / "kim song il" 0.93 for their long common start (token set: 0.78).
 */
export function tokenSetScore(a: readonly string[], b: readonly string[]): number {
  const pairs: { i: number; j: number; score: number }[] = [];
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) pairs.push({ i, j, score: jaroWinkler(a[i]!, b[j]!) });
  pairs.sort((x, y) => y.score - x.score);
  const aUsed = new Set<number>();
  const bUsed = new Set<number>();
  let weighted = 0;
  for (const { i, j, score } of pairs) {
    if (aUsed.has(i) || bUsed.has(j)) continue;
    aUsed.add(i);
    bUsed.add(j);
    weighted += score * (a[i]!.length + b[j]!.length);
  }
  const total = a.reduce((n, t) => n + t.length, 0) + b.reduce((n, t) => n + t.length, 0);
  const setScore = total === 0 ? 0 : weighted / total;
  // Words run together or split apart ("Al Qaida", "Alqaida") pair badly as tokens: compare them joined too.
  return a.length === b.length ? setScore : Math.max(setScore, jaroWinkler(a.join(""), b.join("")));
}
