import type { z } from "@hono/zod-openapi";

/** How deep and how large a free-form JSON value in a request may be. */
export const JSON_FIELD_MAX_DEPTH = 32;
export const JSON_FIELD_MAX_BYTES = 32 * 1024;

/**
 * The nesting depth of a JSON value (a scalar is 0, `{}` and `[]` are 1), walked with an explicit stack, so a
 * hostile 20,000-level value cannot overflow the call stack here; it stops as soon as `limit` is passed.
 */
export function jsonDepthOver(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * Bounds a schema whose value holds free-form JSON (a tool's parameter schema): at most JSON_FIELD_MAX_DEPTH
 * levels and JSON_FIELD_MAX_BYTES serialised. Deeper values break JSON.stringify further down (caching,
 * publishing), so they are refused here, with a 422 naming the field.
 */
export function boundedJson<T extends z.ZodType>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    if (jsonDepthOver(value, JSON_FIELD_MAX_DEPTH)) {
      ctx.addIssue({ code: "custom", message: `nested deeper than ${JSON_FIELD_MAX_DEPTH} levels` });
      return;
    }
    // Safe now: the depth is bounded.
    const bytes = new TextEncoder().encode(JSON.stringify(value)).byteLength;
    if (bytes > JSON_FIELD_MAX_BYTES) ctx.addIssue({ code: "custom", message: `${bytes} bytes as JSON; at most ${JSON_FIELD_MAX_BYTES} are allowed` });
  });
}
