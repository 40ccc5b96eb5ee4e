import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../api/app-env.ts";
import { auditInsert } from "../../shared/audit/audit-entry.ts";
import { database, nowIso } from "../../shared/db/client.ts";
import { integrationConnections } from "../../shared/db/workflows-schema.ts";
import { sealCredentials } from "../../shared/integrations/connection-credentials.ts";
import { IntegrationError } from "../../shared/integrations/integration.ts";
import { authorizeUrl, exchangeCode, oauthClient, OAuthGrantRefusedError } from "../../shared/integrations/oauth-client.ts";
import { INTEGRATIONS } from "../../shared/integrations/registry.ts";
import { ApiError, notFound } from "../api/problem.ts";
import { jsonResponse, problem, resourceApp, securedRoute, withResponseHeaders } from "../api/route.ts";
import { recordSecurityEvent } from "../../shared/db/security-events.ts";
import { publicBaseUrl } from "../twilio/public-url.ts";
import { IntegrationConnection } from "./connection-view.ts";
import { browserMismatch, clearFlowCookie, OAUTH_CALLBACK_PATH as CALLBACK_PATH, setFlowCookie } from "./oauth-browser-binding.ts";
import { consumeFlow, startFlow } from "./oauth-states.ts";

/**
 * The OAuth connect flow: the tenant's browser calls `GET /v1/integrations/{name}/connect` (the console, with a
 * same-origin fetch) and gets the vendor's authorize URL (state and S256 code challenge) and the flow's cookie; it goes
 * there, and the vendor sends it back to `GET /oauth/callback`, which takes the state once, checks the cookie,
 * exchanges the code with the PKCE verifier, stores the tokens sealed and sends the browser back to the console.
 * There is no redirecting variant of the connect route: a top-level navigation cannot carry the bearer token, and a
 * link that starts a flow without one is exactly what the attack needs (whoever opens it connects into its tenant).
 */
const TAGS = ["Integrations"];
/** Where the callback sends the browser when the flow named no `return_to`. */
const CONSOLE_INTEGRATIONS = "/console/integrations";

const NameParam = z.object({ name: z.string().max(40).openapi({ param: { name: "name", in: "path" }, example: "hubspot" }) });

const ConnectQuery = z.object({
  return_to: z.string().max(2000).optional().openapi({
    description: "Where the callback sends the browser after connecting: a path or URL on this platform's own origin (default `/console/integrations`); `?connected={name}` is added.",
    example: "/console/integrations",
  }),
});

const ConnectStart = z
  .object({
    authorize_url: z.string().openapi({ description: "Send the user's browser here; the vendor sends it back to `/oauth/callback`." }),
    expires_at: z.string().openapi({ description: "The flow must come back before this instant (10 minutes)." }),
  })
  .openapi("OAuthConnectStart");

export const oauthConnectApi = resourceApp();

oauthConnectApi.openapi(
  securedRoute("account:write", {
    method: "get",
    path: "/integrations/{name}/connect",
    tags: TAGS,
    summary: "Start connecting an OAuth integration: the vendor's authorize URL, with a single-use state and a PKCE challenge",
    description:
      "Call it from the browser that will consent (the console does, with a same-origin fetch): the answer sets the flow's cookie (`__Secure-oauth_flow`, HttpOnly, SameSite=Lax, path `/oauth/callback`, 10 minutes), and the callback refuses a browser without it. A flow started from a server cannot be completed by anyone's browser, by design.",
    request: { params: NameParam, query: ConnectQuery },
    responses: {
      200: { ...jsonResponse(ConnectStart, "The authorize URL."), headers: { "Set-Cookie": { description: "The flow's cookie.", schema: { type: "string" } } } },
      409: problem("`conflict`: the platform has no OAuth app configured for this integration (`OAUTH_CLIENTS`)."),
    },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const { return_to } = c.req.valid("query");
    const integration = Object.hasOwn(INTEGRATIONS, name) ? INTEGRATIONS[name]! : undefined;
    if (!integration) throw notFound("integration");
    if (!integration.oauth) {
      const detail = `${integration.title} is not connected through OAuth; use POST /v1/integration-connections`;
      throw new ApiError("validation-error", detail, { errors: [{ path: "name", message: detail, code: "not_oauth" }] });
    }
    const client = oauthClient(c.env, integration.name);
    if (!client) throw new ApiError("conflict", `${integration.title} OAuth is not configured on this platform`);
    const principal = c.get("principal");
    const base = publicBaseUrl(c.env, c.req.raw);
    const returnTo = return_to === undefined ? null : sameOriginPath(base, return_to);
    const redirectUri = `${base}${CALLBACK_PATH}`;
    const flow = await startFlow(c.env, { accountId: principal.accountId, actor: principal.actor, integration: integration.name, redirectUri, returnTo });
    const url = authorizeUrl(c.env, integration.oauth, { clientId: client.client_id, redirectUri, state: flow.state, codeChallenge: flow.codeChallenge });
    setFlowCookie(c, flow.browserNonce);
    return c.json({ authorize_url: url, expires_at: flow.expiresAt }, 200);
  },
);

/**
 * `return_to` as a path on the platform's origin, or a 422: resolving it against the origin and comparing origins
 * also catches `//evil.example`, `/\evil.example` and `javascript:`, which a prefix check would let through.
 */
function sameOriginPath(base: string, returnTo: string): string {
  const url = URL.canParse(returnTo, base) ? new URL(returnTo, base) : undefined;
  if (!url || url.origin !== new URL(base).origin) {
    const detail = `return_to must be on this platform's origin (${new URL(base).origin})`;
    throw new ApiError("validation-error", detail, { errors: [{ path: "return_to", message: detail, code: "cross_origin" }] });
  }
  return `${url.pathname}${url.search}`;
}

const CallbackQuery = z.object({
  state: z.string().min(1).max(200).openapi({ description: "The state of `GET /v1/integrations/{name}/connect`'s authorize URL." }),
  code: z.string().min(1).max(2048).optional().openapi({ description: "The authorization code (absent when the user or vendor refused)." }),
  error: z.string().max(200).optional().openapi({ description: "The vendor's refusal (`access_denied`)." }),
  error_description: z.string().max(1000).optional(),
});

const callbackRoute = createRoute({
  method: "get",
  path: CALLBACK_PATH,
  tags: TAGS,
  security: [],
  summary: "Where the vendor sends the browser back: checks the state (single-use, 10 minutes) and exchanges the code with the PKCE verifier",
  description:
    "Authenticated by its `state` and the flow's cookie: the flow was started by a tenant's credential, is bound to its account and actor, and only the browser that started it holds the cookie. The tokens are stored sealed; the browser is sent to the flow's `return_to` (default `/console/integrations`) with `?connected={name}`, or, with `Accept: application/json`, answered the connection.",
  request: { query: CallbackQuery },
  responses: withResponseHeaders({
    200: jsonResponse(IntegrationConnection, "Connected (`Accept: application/json`)."),
    302: {
      description: "Connected: back to the flow's `return_to` with `?connected={name}`. Refused, for a browser (`Accept` with `text/html`): back there with `?connect_error=` and the refusal's detail, the same as the problem's below, except a browser that did not start the flow, which gets the 403.",
      headers: { Location: { description: "The same-origin page.", schema: { type: "string" } } },
    },
    403: problem("`forbidden`: this browser did not start the flow (the `__Secure-oauth_flow` cookie is missing or belongs to another flow); nothing is connected and the state is used up."),
    422: problem("`validation-error`: an unknown, used or expired `state`, a refusal by the user or vendor, or a code the vendor refused (a wrong PKCE verifier, a used code, another redirect URI)."),
    502: problem("`provider-error`: the vendor's token endpoint failed, could not be reached, or refused the platform's OAuth app; start again."),
  }),
});

const refused = (path: string, code: string, detail: string) => new ApiError("validation-error", detail, { errors: [{ path, message: detail, code }] });

export const oauthCallbackApp = resourceApp();

type CallbackContext = Context<AppEnv>;
type Flow = Awaited<ReturnType<typeof consumeFlow>>;

/** The flow's same-origin page (default the console's integrations page) with `params` added. */
function backTo(c: CallbackContext, flow: Flow, params: Record<string, string>): string {
  const back = new URL(flow?.returnTo ?? CONSOLE_INTEGRATIONS, publicBaseUrl(c.env, c.req.raw));
  for (const [name, value] of Object.entries(params)) back.searchParams.set(name, value);
  return back.toString();
}

oauthCallbackApp.openapi(callbackRoute, async (c) => {
  const query = c.req.valid("query");
  clearFlowCookie(c);
  const flow = await consumeFlow(c.env, query.state);
  try {
    const connected = await connect(c, query, flow);
    if (c.req.header("accept")?.includes("application/json")) return c.json(connected, 200);
    return c.redirect(backTo(c, flow, { connected: connected.name }), 302);
  } catch (error) {
    // A browser's navigation (it asks for HTML) goes back to the page it came from, which shows the refusal; an
    // API client keeps the problem+json. A browser that did not start the flow (forbidden) is not sent to that
    // flow's page: it is not where it came from, and a login-CSRF victim should see the refusal itself.
    if (!(error instanceof ApiError) || error.problem === "forbidden" || !c.req.header("accept")?.includes("text/html")) throw error;
    return c.redirect(backTo(c, flow, { connect_error: error.message }), 302);
  }
});

async function connect(c: CallbackContext, query: z.infer<typeof CallbackQuery>, flow: Flow): Promise<z.infer<typeof IntegrationConnection>> {
  if (!flow) throw refused("state", "unknown_state", "this state is unknown, already used or expired; start connecting again");
  const integration = INTEGRATIONS[flow.integration]!;
  const mismatch = await browserMismatch(c, flow.bindingHash);
  if (mismatch) {
    const ip = c.req.header("cf-connecting-ip") ?? null;
    await recordSecurityEvent(c.env, { kind: "oauth_browser_mismatch", path: CALLBACK_PATH, accountId: flow.accountId, ip, detail: { integration: integration.name, reason: mismatch } }, c.executionCtx);
    throw new ApiError("forbidden", "this browser did not start this connect flow; start connecting again from the console");
  }
  if (query.error !== undefined || query.code === undefined) {
    throw refused(query.error !== undefined ? "error" : "code", "authorization_refused", `${integration.title} did not authorize the connection: ${query.error ?? "no code"}`);
  }
  let tokens;
  try {
    tokens = await exchangeCode(c.env, integration, { code: query.code, codeVerifier: flow.codeVerifier, redirectUri: flow.redirectUri });
  } catch (error) {
    if (!(error instanceof IntegrationError)) throw error;
    // The code is refused (RFC 6749's invalid_grant, a vendor's 400); anything else is the vendor's or the platform's app's failure.
    if (error instanceof OAuthGrantRefusedError || error.status === 400) throw refused("code", "code_refused", error.message);
    throw new ApiError("provider-error", error.message);
  }
  const now = nowIso();
  const sealed = await sealCredentials(c.env, flow.accountId, integration.name, tokens);
  const db = database(c.env.DB);
  const [[row]] = await db.batch([
    db
      .insert(integrationConnections)
      .values({ accountId: flow.accountId, integration: integration.name, status: "connected", credentials: sealed, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: [integrationConnections.accountId, integrationConnections.integration], set: { status: "connected", credentials: sealed, updatedAt: now } })
      .returning(),
    auditInsert(db, { accountId: flow.accountId, actor: flow.actor, action: `GET ${CALLBACK_PATH}`, resource: integration.name, requestId: c.get("requestId"), detail: { integration: integration.name, auth: "oauth2" } }),
  ]);
  return { name: integration.name, connection: row!.status, updated_at: row!.updatedAt };
}
