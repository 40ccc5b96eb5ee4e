const areaCodeOf = (e164: string) => /^\+1(\d{3})/.exec(e164)?.[1] ?? null;

/**
 * Local presence: a caller ID in the callee's area code when the pool has one, otherwise the pool's numbers in
 * turn (by the contact's position), so no single number carries the whole campaign.
 */
export function pickCallerId(pool: readonly string[], callee: string, turn: number): string {
  const area = areaCodeOf(callee);
  const local = area ? pool.filter((n) => areaCodeOf(n) === area) : [];
  const choices = local.length > 0 ? local : pool;
  return choices[turn % choices.length]!;
}
