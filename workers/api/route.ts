import { createRoute, OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import { requireScope } from "../auth/authenticate.ts";
import type { Scope } from "../auth/scopes.ts";
import type { AppEnv } from "./app-env.ts";
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

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: Problem } } });

const commonProblems = {
  400: problem("Malformed request (e.g. invalid JSON)."),
  401: problem("Missing, invalid or revoked credentials."),
  403: problem("The credentials lack the scope this route needs."),
  404: problem("Not found in the caller's account."),
  422: problem("Validation failed; `errors` lists each issue."),
} as const;

/** A `/v1` route that needs `scope`: adds the security requirement, the scope guard and the problem responses. */
export const securedRoute = <R extends Omit<RouteConfig, "middleware" | "security">>(scope: Scope, route: R) =>
  createRoute({
    ...route,
    security: [{ bearer: [] }],
    middleware: [requireScope(scope)] as const,
    responses: { ...commonProblems, ...route.responses },
  });

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A sub-app whose validation failures become problem+json with every issue listed. */
export const resourceApp = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError("validation-error", `the request ${result.target} is not valid`, { errors: zodIssues(result.error) });
      }
    },
  });

export const IdParam = (pattern: RegExp, example: string) =>
  z.object({ id: z.string().regex(pattern, "not a valid id").openapi({ param: { name: "id", in: "path" }, example }) });
