/** True for a SQLite uniqueness failure, however deeply drizzle or D1 wrapped it. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (/UNIQUE constraint failed|PRIMARY KEY must be unique|SQLITE_CONSTRAINT/i.test(String((e as Error).message ?? e))) return true;
  }
  return false;
}
