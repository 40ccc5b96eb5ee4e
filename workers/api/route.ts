import { createRoute, OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import { requireScope } from "../auth/authenticate.ts";
import { ROLE_SCOPES, ROLES, type Scope } from "../auth/scopes.ts";
import { idempotency, IDEMPOTENCY_KEY_PATTERN, type IdempotencyOptions } from "../middleware/idempotency.ts";
import type { AppEnv } from "./app-env.ts";
import { loneSurrogatePath } from "../../shared/schemas/well-formed-text.ts";
import { ApiError, zodIssues } from "./problem.ts";

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() })).optional(),
  })
  .openapi("Problem");

/** A problem+json response; `description` names the problem types it carries. */
export const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: Problem } } });

const REQUEST_ID_HEADER = {
  "X-Request-Id": { description: "Identifies the request in logs and the audit log; also `request_id` in problem bodies.", schema: { type: "string" as const } },
};
const REPLAYED_HEADER = {
  "Idempotent-Replayed": { description: "`true` when this is the stored response of an earlier request with the same Idempotency-Key.", schema: { type: "string" as const, enum: ["true"] } },
};

const IDEMPOTENCY_KEY_PARAM = {
  name: "Idempotency-Key",
  in: "header" as const,
  required: false,
  description: "Retry safely: the same key with the same request replays the stored response; with another request it is a 422 `idempotency-key-reused`. Kept 24 h.",
  schema: { type: "string" as const, pattern: IDEMPOTENCY_KEY_PATTERN.source },
};

/** Declares `X-Request-Id` on every response (and `Idempotent-Replayed` on a POST's successes). */
export function withResponseHeaders(responses: RouteConfig["responses"], idempotent = false): RouteConfig["responses"] {
  const documented: RouteConfig["responses"] = {};
  for (const [status, response] of Object.entries(responses)) {
    const headers = { ...REQUEST_ID_HEADER, ...(idempotent && status.startsWith("2") ? REPLAYED_HEADER : {}) };
    documented[status] = { ...response, headers: { ...headers, ...(response as { headers?: object }).headers } };
  }
  return documented;
}

type Guard = { kind: "scope"; scope: Scope } | { kind: "operator" };

/**
 * The problem responses a route can return because of its shape and the `/v1` middleware (authentication, the
 * body limit, the media-type gate, validation, idempotency), whatever its handler does. Handler-specific ones
 * (a 409 `conflict`, a 429) are declared by the route itself.
 */
function conventionProblems(route: RouteConfig, guard: Guard, options: RouteOptions) {
  const carriesBody = ["post", "put", "patch"].includes(route.method);
  const jsonBody = route.request?.body !== undefined;
  const pathParams = route.path.includes("{");
  const validated = pathParams || jsonBody || route.request?.query !== undefined || route.method === "post";
  return {
    ...(jsonBody ? { 400: problem("`malformed-json`: the body is not valid JSON.") } : {}),
    401: problem(guard.kind === "operator" ? "`unauthenticated`: missing or wrong `X-Operator-Secret`." : "`unauthenticated`: missing, invalid or revoked credentials."),
    ...(guard.kind === "scope" ? { 403: problem(`\`forbidden\`: the credentials lack the \`${guard.scope}\` scope (\`required_scope\`).`) } : {}),
    ...(pathParams ? { 404: problem("`not-found`: no such resource in the caller's account.") } : {}),
    ...(route.method === "post" ? { 409: problem(idempotencyConflicts(options)) } : {}),
    ...(carriesBody ? { 413: problem("`payload-too-large`: the body exceeds the size limit.") } : {}),
    ...(jsonBody ? { 415: problem("`unsupported-media-type`: a non-empty body must be sent as `application/json`.") } : {}),
    ...(validated ? { 422: problem(route.method === "post" ? "`validation-error` (each issue in `errors`), or `idempotency-key-reused`." : "`validation-error`: each issue is listed in `errors`.") } : {}),
  };
}

const idempotencyConflicts = (options: RouteOptions) =>
  "`idempotency-in-progress`: the first request with this Idempotency-Key is still running." +
  (options.secretResponse ? " `secret-already-shown`: this Idempotency-Key already created the secret, which is shown only once; create a new one." : "");

const SECRET_RESPONSE_NOTE =
  "The response carries a secret that is shown only once: it is not kept, and a retry with the same Idempotency-Key answers 409 `secret-already-shown` instead of replaying it.";

/** Adds the conventions every `/v1` operation shares to its OpenAPI description. */
function documentConventions<R extends Omit<RouteConfig, "middleware" | "security">>(route: R, guard: Guard, options: RouteOptions): R {
  const problems = conventionProblems(route as RouteConfig, guard, options);
  // A route's own 409 (a conflict of its handler) and the idempotency conflicts share one response entry.
  const ownConflict = (route.responses as Record<string, { description: string }>)["409"];
  const conflict = ownConflict && problems[409] ? { 409: problem(`${ownConflict.description} ${problems[409].description}`) } : {};
  const responses = withResponseHeaders({ ...problems, ...route.responses, ...conflict }, route.method === "post");
  const parameters = route.method === "post" ? { parameters: [IDEMPOTENCY_KEY_PARAM, ...(route.parameters ?? [])] } : {};
  const secret = options.secretResponse
    ? { description: [route.description, SECRET_RESPONSE_NOTE].filter(Boolean).join("\n\n"), "x-secret-response": true }
    : {};
  return { ...route, ...parameters, responses, ...secret } as R;
}

/** What a route declares about itself beyond its OpenAPI shape. */
export type RouteOptions = IdempotencyOptions;

/**
 * A `/v1` route that needs `scope`: the scope guard, and the same scope in the spec (the bearer requirement's
 * scope list, and `x-roles`: the dashboard roles that hold it), so what is documented is what is enforced.
 */
export const securedRoute = <R extends Omit<RouteConfig, "middleware" | "security">>(scope: Scope, route: R, options: RouteOptions = {}) =>
  createRoute({
    ...documentConventions(route, { kind: "scope", scope }, options),
    security: [{ bearer: [scope] }],
    "x-roles": ROLES.filter((role) => ROLE_SCOPES[role].includes(scope)),
    // Idempotency after the guard: a principal without the scope never reaches a stored response.
    middleware: [requireScope(scope), idempotency(options)] as const,
  });

/** A `/v1/operator` route (tenant bootstrap): app.ts guards it with the operator secret, as no tenant exists yet. */
export const operatorRoute = <R extends Omit<RouteConfig, "middleware" | "security">>(route: R, options: RouteOptions = {}) =>
  createRoute({
    ...documentConventions(route, { kind: "operator" }, options),
    tags: ["Operator"],
    security: [{ operator: [] }],
    middleware: [idempotency(options)] as const,
  });

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/**
 * A sub-app whose validation failures become problem+json with every issue listed. Valid input is also refused
 * when a string in it holds a lone UTF-16 surrogate (see well-formed-text.ts).
 */
export const resourceApp = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError("validation-error", `the request ${result.target} is not valid`, { errors: zodIssues(result.error) });
      }
      const at = loneSurrogatePath(result.data);
      if (at !== undefined) {
        throw new ApiError("validation-error", `the request ${result.target} is not valid`, {
          errors: [{ path: at, message: "contains a lone UTF-16 surrogate, which is not text; send well-formed Unicode", code: "lone_surrogate" }],
        });
      }
    },
  });

export const IdParam = (pattern: RegExp, example: string) =>
  z.object({ id: z.string().regex(pattern, "not a valid id").openapi({ param: { name: "id", in: "path" }, example }) });
