import type { Params } from "./params.ts";
import { invalidRequest, noSuchResource } from "./stripe-error.ts";

/** Stripe's list object: newest first, `limit` (1–100, default 10), cursor by `starting_after` / `ending_before`. */
export function listPage<T extends { id: string }>(items: Iterable<T>, params: Params, url: string, kind: string) {
  const limit = (params.limit as number | undefined) ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest("This value must be less than or equal to 100 and greater than or equal to 1.", { code: "parameter_invalid_integer", param: "limit" });
  const all = [...items].reverse();
  let data: T[];
  let rest: T[];
  if (typeof params.ending_before === "string") {
    const at = cursor(all, params.ending_before, kind, "ending_before");
    const before = all.slice(0, at);
    data = before.slice(-limit);
    rest = before.slice(0, -limit);
  } else {
    const start = typeof params.starting_after === "string" ? cursor(all, params.starting_after, kind, "starting_after") + 1 : 0;
    data = all.slice(start, start + limit);
    rest = all.slice(start + limit);
  }
  return { object: "list" as const, data, has_more: rest.length > 0, url };
}

function cursor<T extends { id: string }>(all: T[], id: string, kind: string, param: string): number {
  const at = all.findIndex((item) => item.id === id);
  if (at < 0) throw noSuchResource(kind, id, param);
  return at;
}
