import type { z } from "zod";

/**
 * What an integration declares: how a tenant authenticates to it, and its actions. An action is typed by zod input
 * and output schemas and runs over `fetch`; the same action serves as a workflow step and as an agent tool.
 */
export type IntegrationAuth =
  /** A token the tenant pastes (e.g. a HubSpot private-app token), sent as `Authorization: Bearer`. */
  | { kind: "api_key"; description: string }
  /** OAuth 2.0 authorization code with refresh only (its `oauth` says how); the connect flow stores the tokens. */
  | { kind: "oauth2" }
  /** A URL the vendor gave the tenant (Slack incoming webhooks): the URL is the secret. */
  | { kind: "incoming_webhook"; description: string }
  /** Nothing to connect (the generic HTTP action). */
  | { kind: "none" };

/** The opened credentials of an OAuth connection; `instance_url` is the API's base where the vendor names it per tenant (Salesforce). */
export interface OAuthCredentials {
  access_token: string;
  refresh_token?: string;
  expires_at?: string;
  instance_url?: string;
}

/** The opened credentials of a connection. */
export type Credentials = { api_key: string } | { webhook_url: string } | OAuthCredentials | Record<string, never>;

/** Env vars naming vendor hosts (configuration: the simulators locally and in tests). */
export type VendorUrlVar =
  | "HUBSPOT_API_BASE_URL"
  | "CALCOM_API_BASE_URL"
  | "HUBSPOT_APP_BASE_URL"
  | "SALESFORCE_LOGIN_URL"
  | "GOOGLE_ACCOUNTS_BASE_URL"
  | "GOOGLE_OAUTH_TOKEN_BASE_URL"
  | "GOOGLE_CALENDAR_API_BASE_URL";

/** How an integration is connected through OAuth 2.0 (authorization code with PKCE, refreshed before expiry). */
export interface OAuthProvider {
  authorize: { baseUrlVar: VendorUrlVar; path: string };
  token: { baseUrlVar: VendorUrlVar; path: string };
  scopes: readonly string[];
  /** Authorize parameters the vendor needs besides the standard ones (Google: `access_type=offline` for a refresh token). */
  authorizeParams?: Readonly<Record<string, string>>;
  /** The lifetime assumed when a token answer has no `expires_in` (Salesforce: the org's session timeout). */
  assumedLifetimeS?: number;
  /** The token answer's `instance_url` is the API's base (Salesforce). */
  instanceUrl?: boolean;
  /** Vendor error codes besides OAuth's `invalid_grant` that mean the grant is gone (HubSpot: `BAD_REFRESH_TOKEN`). */
  revokedCodes?: readonly string[];
}

export interface ActionContext {
  credentials: Credentials;
  /** The vendor API's base URL (configuration: the simulators locally, the vendor in production). */
  baseUrl: string;
  /** Fetch for platform-configured vendor APIs. */
  fetch: typeof fetch;
  /** Fetch for tenant-supplied URLs: the agent tools' SSRF rules apply to every request. */
  guardedFetch: typeof fetch;
  signal?: AbortSignal;
}

export interface IntegrationAction<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  description: string;
  input: I;
  /** Outputs keep ids and statuses, never personal data: they are stored with workflow runs. */
  output: O;
  run(input: z.infer<I>, ctx: ActionContext): Promise<z.infer<O>>;
}

export interface Integration {
  name: string;
  title: string;
  auth: IntegrationAuth;
  /** The Env var naming the vendor API's base URL, if it has a fixed one. */
  baseUrlVar?: VendorUrlVar;
  /** Set when the integration can be connected through OAuth (as its only way, or besides an API key). */
  oauth?: OAuthProvider;
  actions: Record<string, IntegrationAction>;
}

/** A vendor answer that is not a success; `retryable` for 408, 429 and 5xx (and network failures). */
export class IntegrationError extends Error {
  override name = "IntegrationError";
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

export const defineAction = <I extends z.ZodType, O extends z.ZodType>(action: IntegrationAction<I, O>): IntegrationAction => action as unknown as IntegrationAction;
