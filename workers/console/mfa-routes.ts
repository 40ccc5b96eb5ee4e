import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { matchTotp, newTotpSecret, otpauthUri } from "../../shared/console/totp.ts";
import { database, nowIso } from "../../shared/db/client.ts";
import { consoleLogins } from "../../shared/db/console-schema.ts";
import { ApiError } from "../api/problem.ts";
import { loginByUser, newRecoveryCodes, openTotpSecret, sealTotpSecret } from "./console-logins.ts";
import { requireSession, setSessionStage } from "./console-sessions.ts";
import { validJson } from "./valid-json.ts";

const ISSUER = "Voice Agent Console";

/** Enrolling a TOTP authenticator: a secret is stored sealed, and turns on only once a code from it is confirmed. */
export const mfaRoutes = new Hono<{ Bindings: Env }>();

mfaRoutes.post("/totp", async (c) => {
  const session = await requireSession(c, ["active", "mfa_setup"]);
  const login = await loginByUser(c.env, session.userId);
  if (!login) throw new ApiError("not-found", "this user has no console login");
  if (login.totpEnabledAt) throw new ApiError("conflict", "two-factor authentication is already on");
  const secret = newTotpSecret();
  await database(c.env.DB).update(consoleLogins).set({ totpSecret: await sealTotpSecret(c.env, login.userId, secret) }).where(eq(consoleLogins.userId, login.userId)).run();
  c.header("cache-control", "no-store");
  return c.json({ secret, otpauth_uri: otpauthUri(ISSUER, login.email, secret) });
});

mfaRoutes.post(
  "/totp/confirm",
  validJson(z.object({ code: z.string().trim() }).strict()),
  async (c) => {
    const session = await requireSession(c, ["active", "mfa_setup"]);
    const login = await loginByUser(c.env, session.userId);
    const secret = login && !login.totpEnabledAt ? await openTotpSecret(c.env, login) : null;
    if (!login || !secret) throw new ApiError("conflict", "start the set-up first (POST /console/api/mfa/totp)");
    const step = await matchTotp(secret, c.req.valid("json").code, Date.now(), null);
    if (step === null) throw new ApiError("validation-error", "that code does not match; check the time on your device", { errors: [{ path: "code", message: "does not match" }] });
    const { codes, hashes } = await newRecoveryCodes();
    await database(c.env.DB).update(consoleLogins).set({ totpEnabledAt: nowIso(), totpLastStep: step, recoveryCodes: hashes }).where(eq(consoleLogins.userId, login.userId)).run();
    await setSessionStage(c.env, session.id, "active");
    c.header("cache-control", "no-store");
    return c.json({ recovery_codes: codes });
  },
);
