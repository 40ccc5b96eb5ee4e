import { and, desc, eq, lt, or, type AnyColumn, type SQL } from "drizzle-orm";
import { z } from "@hono/zod-openapi";
import { base64UrlDecode, base64UrlEncode } from "../../shared/crypto/base64.ts";
import { ApiError } from "./problem.ts";

/** Cursor pagination over (created_at, id), newest first; the cursor is opaque to clients. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "Items per page (1–100)." }),
  cursor: z.string().max(200).optional().openapi({ description: "`next_cursor` of the previous page." }),
});

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() }).openapi(name);

interface Cursor {
  c: string;
  i: string;
}

function decodeCursor(cursor: string): Cursor {
  try {
    const parsed = JSON.parse(base64UrlDecode(cursor)) as Cursor;
    if (typeof parsed.c === "string" && typeof parsed.i === "string") return parsed;
  } catch {
    /* reported below */
  }
  throw new ApiError("validation-error", "cursor is not valid; pass the next_cursor of the previous page unchanged", {
    errors: [{ path: "query.cursor", message: "invalid cursor" }],
  });
}

/** The WHERE fragment that continues after `cursor`. */
export function afterCursor(cursor: string | undefined, createdAt: AnyColumn, id: AnyColumn): SQL | undefined {
  if (!cursor) return undefined;
  const { c, i } = decodeCursor(cursor);
  return or(lt(createdAt, c), and(eq(createdAt, c), lt(id, i)));
}

export const pageOrder = (createdAt: AnyColumn, id: AnyColumn) => [desc(createdAt), desc(id)];

/** Fetch `limit + 1` rows; the extra one tells whether there is a next page. */
export function toPage<R extends { createdAt: string; id: string }, T>(rows: R[], limit: number, view: (row: R) => T) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(view),
    next_cursor: rows.length > limit && last ? base64UrlEncode(JSON.stringify({ c: last.createdAt, i: last.id })) : null,
  };
}
