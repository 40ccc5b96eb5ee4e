/**
 * True for a SQLite uniqueness failure, however deeply drizzle or D1 wrapped it. Not for other constraints
 * (NOT NULL, FOREIGN KEY, CHECK, a trigger's abort): D1 tags those `SQLITE_CONSTRAINT` too, and retrying them
 * with a fresh id would only repeat the failure.
 */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (/UNIQUE constraint failed|PRIMARY KEY must be unique/i.test(String((e as Error).message ?? e))) return true;
  }
  return false;
}
