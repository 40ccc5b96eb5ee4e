import { createHash, randomBytes } from "node:crypto";
import type { VendorAnswer, VendorRequest } from "./recorded-request.ts";

/**
 * A vendor's OAuth 2.0 authorization server (RFC 6749 authorization code grant with refresh, RFC 7636 PKCE), as
 * the stand-ins of HubSpot, Salesforce and Google run it. The authorize endpoint consents at once for a test user
 * and redirects with a code; the token endpoint checks the client credentials, the code (single-use, 10 minutes,
 * issued to that client and redirect URI), the S256 verifier against the challenge, and the grant type. Tokens of a
 * revoked grant (control API) are refused everywhere, and a refresh with them is `invalid_grant`.
 */
export type OAuthErrorCode = "invalid_request" | "invalid_client" | "invalid_grant" | "unsupported_grant_type" | "redirect_uri_mismatch";

export interface Grant {
  id: string;
  scope: string;
  refreshToken?: string;
  revoked: boolean;
  /** Lifetime of this grant's access tokens (seconds); undefined: the vendor's default. */
  lifetimeS?: number;
}

export interface OAuthServerOptions {
  authorizePath: string;
  tokenPath: string;
  client: { client_id: string; client_secret: string };
  /** The vendor's access token lifetime (seconds), or undefined when its answer carries none (Salesforce). */
  defaultLifetimeS?: number;
  /** Whether the authorization code grant yields a refresh token (Google: only for `access_type=offline`). */
  issuesRefreshToken(authorize: URLSearchParams): boolean;
  /** The vendor's own fields besides access_token, refresh_token and expires_in. */
  extraFields(grant: Grant, request: VendorRequest): Record<string, unknown>;
  /** The vendor's error body for an OAuth error (HubSpot does not use RFC 6749's). */
  errorBody?(code: OAuthErrorCode, description: string, grantType: string | null): unknown;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  grant: Grant;
  issuedRefresh: boolean;
  used: boolean;
  expiresAt: number;
}

const CODE_TTL_MS = 10 * 60_000;
const token = (prefix: string) => `${prefix}${randomBytes(24).toString("base64url")}`;
const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

export interface OAuthServer {
  /** Answers the authorize and token endpoints; undefined for other paths. */
  handle(request: VendorRequest): VendorAnswer | undefined;
  /** A live access token of a grant not revoked. */
  isAccessToken(authorization: string | undefined): boolean;
  /** Control: revoke the grant a code was issued for (its access and refresh tokens). */
  revoke(code: string): boolean;
  /** Control: the lifetime of the access tokens of the grant a code was issued for. */
  setLifetime(code: string, seconds: number): boolean;
}

export function oauthServer(options: OAuthServerOptions): OAuthServer {
  const codes = new Map<string, IssuedCode>();
  const refreshTokens = new Map<string, Grant>();
  const accessTokens = new Map<string, { grant: Grant; expiresAt: number | undefined }>();

  const error = (status: number, code: OAuthErrorCode, description: string, grantType: string | null = null): VendorAnswer => ({
    status,
    body: options.errorBody ? options.errorBody(code, description, grantType) : { error: code, error_description: description },
  });

  function authorize(request: VendorRequest): VendorAnswer {
    const q = request.query;
    const redirectUri = q.get("redirect_uri") ?? "";
    // Without a known client or a valid redirect URI the server must not redirect (RFC 6749 §4.1.2.1).
    if (q.get("client_id") !== options.client.client_id) return error(400, "invalid_client", "client identifier invalid");
    if (!/^https?:\/\/[^/]+\/oauth\/callback$/.test(redirectUri)) return error(400, "redirect_uri_mismatch", "redirect_uri must match a registered callback URL");
    const back = new URL(redirectUri);
    if (q.get("state")) back.searchParams.set("state", q.get("state")!);
    const challenge = q.get("code_challenge") ?? undefined;
    if (q.get("response_type") !== "code" || (challenge !== undefined && q.get("code_challenge_method") !== "S256") || !q.get("scope")) {
      back.searchParams.set("error", "invalid_request");
      return { status: 302, body: undefined, headers: { location: back.toString() } };
    }
    const code = token("code-");
    const grant: Grant = { id: token("grant-"), scope: q.get("scope")!, revoked: false };
    codes.set(code, { clientId: options.client.client_id, redirectUri, challenge, grant, issuedRefresh: options.issuesRefreshToken(q), used: false, expiresAt: Date.now() + CODE_TTL_MS });
    back.searchParams.set("code", code);
    return { status: 302, body: undefined, headers: { location: back.toString() } };
  }

  function issue(grant: Grant, withRefresh: boolean, request: VendorRequest): VendorAnswer {
    const access = token("at-");
    const lifetimeS = grant.lifetimeS ?? options.defaultLifetimeS;
    accessTokens.set(access, { grant, expiresAt: lifetimeS === undefined ? undefined : Date.now() + lifetimeS * 1000 });
    if (withRefresh && grant.refreshToken === undefined) {
      grant.refreshToken = token("rt-");
      refreshTokens.set(grant.refreshToken, grant);
    }
    const body = {
      access_token: access,
      ...(withRefresh && { refresh_token: grant.refreshToken }),
      ...(lifetimeS !== undefined && { expires_in: lifetimeS }),
      ...options.extraFields(grant, request),
    };
    return { status: 200, body };
  }

  function exchange(request: VendorRequest): VendorAnswer {
    if (!(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    const form = new URLSearchParams(request.rawBody);
    const grantType = form.get("grant_type");
    if (form.get("client_id") !== options.client.client_id || form.get("client_secret") !== options.client.client_secret) return error(401, "invalid_client", "invalid client credentials", grantType);
    if (grantType === "authorization_code") {
      const issued = codes.get(form.get("code") ?? "");
      if (!issued || issued.expiresAt < Date.now()) return error(400, "invalid_grant", "invalid authorization code", grantType);
      // A code used twice revokes what it gave (RFC 6749 §4.1.2).
      if (issued.used) {
        issued.grant.revoked = true;
        return error(400, "invalid_grant", "authorization code already used", grantType);
      }
      issued.used = true;
      if (form.get("redirect_uri") !== issued.redirectUri) return error(400, "invalid_grant", "redirect_uri does not match the authorization request", grantType);
      if (issued.challenge !== undefined && s256(form.get("code_verifier") ?? "") !== issued.challenge) return error(400, "invalid_grant", "invalid code verifier", grantType);
      return issue(issued.grant, issued.issuedRefresh, request);
    }
    if (grantType === "refresh_token") {
      const grant = refreshTokens.get(form.get("refresh_token") ?? "");
      if (!grant || grant.revoked) return error(400, "invalid_grant", "expired or revoked refresh token", grantType);
      return issue(grant, false, request);
    }
    return error(400, "unsupported_grant_type", `grant type not supported: ${grantType}`, grantType);
  }

  const grantOf = (code: string) => codes.get(code)?.grant;

  return {
    handle(request) {
      if (request.path === options.authorizePath && request.method === "GET") return authorize(request);
      if (request.path === options.tokenPath && request.method === "POST") return exchange(request);
      return undefined;
    },
    isAccessToken(authorization) {
      const held = accessTokens.get(authorization?.replace(/^Bearer /, "") ?? "");
      return held !== undefined && !held.grant.revoked && (held.expiresAt === undefined || held.expiresAt > Date.now());
    },
    revoke(code) {
      const grant = grantOf(code);
      if (grant) grant.revoked = true;
      return grant !== undefined;
    },
    setLifetime(code, seconds) {
      const grant = grantOf(code);
      if (grant) grant.lifetimeS = seconds;
      return grant !== undefined;
    },
  };
}
