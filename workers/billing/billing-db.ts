import { withPostgres, type PgDatabase, type PostgresConfig } from "../../shared/pg/client.ts";
import { postgresError } from "../../shared/pg/errors.ts";
import { ApiError } from "../api/problem.ts";
import { problem } from "../api/route.ts";

/**
 * SQLSTATE classes that mean "the database cannot serve now", not "this request is wrong": connection exceptions
 * (08), insufficient resources (53, e.g. too many connections), operator intervention (57, e.g. a restart).
 */
const OUTAGE_CLASSES = ["08", "53", "57"];

/** How the driver reports a socket it could not open or lost: the WebSocket's ErrorEvent, or the pg client's own error. */
const LOST_CONNECTION = /network connection lost|connection terminated|connection refused|websocket|socket/i;

/** True when `err` says the Postgres tier cannot serve now, not that the request or our code was wrong. */
export function isPostgresOutage(err: unknown): boolean {
  if (err instanceof ApiError) return false;
  const pg = postgresError(err);
  if (pg) return OUTAGE_CLASSES.includes(pg.code?.slice(0, 2) ?? "");
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof ErrorEvent !== "undefined" && e instanceof ErrorEvent) return true;
    if (e instanceof Error && LOST_CONNECTION.test(e.message)) return true;
  }
  return false;
}

/**
 * `withPostgres` for the billing API: while the Postgres tier is unreachable, billing reads and operator billing
 * writes answer a 503 `billing-unavailable` (the edge keeps admitting calls from the gate's snapshot meanwhile).
 */
export async function withBillingDb<T>(env: PostgresConfig, use: (db: PgDatabase) => Promise<T>): Promise<T> {
  return asBillingUnavailable(() => withPostgres(env, use));
}

/** Runs `work`, turning a Postgres outage it meets into the API's 503 `billing-unavailable`. */
export async function asBillingUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!isPostgresOutage(err)) throw err;
    const cause = (err as { cause?: { message?: string } })?.cause?.message;
    console.error(JSON.stringify({ level: "error", message: "billing database unavailable", error: String((err as Error)?.message ?? err).split("\n")[0], cause }));
    throw new ApiError("billing-unavailable", "billing data is temporarily unavailable; retry later", { headers: { "retry-after": "30" } });
  }
}

/** The 503 every route that reads or writes the Postgres tier can answer (for its OpenAPI responses). */
export const UNAVAILABLE = { 503: problem("`billing-unavailable`: the Postgres tier is unreachable; retry later (see `Retry-After`).") };
