import { createRoute, z } from "@hono/zod-openapi";
import { auditInsert } from "../../shared/audit/audit-entry.ts";
import { database, nowIso } from "../../shared/db/client.ts";
import { integrationConnections } from "../../shared/db/workflows-schema.ts";
import { sealCredentials } from "../../shared/integrations/connection-credentials.ts";
import { IntegrationError } from "../../shared/integrations/integration.ts";
import { authorizeUrl, exchangeCode, oauthClient, OAuthGrantRefusedError } from "../../shared/integrations/oauth-client.ts";
import { INTEGRATIONS } from "../../shared/integrations/registry.ts";
import { ApiError, notFound } from "../api/problem.ts";
import { jsonResponse, problem, resourceApp, securedRoute, withResponseHeaders } from "../api/route.ts";
import { publicBaseUrl } from "../twilio/public-url.ts";
import { IntegrationConnection } from "./connection-view.ts";
import { consumeFlow, startFlow } from "./oauth-states.ts";

/**
 * The OAuth connect flow: `GET /v1/integrations/{name}/connect` answers the vendor's authorize URL (state and S256
 * code challenge), the tenant's browser goes there, and the vendor sends it back to `GET /oauth/callback`, which
 * takes the state once, exchanges the code with the PKCE verifier and stores the tokens sealed.
 */
const TAGS = ["Integrations"];
const CALLBACK_PATH = "/oauth/callback";

const NameParam = z.object({ name: z.string().max(40).openapi({ param: { name: "name", in: "path" }, example: "hubspot" }) });

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
    request: { params: NameParam },
    responses: {
      200: jsonResponse(ConnectStart, "The authorize URL."),
      409: problem("`conflict`: the platform has no OAuth app configured for this integration (`OAUTH_CLIENTS`)."),
    },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const integration = Object.hasOwn(INTEGRATIONS, name) ? INTEGRATIONS[name]! : undefined;
    if (!integration) throw notFound("integration");
    if (!integration.oauth) {
      const detail = `${integration.title} is not connected through OAuth; use POST /v1/integration-connections`;
      throw new ApiError("validation-error", detail, { errors: [{ path: "name", message: detail, code: "not_oauth" }] });
    }
    const client = oauthClient(c.env, integration.name);
    if (!client) throw new ApiError("conflict", `${integration.title} OAuth is not configured on this platform`);
    const principal = c.get("principal");
    const redirectUri = `${publicBaseUrl(c.env, c.req.raw)}${CALLBACK_PATH}`;
    const flow = await startFlow(c.env, { accountId: principal.accountId, actor: principal.actor, integration: integration.name, redirectUri });
    const url = authorizeUrl(c.env, integration.oauth, { clientId: client.client_id, redirectUri, state: flow.state, codeChallenge: flow.codeChallenge });
    return c.json({ authorize_url: url, expires_at: flow.expiresAt }, 200);
  },
);

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
    "Authenticated by its `state` alone: the flow it names was started by a tenant's credential and is bound to its account and actor. The tokens are stored sealed; the answer is the connection.",
  request: { query: CallbackQuery },
  responses: withResponseHeaders({
    200: jsonResponse(IntegrationConnection, "Connected."),
    422: problem("`validation-error`: an unknown, used or expired `state`, a refusal by the user or vendor, or a code the vendor refused (a wrong PKCE verifier, a used code, another redirect URI)."),
    502: problem("`provider-error`: the vendor's token endpoint failed, could not be reached, or refused the platform's OAuth app; start again."),
  }),
});

const refused = (path: string, code: string, detail: string) => new ApiError("validation-error", detail, { errors: [{ path, message: detail, code }] });

export const oauthCallbackApp = resourceApp();

oauthCallbackApp.openapi(callbackRoute, async (c) => {
  const query = c.req.valid("query");
  const flow = await consumeFlow(c.env, query.state);
  if (!flow) throw refused("state", "unknown_state", "this state is unknown, already used or expired; start connecting again");
  const integration = INTEGRATIONS[flow.integration]!;
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
  return c.json({ name: integration.name, connection: row!.status, updated_at: row!.updatedAt }, 200);
});
