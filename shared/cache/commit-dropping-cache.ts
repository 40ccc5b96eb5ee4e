/**
 * Runs a write whose D1 commit is the truth, with a KV entry that caches what it changes. The entry is dropped
 * before the commit: if KV fails then, nothing was written and the caller is told. It is dropped again after the
 * commit, for a reader that cached the old value in between; if KV fails now, the write stood and the client is
 * told so: the failure is logged, not reported (readers fall back to D1 on a miss, and a value re-cached in that
 * window expires with its TTL).
 */
export async function commitDroppingCache<T>(what: string, drop: () => Promise<void>, commit: () => Promise<T>): Promise<T> {
  await drop();
  const result = await commit();
  await drop().catch((err: unknown) => console.error(JSON.stringify({ level: "error", message: "cache entry not dropped after a committed write", entry: what, error: String(err) })));
  return result;
}
