import { and, desc, eq, lt, or, type AnyColumn, type SQL } from "drizzle-orm";
import { z } from "@hono/zod-openapi";
import { base64UrlDecode, base64UrlEncode } from "../../shared/crypto/base64.ts";
import { ApiError } from "./problem.ts";

/** Cursor pagination, newest first; the cursor is an opaque string to clients, whatever position it holds. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "Items per page (1–100)." }),
  cursor: z.string().max(200).optional().openapi({ description: "`next_cursor` of the previous page." }),
});

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() }).openapi(name);

/** The position after a (created_at, id) row. */
interface RowPosition {
  c: string;
  i: string;
}

/** The position after a row keyed by one integer (an agent version, an audit chain position). */
interface NumberPosition {
  n: number;
}

const writeCursor = (position: RowPosition | NumberPosition) => base64UrlEncode(JSON.stringify(position));

function readCursor<P>(cursor: string, valid: (position: Partial<P>) => boolean): P {
  try {
    const parsed = JSON.parse(base64UrlDecode(cursor)) as P;
    if (parsed && typeof parsed === "object" && valid(parsed)) return parsed;
  } catch {
    /* reported below */
  }
  throw new ApiError("validation-error", "cursor is not valid; pass the next_cursor of the previous page unchanged", {
    errors: [{ path: "query.cursor", message: "invalid cursor" }],
  });
}

/** The WHERE fragment that continues after `cursor`, for rows ordered by `pageOrder`. */
export function afterCursor(cursor: string | undefined, createdAt: AnyColumn, id: AnyColumn): SQL | undefined {
  if (!cursor) return undefined;
  const { c, i } = readCursor<RowPosition>(cursor, (p) => typeof p.c === "string" && typeof p.i === "string");
  return or(lt(createdAt, c), and(eq(createdAt, c), lt(id, i)));
}

/** The WHERE fragment that continues after `cursor`, for rows ordered by `key` descending. */
export function belowCursor(cursor: string | undefined, key: AnyColumn): SQL | undefined {
  if (!cursor) return undefined;
  return lt(key, readCursor<NumberPosition>(cursor, (p) => Number.isSafeInteger(p.n)).n);
}

/** The integer key after `cursor`, for rows ordered by that key ascending (0 on the first page). */
export function aboveCursor(cursor: string | undefined): number {
  return cursor ? readCursor<NumberPosition>(cursor, (p) => Number.isSafeInteger(p.n)).n : 0;
}

export const pageOrder = (createdAt: AnyColumn, id: AnyColumn) => [desc(createdAt), desc(id)];

/** Rows fetched with `limit + 1`: the extra one tells whether there is a next page. */
function page<R, T>(rows: R[], limit: number, view: (row: R) => T, position: (row: R) => RowPosition | NumberPosition) {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return { data: shown.map(view), next_cursor: rows.length > limit && last !== undefined ? writeCursor(position(last)) : null };
}

/** A page of rows ordered by `pageOrder`. */
export const toPage = <R extends { createdAt: string; id: string }, T>(rows: R[], limit: number, view: (row: R) => T) =>
  page(rows, limit, view, (row) => ({ c: row.createdAt, i: row.id }));

/** A page of rows ordered by one integer key, descending (continue with `belowCursor`). */
export const toNumberedPage = <R, T>(rows: R[], limit: number, key: (row: R) => number, view: (row: R) => T) =>
  page(rows, limit, view, (row) => ({ n: key(row) }));
