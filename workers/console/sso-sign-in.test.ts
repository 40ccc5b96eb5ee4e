import { env } from "cloudflare:workers";
import { generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { api, createTenant, request } from "../../test/workers/api-client.ts";
import { fetchWithEnv } from "../../test/workers/worker-with-env.ts";

/** The provider: the test JWKS server's keys (JWKS_URL), its issuer, and the console's client id there. */
const SSO = { SSO_ISSUER: "https://idp.example.test", SSO_AUDIENCE: "console-client-id", SSO_LOGIN_URL: "https://idp.example.test/authorize?client_id=console-client-id" };
const providerKey = (JSON.parse(env.TEST_JWT_PRIVATE_JWKS) as (JWK & { kid: string; alg: string })[]).find((k) => k.alg === "ES256")!;
const nowS = () => Math.floor(Date.now() / 1000);

interface Claims {
  email?: string;
  iss?: string;
  aud?: string;
  exp?: number;
  email_verified?: boolean;
}

/** An ID token as the provider issues it; each case overrides the one thing it breaks. */
async function idToken(claims: Claims, key?: { key: CryptoKey; kid: string }) {
  const signer = key ?? { key: (await importJWK(providerKey, "ES256")) as CryptoKey, kid: providerKey.kid };
  const { email, email_verified } = claims;
  return new SignJWT({ email, ...(email_verified === undefined ? {} : { email_verified }) })
    .setProtectedHeader({ alg: "ES256", kid: signer.kid })
    .setSubject("idp-user-1")
    .setIssuer(claims.iss ?? SSO.SSO_ISSUER)
    .setAudience(claims.aud ?? SSO.SSO_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? nowS() + 600)
    .sign(signer.key);
}

const signIn = (token: string, vars: Partial<Env> = SSO) =>
  fetchWithEnv(new Request("https://api.test/console/api/sign-in/sso", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id_token: token }) }), vars);

async function consoleUser(role = "developer") {
  const t = await createTenant();
  const email = `sso-${crypto.randomUUID()}@example.com`;
  const user = await api(t.key).post("/v1/users", { email, role });
  return { accountId: t.accountId, id: user.json.id as string, email };
}

describe("console sign-in with an SSO provider's ID token", () => {
  it("a valid token for a known email starts a normal console session", async () => {
    const user = await consoleUser();
    const res = await signIn(await idToken({ email: user.email.toUpperCase(), email_verified: true }));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ stage: "active" });
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^__Host-console_session=[\w-]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/);

    const session = await request("GET", "/console/api/session", { headers: { cookie: cookie.split(";")[0]! } });
    expect(session.json).toMatchObject({ user: { id: user.id, email: user.email, role: "developer" }, account_id: user.accountId, stage: "active" });
    // The same CSRF rule as after a password: a token mint without the header is refused, with it allowed.
    expect((await request("POST", "/console/api/token", { headers: { cookie: cookie.split(";")[0]! } })).status).toBe(403);
    const minted = await request("POST", "/console/api/token", { headers: { cookie: cookie.split(";")[0]!, "x-csrf-token": session.json.csrf_token } });
    expect((await api(minted.json.token).get("/v1/agents")).status).toBe(200);
  });

  it("refuses a wrong issuer or audience, an expired token, an unknown email and a key the JWKS does not hold", async () => {
    const user = await consoleUser();
    const stranger = await generateKeyPair("ES256");
    const cases: [string, RegExp][] = [
      [await idToken({ email: user.email, iss: "https://other-idp.test" }), /^the token's "iss" claim is not accepted here \(expected iss=`SSO_ISSUER`/],
      [await idToken({ email: user.email, aud: "another-client" }), /^the token's "aud" claim is not accepted here/],
      [await idToken({ email: user.email, exp: nowS() - 120 }), /^the token has expired/],
      [await idToken({ email: `nobody-${crypto.randomUUID()}@example.com` }), /^no console user has the email .*SSO does not create users/],
      [await idToken({ email: user.email, email_verified: false }), /has not verified this email/],
      [await idToken({ email: user.email }, { key: stranger.privateKey, kid: "unknown-kid" }), /^no key in the configured JWKS matches/],
      [await idToken({ email: user.email }, { key: stranger.privateKey, kid: providerKey.kid }), /^the token's signature does not verify/],
    ];
    for (const [token, detail] of cases) {
      const res = await signIn(token);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(res.headers.get("set-cookie")).toBeNull();
      const body = await res.json<{ type: string; detail: string }>();
      expect(body.type).toBe("https://docs.ayb.dev/problems/unauthenticated");
      expect(body.detail).toMatch(detail);
    }
  });

  it("is offered only where configured: without SSO settings the page shows no entry and the route refuses", async () => {
    const user = await consoleUser();
    const config = (vars: Partial<Env>) => fetchWithEnv(new Request("https://api.test/console/api/sso"), vars).then((r) => r.json());
    expect(await config(SSO)).toEqual({ enabled: true, login_url: SSO.SSO_LOGIN_URL });
    expect(await config({})).toEqual({ enabled: false, login_url: null });
    const off = await signIn(await idToken({ email: user.email }), {});
    expect(off.status).toBe(404);
    expect(off.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });
});
