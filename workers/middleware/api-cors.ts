import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../api/app-env.ts";

const EXPOSE_HEADERS = ["x-request-id", "idempotent-replayed"];

const preflight = cors({
  origin: "*",
  allowHeaders: ["authorization", "content-type", "idempotency-key", "x-request-id"],
  allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  exposeHeaders: EXPOSE_HEADERS,
  maxAge: 600,
});

/**
 * CORS for `/v1`: hono's `cors` answers preflights; on other requests the same headers are set before the handler,
 * so the handler's response is built with them. (hono's `cors` writes them into a placeholder response, which costs
 * every response two extra copies: about a tenth of a cached read's CPU.) A response the handler did not build
 * through the context (a stream, a fetched or upgrade response) gets them afterwards.
 */
export const apiCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === "OPTIONS") return preflight(c, next);
  c.header("access-control-allow-origin", "*");
  c.header("access-control-expose-headers", EXPOSE_HEADERS.join(","));
  await next();
  if (c.res.headers.get("access-control-allow-origin") === null) {
    c.header("access-control-allow-origin", "*");
    c.header("access-control-expose-headers", EXPOSE_HEADERS.join(","));
  }
};
