import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode, hotp, matchTotp, totpCode } from "./totp.ts";

const RFC_SECRET = new Uint8Array(new TextEncoder().encode("12345678901234567890"));

describe("TOTP", () => {
  it("matches the RFC 6238 SHA-1 test vectors", async () => {
    // RFC 6238 appendix B, 8 digits: T = 59 s, 1111111109 s, 2000000000 s.
    expect(await hotp(RFC_SECRET, Math.floor(59 / 30), 8)).toBe("94287082");
    expect(await hotp(RFC_SECRET, Math.floor(1111111109 / 30), 8)).toBe("07081804");
    expect(await hotp(RFC_SECRET, Math.floor(2000000000 / 30), 8)).toBe("69279037");
  });

  it("round-trips base32", () => {
    expect(base32Decode(base32Encode(RFC_SECRET))).toEqual(RFC_SECRET);
  });

  it("accepts one step of drift and refuses a code already used", async () => {
    const secret = base32Encode(RFC_SECRET);
    const t = 1_700_000_000_000;
    const code = await totpCode(secret, t);
    const step = await matchTotp(secret, code, t + 30_000, null);
    expect(step).toBe(Math.floor(t / 30_000));
    expect(await matchTotp(secret, code, t, step)).toBeNull();
    expect(await matchTotp(secret, code, t + 90_000, null)).toBeNull();
    expect(await matchTotp(secret, "12345", t, null)).toBeNull();
  });
});
