import { DatabaseError } from "@neondatabase/serverless";

/** SQLSTATE codes the tier acts on (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const PG_UNIQUE_VIOLATION = "23505";

/** The error Postgres itself returned, however deeply drizzle wrapped it; undefined for anything else (a lost socket). */
export function postgresError(err: unknown): DatabaseError | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DatabaseError) return e;
  }
  return undefined;
}
