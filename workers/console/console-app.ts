import { Hono } from "hono";
import { onError, ApiError, problemResponse } from "../api/problem.ts";
import { mfaRoutes } from "./mfa-routes.ts";
import { sessionRoutes } from "./session-routes.ts";
import { ssoRoutes } from "./sso-sign-in.ts";

/**
 * The console: its pages are static assets (console/, built by Vite into console/dist/console/), which Workers
 * Static Assets serves before this Worker runs; here are the sign-in and session routes, and the page shell for
 * the console's deep links (`/console/calls/CAL-…`), which match no asset file.
 */
export const consoleApp = new Hono<{ Bindings: Env }>();

consoleApp.use("/api/*", async (c, next) => {
  await next();
  c.header("cache-control", "no-store");
});
consoleApp.route("/api", sessionRoutes);
consoleApp.route("/api", ssoRoutes);
consoleApp.route("/api/mfa", mfaRoutes);
consoleApp.all("/api/*", (c) => problemResponse(c, new ApiError("not-found", `no route for ${c.req.method} ${c.req.path}`)));

consoleApp.get("/*", async (c) => {
  const page = await c.env.ASSETS.fetch(new URL("/console/index.html", c.req.url));
  const headers = new Headers(page.headers);
  // Scripts only from this origin; the page never needs to be framed. Recordings play from blob: URLs (the page
  // fetches them with its in-memory bearer token, which an audio element could not send).
  headers.set("content-security-policy", "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  return new Response(page.body, { status: page.ok ? 200 : page.status, headers });
});
consoleApp.onError(onError);
