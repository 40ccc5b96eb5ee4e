import { listPage } from "./list-page.ts";
import { LIST_PARAMS, readParams } from "./params.ts";
import { ok, type ApiRouter } from "./route-context.ts";
import { noSuchResource } from "./stripe-error.ts";

export function eventRoutes(router: ApiRouter): void {
  router
    .get("/v1/events/:id", (req, state) => {
      const event = state.events.get(req.params.id!);
      if (!event) throw noSuchResource("event", req.params.id!);
      return ok(event);
    })
    .get("/v1/events", (req, state) => {
      const params = readParams(req.form, { ...LIST_PARAMS, type: "string", types: { arrayOf: "string" } });
      const wanted = params.types as string[] | undefined;
      const matches = (type: string) => (params.type === undefined || matchesPattern(params.type as string, type)) && (wanted === undefined || wanted.some((w) => matchesPattern(w, type)));
      return ok(listPage([...state.events.values()].filter((e) => matches(e.type)), params, "/v1/events", "event"));
    });
}

/** `type` filters take a `*` wildcard (`invoice.*`). */
function matchesPattern(pattern: string, type: string): boolean {
  return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}
