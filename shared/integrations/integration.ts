import type { z } from "zod";

/**
 * What an integration declares: how a tenant authenticates to it, and its actions. An action is typed by zod input
 * and output schemas and runs over `fetch`; the same action serves as a workflow step and as an agent tool.
 */
export type IntegrationAuth =
  /** A token the tenant pastes (e.g. a HubSpot private-app token), sent as `Authorization: Bearer`. */
  | { kind: "api_key"; description: string }
  /** OAuth 2.0 authorization code with refresh; the connect flow stores the tokens. */
  | { kind: "oauth2"; authorizeUrl: string; tokenPath: string; scopes: readonly string[] }
  /** A URL the vendor gave the tenant (Slack incoming webhooks): the URL is the secret. */
  | { kind: "incoming_webhook"; description: string }
  /** Nothing to connect (the generic HTTP action). */
  | { kind: "none" };

/** The opened credentials of a connection. */
export type Credentials = { api_key: string } | { webhook_url: string } | { access_token: string; refresh_token?: string; expires_at?: string } | Record<string, never>;

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
  baseUrlVar?: "HUBSPOT_API_BASE_URL" | "CALCOM_API_BASE_URL";
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
