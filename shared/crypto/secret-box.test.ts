import { describe, expect, it } from "vitest";
import { bytesToBase64, base64ToBytes } from "./base64.ts";
import { SecretBox, SecretBoxError, type SealedSecret } from "./secret-box.ts";

const keyOf = (fill: number) => bytesToBase64(new Uint8Array(32).fill(fill));
const K1 = `k1:${keyOf(1)}`;
const K2 = `k2:${keyOf(2)}`;
const PLAINTEXT = "twilio-auth-token-3f9a";
const CONTEXT = "twilio-auth-token:AYB-2345-6789-ABCD";

/** Flips one bit of the sealed bytes at `index` (negative counts from the end). */
function flipByte(secret: SealedSecret, index: number): SealedSecret {
  const bytes = base64ToBytes(secret.ciphertext);
  bytes[(index + bytes.length) % bytes.length]! ^= 0x01;
  return { ...secret, ciphertext: bytesToBase64(bytes) };
}

async function expectRejection(promise: Promise<unknown>, message: RegExp) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SecretBoxError);
  expect((err as Error).message).toMatch(message);
  // A failure names the key id, never the secret or the key material.
  expect((err as Error).message).not.toContain(PLAINTEXT);
  expect((err as Error).message).not.toContain(keyOf(1));
  expect((err as Error).message).not.toContain(keyOf(2));
}

describe("SecretBox", () => {
  it("round-trips a secret and draws a fresh IV for every seal", async () => {
    const box = new SecretBox(K1);
    const a = await box.seal(PLAINTEXT, CONTEXT);
    const b = await box.seal(PLAINTEXT, CONTEXT);
    expect(a.keyId).toBe("k1");
    expect(a.ciphertext).not.toContain(PLAINTEXT);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(base64ToBytes(a.ciphertext).length).toBe(12 + new TextEncoder().encode(PLAINTEXT).length + 16);
    expect(await box.open(a, CONTEXT)).toBe(PLAINTEXT);
    expect(await new SecretBox(K1).open(b, CONTEXT)).toBe(PLAINTEXT);
    expect(await box.open(await box.seal("", CONTEXT), CONTEXT)).toBe("");
  });

  it("fails loudly, never with garbage, when the key under the same id is different", async () => {
    const sealed = await new SecretBox(K1).seal(PLAINTEXT, CONTEXT);
    await expectRejection(new SecretBox(`k1:${keyOf(9)}`).open(sealed, CONTEXT), /could not be decrypted with key "k1" \(wrong key or tampered data\)/);
  });

  it("names an unknown key id and says how to fix the ring", async () => {
    const sealed = await new SecretBox(K1).seal(PLAINTEXT, CONTEXT);
    await expectRejection(new SecretBox(K2).open(sealed, CONTEXT), /encrypted with key "k1", which is not in ENCRYPTION_KEY; keep retired keys listed/);
  });

  it("rejects a tampered IV, ciphertext or tag, a truncated value, non-base64 and another owner's context", async () => {
    const box = new SecretBox(K1);
    const sealed = await box.seal(PLAINTEXT, CONTEXT);
    const unreadable = /could not be decrypted with key "k1"/;
    await expectRejection(box.open(flipByte(sealed, 0), CONTEXT), unreadable); // IV
    await expectRejection(box.open(flipByte(sealed, 12), CONTEXT), unreadable); // ciphertext
    await expectRejection(box.open(flipByte(sealed, -1), CONTEXT), unreadable); // tag
    await expectRejection(box.open({ ...sealed, ciphertext: bytesToBase64(base64ToBytes(sealed.ciphertext).subarray(0, 20)) }, CONTEXT), unreadable);
    await expectRejection(box.open({ ...sealed, ciphertext: "not base64 !!" }, CONTEXT), unreadable);
    await expectRejection(box.open(sealed, "twilio-auth-token:AYB-ZZZZ-ZZZZ-ZZZZ"), unreadable);
  });

  it("rotates: the first key seals new secrets, a retired key listed later still opens old ones", async () => {
    const old = await new SecretBox(K1).seal(PLAINTEXT, CONTEXT);
    const rotated = new SecretBox(`${K2},${K1}`);
    expect(rotated.currentKeyId).toBe("k2");
    expect(await rotated.open(old, CONTEXT)).toBe(PLAINTEXT);
    const fresh = await rotated.seal(PLAINTEXT, CONTEXT);
    expect(fresh.keyId).toBe("k2");
    expect(await new SecretBox(K2).open(fresh, CONTEXT)).toBe(PLAINTEXT);
    // Dropping the retired key too early is reported, not silently lost.
    await expectRejection(new SecretBox(K2).open(old, CONTEXT), /key "k1", which is not in ENCRYPTION_KEY/);
  });

  it("seals bytes that are not text, opens them under a rotated ring, and refuses them tampered or in another context", async () => {
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x80, 0xfe]);
    const sealed = await new SecretBox(K1).sealBytes(bytes, CONTEXT);
    expect(sealed.keyId).toBe("k1");
    expect(sealed.sealed.length).toBe(12 + bytes.length + 16);
    expect(await new SecretBox(`${K2},${K1}`).openBytes(sealed, CONTEXT)).toEqual(bytes);
    const tampered = sealed.sealed.slice();
    tampered[12]! ^= 0x01;
    await expectRejection(new SecretBox(K1).openBytes({ keyId: "k1", sealed: tampered }, CONTEXT), /could not be decrypted/);
    await expectRejection(new SecretBox(K1).openBytes(sealed, "another-owner"), /could not be decrypted/);
  });

  it.each([
    ["", /ENCRYPTION_KEY is not set/],
    [" , ", /ENCRYPTION_KEY is not set/],
    [keyOf(1), /entries must look like `kid:base64key`; make a key with `openssl rand -base64 32`/],
    [`:${keyOf(1)}`, /entries must look like `kid:base64key`/],
    ["k1:%%%not-base64%%%", /ENCRYPTION_KEY k1 is not valid base64; make a key with `openssl rand -base64 32`/],
    [`k1:${bytesToBase64(new Uint8Array(16))}`, /ENCRYPTION_KEY k1 must be 32 bytes \(base64\), got 16/],
    [`${K1},k1:${keyOf(3)}`, /lists a key id twice/],
  ])("rejects the malformed key ring %j with a message that says what to fix", (ring, message) => {
    let err: unknown;
    try {
      new SecretBox(ring);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecretBoxError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain(keyOf(1));
  });
});
