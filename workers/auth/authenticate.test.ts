import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { tokenKey } from "../../shared/auth/token-keys.ts";
import { mintStreamToken } from "../../shared/auth/stream-token.ts";
import { api, createTenant, request, type Tenant } from "../../test/workers/api-client.ts";
import { fetchWithEnv } from "../../test/workers/worker-with-env.ts";
import type { Role } from "./scopes.ts";

const AGENT = { name: "x", config: { system_prompt: "Be brief.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } } };
const ssoKeys = JSON.parse(env.TEST_JWT_PRIVATE_JWKS) as (JWK & { kid: string; alg: "RS256" | "ES256" })[];
const hsSecret = (secret: string) => new TextEncoder().encode(secret);
const dashboardKey = () => tokenKey(env.JWT_SECRET, "dashboard");
const nowS = () => Math.floor(Date.now() / 1000);

const count = async (table: "users" | "agents" | "audit_log", accountId: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE account_id = ?`).bind(accountId).first<{ n: number }>())!.n;

interface Claims {
  sub: string;
  account_id: string;
  iss?: string;
  aud?: string;
  /** Seconds since the epoch; null leaves the claim out. */
  exp?: number | null;
  iat?: number | null;
}

/** A dashboard JWT as an identity provider would issue it; each test overrides the one thing it breaks. */
function sign(key: CryptoKey | Uint8Array, header: { alg: string; kid?: string }, claims: Claims) {
  const jwt = new SignJWT({ account_id: claims.account_id })
    .setProtectedHeader(header)
    .setSubject(claims.sub)
    .setIssuer(claims.iss ?? env.JWT_ISSUER)
    .setAudience(claims.aud ?? env.JWT_AUDIENCE);
  if (claims.iat !== null) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== null) jwt.setExpirationTime(claims.exp ?? "10m");
  return jwt.sign(key);
}

/** A user with `role` in the tenant's account, and a session token minted for it through the API. */
async function dashboardUser(t: Tenant, role: Role) {
  const user = await api(t.key).post("/v1/users", { email: `${role}-${crypto.randomUUID()}@example.com`, role });
  const session = await api(t.key).post(`/v1/users/${user.json.id}/tokens`);
  return { id: user.json.id as string, token: session.json.token as string };
}

async function expect401(res: { status: number; json: any; headers: Headers }, detail: string | RegExp) {
  expect(res.status).toBe(401);
  expect(res.json.type).toBe("https://docs.ayb.dev/problems/unauthenticated");
  expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  if (typeof detail === "string") expect(res.json.detail).toBe(detail);
  else expect(res.json.detail).toMatch(detail);
}

describe("authentication", () => {
  it("refuses missing, malformed and unknown credentials before the handler runs", async () => {
    const t = await createTenant();
    const body = { email: "intruder@example.com", role: "owner" };
    const cases: [Record<string, string>, string][] = [
      [{}, "send `Authorization: Bearer <api key or token>`"],
      [{ authorization: `Basic ${btoa("user:pass")}` }, "the Authorization header must be `Bearer <api key or token>`"],
      [{ authorization: "Bearer" }, "the Authorization header must be `Bearer <api key or token>`"],
      [{ authorization: t.key }, "the Authorization header must be `Bearer <api key or token>`"],
      [{ authorization: `Bearer ${t.key} extra` }, "the Authorization header must be `Bearer <api key or token>`"],
      [{ authorization: "Bearer not-a-key-or-token" }, "the bearer token is neither an API key nor a JWT"],
      [{ authorization: `Bearer ayb_live_${"x".repeat(32)}` }, "the API key is not valid"],
      [{ authorization: `Bearer ${t.key.slice(0, -1)}` }, "the API key is not valid"],
    ];
    for (const [headers, detail] of cases) {
      await expect401(await request("POST", "/v1/users", { headers, body }), detail);
    }
    expect(await count("users", t.accountId)).toBe(1);
    expect(await count("audit_log", t.accountId)).toBe(1);
  });

  it("refuses a revoked key at once, even one this isolate has just accepted", async () => {
    const t = await createTenant();
    const { json: key } = await api(t.key).post("/v1/api-keys", { name: "old", scopes: ["users:read", "users:write"] });
    expect((await api(key.key).get("/v1/users")).status).toBe(200);
    await api(t.key).delete(`/v1/api-keys/${key.id}`);
    await expect401(await api(key.key).post("/v1/users", { email: "late@example.com", role: "viewer" }), "the API key was revoked; create a new one");
    expect(await count("users", t.accountId)).toBe(1);
  });

  it("refuses a key without the route's scope and names the scope", async () => {
    const t = await createTenant();
    const { json: key } = await api(t.key).post("/v1/api-keys", { name: "reader", scopes: ["agents:read"] });
    const auditBefore = await count("audit_log", t.accountId);
    const res = await api(key.key).post("/v1/users", { email: "sneaky@example.com", role: "owner" });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ type: "https://docs.ayb.dev/problems/forbidden", detail: "this route needs the `users:write` scope", required_scope: "users:write" });
    expect(await count("users", t.accountId)).toBe(1);
    expect(await count("audit_log", t.accountId)).toBe(auditBefore);
  });

  it("gives dashboard users the scopes of their role", async () => {
    const t = await createTenant();
    const viewer = api((await dashboardUser(t, "viewer")).token);
    for (const path of ["/v1/accounts/me", "/v1/users", "/v1/agents"]) expect((await viewer.get(path)).status).toBe(200);
    const writes = [await viewer.post("/v1/agents", AGENT), await viewer.patch("/v1/accounts/me", { name: "Renamed" }), await viewer.post("/v1/users", { email: "v@example.com", role: "owner" })];
    expect(writes.map((r) => [r.status, r.json.required_scope])).toEqual([
      [403, "agents:write"],
      [403, "account:write"],
      [403, "users:write"],
    ]);
    expect(await count("agents", t.accountId)).toBe(0);
    expect(await count("users", t.accountId)).toBe(2);
    expect((await api(t.key).get("/v1/accounts/me")).json.name).not.toBe("Renamed");

    // Only owners manage access: an admin reads keys and the audit log but cannot create users or keys.
    const admin = api((await dashboardUser(t, "admin")).token);
    expect((await admin.get("/v1/api-keys")).status).toBe(200);
    expect((await admin.get("/v1/audit-log")).status).toBe(200);
    expect((await admin.post("/v1/users", { email: "a2@example.com", role: "owner" })).json.required_scope).toBe("users:write");
    expect((await admin.post("/v1/api-keys", { name: "k", scopes: ["agents:read"] })).json.required_scope).toBe("keys:write");
    const developer = api((await dashboardUser(t, "developer")).token);
    expect((await developer.post("/v1/agents", AGENT)).status).toBe(201);
    expect((await developer.get("/v1/audit-log")).json.required_scope).toBe("audit:read");
  });

  describe("HS256 tokens", () => {
    it("accepts a token signed with the dashboard key derived from JWT_SECRET for an existing user", async () => {
      const t = await createTenant();
      const token = await sign(await dashboardKey(), { alg: "HS256" }, { sub: t.ownerId, account_id: t.accountId });
      const res = await api(token).get("/v1/accounts/me");
      expect(res.status).toBe(200);
      expect(res.json.id).toBe(t.accountId);
    });

    it("refuses expired, misaddressed, forged and incomplete tokens", async () => {
      const t = await createTenant();
      const ok = { sub: t.ownerId, account_id: t.accountId };
      const secret = await dashboardKey();
      const other = await createTenant();
      const cases: [string, string | RegExp][] = [
        [await sign(secret, { alg: "HS256" }, { ...ok, exp: Math.floor(Date.now() / 1000) - 120 }), /^the token has expired/],
        [await sign(secret, { alg: "HS256" }, { ...ok, aud: "someone-else" }), /^the token's "aud" claim is not accepted/],
        [await sign(secret, { alg: "HS256" }, { ...ok, iss: "evil-issuer" }), /^the token's "iss" claim is not accepted/],
        [await sign(hsSecret("not-the-secret-0123456789abcdef0123456789"), { alg: "HS256" }, ok), "the token's signature does not verify; it was not issued for this platform"],
        // A real user paired with another account must not open that account.
        [await sign(secret, { alg: "HS256" }, { ...ok, account_id: other.accountId }), "the token's user does not exist in that account"],
        [await sign(secret, { alg: "HS256" }, { ...ok, sub: "USR-2222222222" }), "the token's user does not exist in that account"],
        [await new SignJWT({ sub: t.ownerId }).setProtectedHeader({ alg: "HS256" }).setIssuer(env.JWT_ISSUER).setAudience(env.JWT_AUDIENCE).setExpirationTime("10m").sign(secret), "the token must carry `sub` (user id) and `account_id` claims"],
        [`${btoa(JSON.stringify({ alg: "none" }))}.${btoa(JSON.stringify(ok))}.`, "unsupported token algorithm none; use HS256, RS256 or ES256"],
      ];
      for (const [token, detail] of cases) {
        await expect401(await api(token).post("/v1/agents", AGENT), detail);
      }
      expect(await count("agents", t.accountId)).toBe(0);
      expect(await count("agents", other.accountId)).toBe(0);
    });

    it("refuses a token signed with JWT_SECRET itself or with the media-stream key, and a media-stream token", async () => {
      const t = await createTenant();
      const ok = { sub: t.ownerId, account_id: t.accountId };
      const signatureFails = "the token's signature does not verify; it was not issued for this platform";
      await expect401(await api(await sign(hsSecret(env.JWT_SECRET), { alg: "HS256" }, ok)).post("/v1/agents", AGENT), signatureFails);
      await expect401(await api(await sign(await tokenKey(env.JWT_SECRET, "media-stream"), { alg: "HS256" }, ok)).post("/v1/agents", AGENT), signatureFails);
      await expect401(await api(await mintStreamToken(env.JWT_SECRET, "CAL-2222222222")).post("/v1/agents", AGENT), signatureFails);
      expect(await count("agents", t.accountId)).toBe(0);
    });
  });

  describe("token lifetime", () => {
    const keys = async () => {
      const rs = ssoKeys.find((k) => k.alg === "RS256")!;
      return [
        ["HS256", await dashboardKey(), { alg: "HS256" }],
        ["RS256", (await importJWK(rs, "RS256")) as CryptoKey, { alg: "RS256", kid: rs.kid }],
      ] as const;
    };

    it("refuses dashboard and SSO tokens without exp, or valid for more than 24 hours", async () => {
      const t = await createTenant();
      const ok = { sub: t.ownerId, account_id: t.accountId };
      for (const [alg, key, header] of await keys()) {
        const cases: [string, Claims, string | RegExp][] = [
          ["no exp", { ...ok, exp: null }, "the token must carry an `exp` claim: tokens that never expire are not accepted"],
          ["exp − iat of 24 h and 1 s", { ...ok, iat: nowS(), exp: nowS() + 86_401 }, /^the token is valid for 86401 s; tokens may live at most 86400 s/],
          ["no iat and exp 25 h ahead", { ...ok, iat: null, exp: nowS() + 25 * 3600 }, /^the token is valid for 9000\d s; tokens may live at most 86400 s/],
          ["an iat in the future to hide a long exp", { ...ok, iat: nowS() + 30 * 86_400, exp: nowS() + 30 * 86_400 + 60 }, /^the token is valid for 25920\d\d s/],
        ];
        for (const [label, claims, detail] of cases) {
          const res = await api(await sign(key, header, claims)).post("/v1/agents", AGENT);
          expect(res.status, `${alg} with ${label}`).toBe(401);
          await expect401(res, detail);
        }
        const day = await api(await sign(key, header, { ...ok, iat: nowS(), exp: nowS() + 86_400 })).get("/v1/accounts/me");
        expect(day.status, `${alg} valid for exactly 24 h`).toBe(200);
      }
      expect(await count("agents", t.accountId)).toBe(0);
    });

    it("takes the longest lifetime from JWT_MAX_LIFETIME_S", async () => {
      const t = await createTenant();
      const token = await sign(await dashboardKey(), { alg: "HS256" }, { sub: t.ownerId, account_id: t.accountId, iat: nowS(), exp: nowS() + 600 });
      const asked = (maxLifetimeS: string) =>
        fetchWithEnv(new Request("https://api.test/v1/accounts/me", { headers: { authorization: `Bearer ${token}` } }), { JWT_MAX_LIFETIME_S: maxLifetimeS });
      expect((await asked("600")).status).toBe(200);
      const refused = await asked("599");
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/^the token is valid for 600 s; tokens may live at most 599 s/);
    });
  });

  describe("RS256 and ES256 tokens from the JWKS", () => {
    it("the test JWKS holds one key of each algorithm", () => {
      expect(ssoKeys.map((k) => k.alg).sort()).toEqual(["ES256", "RS256"]);
    });

    for (const alg of ["RS256", "ES256"] as const) {
      it(`accepts a ${alg} token signed by a key in the JWKS, and refuses it for the wrong audience`, async () => {
        const t = await createTenant();
        const jwk = ssoKeys.find((k) => k.alg === alg)!;
        const key = (await importJWK(jwk, alg)) as CryptoKey;
        const user = await dashboardUser(t, "developer");
        const token = await sign(key, { alg, kid: jwk.kid }, { sub: user.id, account_id: t.accountId });
        const created = await api(token).post("/v1/agents", AGENT);
        expect(created.status).toBe(201);
        const { results } = await env.DB.prepare("SELECT actor FROM audit_log WHERE account_id = ? AND resource = ?").bind(t.accountId, created.json.id).all();
        expect(results).toEqual([{ actor: `user:${user.id}` }]);

        const wrongAudience = await sign(key, { alg, kid: jwk.kid }, { sub: user.id, account_id: t.accountId, aud: "another-api" });
        await expect401(await api(wrongAudience).post("/v1/agents", AGENT), /^the token's "aud" claim is not accepted/);
        expect(await count("agents", t.accountId)).toBe(1);
      });
    }

    it("refuses tokens signed by a key the JWKS does not hold", async () => {
      const t = await createTenant();
      const ok = { sub: t.ownerId, account_id: t.accountId };
      const { privateKey } = await generateKeyPair("ES256", { extractable: true });
      const known = ssoKeys.find((k) => k.alg === "ES256")!;
      expect((await exportJWK(privateKey)).x).not.toBe(known.x);
      const cases: [string, string | RegExp][] = [
        [await sign(privateKey, { alg: "ES256", kid: "unknown-kid" }, ok), /^no key in the configured JWKS matches/],
        // A stranger's key under a known kid: the kid resolves, the signature does not verify.
        [await sign(privateKey, { alg: "ES256", kid: known.kid }, ok), "the token's signature does not verify; it was not issued for this platform"],
        // An HS256 token is checked against the dashboard key alone, whatever kid it names.
        [await sign(hsSecret("guess"), { alg: "HS256", kid: known.kid }, ok), "the token's signature does not verify; it was not issued for this platform"],
      ];
      for (const [token, detail] of cases) {
        await expect401(await api(token).patch("/v1/accounts/me", { name: "Taken over" }), detail);
      }
      expect((await api(t.key).get("/v1/accounts/me")).json.name).not.toBe("Taken over");
      expect(await count("audit_log", t.accountId)).toBe(1);
    });
  });
});
