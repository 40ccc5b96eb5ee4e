import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { mintStreamToken, verifyStreamToken } from "./stream-token.ts";
import { tokenKey } from "./token-keys.ts";

const CALL = "CAL-7KQ2M9XD4H";

/** A token with every claim a media-stream token has, signed with `key`. */
const streamClaimsSignedWith = (key: Uint8Array) =>
  new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(CALL).setAudience("twilio-media-stream").setIssuer("voice-webhook").setIssuedAt().setExpirationTime("2m").sign(key);

describe("media-stream tokens", () => {
  it("verify for their own call", async () => {
    expect(await verifyStreamToken(env.JWT_SECRET, await mintStreamToken(env.JWT_SECRET, CALL), CALL)).toEqual({ ok: true });
  });

  it("are not accepted when signed with the dashboard key or JWT_SECRET itself, even with a stream token's claims", async () => {
    const dashboardSigned = await streamClaimsSignedWith(await tokenKey(env.JWT_SECRET, "dashboard"));
    expect(await verifyStreamToken(env.JWT_SECRET, dashboardSigned, CALL)).toEqual({ ok: false, reason: "invalid" });
    const secretSigned = await streamClaimsSignedWith(new TextEncoder().encode(env.JWT_SECRET));
    expect(await verifyStreamToken(env.JWT_SECRET, secretSigned, CALL)).toEqual({ ok: false, reason: "invalid" });
  });

  it("derive one key per use from the secret", async () => {
    const [dashboard, stream] = await Promise.all([tokenKey(env.JWT_SECRET, "dashboard"), tokenKey(env.JWT_SECRET, "media-stream")]);
    expect(dashboard.byteLength).toBe(32);
    expect(dashboard).not.toEqual(stream);
    expect(await tokenKey(env.JWT_SECRET, "dashboard")).toEqual(dashboard);
  });
});
