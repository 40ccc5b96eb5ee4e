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
  nonce?: string;
}

/** An ID token as the provider issues it; each case overrides the one thing it breaks. */
async function idToken(claims: Claims, key?: { key: CryptoKey; kid: string }) {
  const signer = key ?? { key: (await importJWK(providerKey, "ES256")) as CryptoKey, kid: providerKey.kid };
  const { email, email_verified, nonce } = claims;
  return new SignJWT({ email, ...(email_verified === undefined ? {} : { email_verified }), ...(nonce === undefined ? {} : { nonce }) })
    .setProtectedHeader({ alg: "ES256", kid: signer.kid })
    .setSubject("idp-user-1")
    .setIssuer(claims.iss ?? SSO.SSO_ISSUER)
    .setAudience(claims.aud ?? SSO.SSO_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? nowS() + 600)
    .sign(signer.key);
}

/** The sign-in page's first step: the login URL's `nonce`, and the cookie that holds its secret in this browser. */
async function startSignIn(vars: Partial<Env> = SSO): Promise<{ nonce: string; cookie: string }> {
  const res = await fetchWithEnv(new Request("https://api.test/console/api/sso"), vars);
  const { login_url } = await res.json<{ login_url: string }>();
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-console_sso_nonce="))!;
  expect(cookie).toMatch(/^__Host-console_sso_nonce=[\w-]+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  return { nonce: new URL(login_url).searchParams.get("nonce")!, cookie: cookie.split(";")[0]! };
}

const signIn = (token: string, cookie?: string, vars: Partial<Env> = SSO) =>
  fetchWithEnv(new Request("https://api.test/console/api/sign-in/sso", { method: "POST", headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ id_token: token }) }), vars);

const sessionCookie = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith("__Host-console_session="));

async function consoleUser(role = "developer") {
  const t = await createTenant();
  const email = `sso-${crypto.randomUUID()}@example.com`;
  const user = await api(t.key).post("/v1/users", { email, role });
  return { accountId: t.accountId, id: user.json.id as string, email };
}

describe("console sign-in with an SSO provider's ID token", () => {
  it("a valid token for a known email starts a normal console session", async () => {
    const user = await consoleUser();
    const browser = await startSignIn();
    const token = await idToken({ email: user.email.toUpperCase(), email_verified: true, nonce: browser.nonce });
    const res = await signIn(token, browser.cookie);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ stage: "active" });
    const cookie = sessionCookie(res)!;
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
    const browser = await startSignIn();
    const nonce = browser.nonce;
    const cases: [string, RegExp][] = [
      [await idToken({ email: user.email, nonce, iss: "https://other-idp.test" }), /^the token's "iss" claim is not accepted here \(expected iss=`SSO_ISSUER`/],
      [await idToken({ email: user.email, nonce, aud: "another-client" }), /^the token's "aud" claim is not accepted here/],
      [await idToken({ email: user.email, nonce, exp: nowS() - 120 }), /^the token has expired/],
      [await idToken({ email: `nobody-${crypto.randomUUID()}@example.com`, nonce }), /^no console user has the email .*SSO does not create users/],
      [await idToken({ email: user.email, nonce, email_verified: false }), /has not verified this email/],
      [await idToken({ email: user.email, nonce }, { key: stranger.privateKey, kid: "unknown-kid" }), /^no key in the configured JWKS matches/],
      [await idToken({ email: user.email, nonce }, { key: stranger.privateKey, kid: providerKey.kid }), /^the token's signature does not verify/],
    ];
    for (const [token, detail] of cases) {
      const res = await signIn(token, browser.cookie);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(sessionCookie(res)).toBeUndefined();
      const body = await res.json<{ type: string; detail: string }>();
      expect(body.type).toBe("https://docs.ayb.dev/problems/unauthenticated");
      expect(body.detail).toMatch(detail);
    }
  });

  it("takes a token only in the browser that asked for it: no nonce, another browser's nonce, or no cookie is refused", async () => {
    const user = await consoleUser();
    const [mine, theirs] = [await startSignIn(), await startSignIn()];
    const cases: [string, string | undefined][] = [
      [await idToken({ email: user.email }), mine.cookie],
      [await idToken({ email: user.email, nonce: theirs.nonce }), mine.cookie],
      [await idToken({ email: user.email, nonce: mine.nonce }), undefined],
    ];
    for (const [token, cookie] of cases) {
      const res = await signIn(token, cookie);
      expect(res.status).toBe(401);
      expect((await res.json<{ detail: string }>()).detail).toMatch(/^the ID token's nonce does not match this browser's sign-in/);
      expect(sessionCookie(res)).toBeUndefined();
      // Every attempt spends the browser's nonce: it is told to forget the cookie.
      expect(res.headers.getSetCookie().some((c) => /^__Host-console_sso_nonce=;.*Max-Age=0/.test(c))).toBe(true);
    }
    expect((await signIn(await idToken({ email: user.email, nonce: mine.nonce }), mine.cookie)).status).toBe(200);
  });

  it("is offered only where configured: without SSO settings the page shows no entry and the route refuses", async () => {
    const user = await consoleUser();
    const config = (vars: Partial<Env>) => fetchWithEnv(new Request("https://api.test/console/api/sso"), vars).then((r) => r.json());
    const offered = (await config(SSO)) as { enabled: boolean; login_url: string };
    expect(offered.enabled).toBe(true);
    const loginUrl = new URL(offered.login_url);
    expect(`${loginUrl.origin}${loginUrl.pathname}`).toBe("https://idp.example.test/authorize");
    expect(loginUrl.searchParams.get("client_id")).toBe("console-client-id");
    expect(loginUrl.searchParams.get("nonce")).toMatch(/^[0-9a-f]{64}$/);
    expect(await config({})).toEqual({ enabled: false, login_url: null });
    const off = await signIn(await idToken({ email: user.email }), undefined, {});
    expect(off.status).toBe(404);
    expect(off.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });
});
