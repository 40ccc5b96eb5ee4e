/**
 * TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30 s steps, 6 digits, the parameters every authenticator app
 * assumes. WebCrypto only, so the Worker and the Node tests compute the same codes.
 */
const STEP_S = 30;
const DIGITS = 6;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/[\s=]/g, "").toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) throw new Error("not base32");
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** A fresh 160-bit secret (RFC 4226 recommends the HMAC's output length), base32 as apps expect. */
export const newTotpSecret = () => base32Encode(crypto.getRandomValues(new Uint8Array(20)));

export const totpStep = (nowMs: number) => Math.floor(nowMs / 1000 / STEP_S);

export async function hotp(secret: Uint8Array<ArrayBuffer>, counter: number, digits = DIGITS): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const message = new DataView(new ArrayBuffer(8));
  message.setUint32(0, Math.floor(counter / 2 ** 32));
  message.setUint32(4, counter >>> 0);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

export const totpCode = (secretBase32: string, nowMs: number) => hotp(base32Decode(secretBase32), totpStep(nowMs));

/**
 * The time step `code` belongs to, allowing one step of clock drift either way, or null. Steps at or before
 * `lastStep` (a code already used) are refused, so a code seen over a shoulder cannot be replayed.
 */
export async function matchTotp(secretBase32: string, code: string, nowMs: number, lastStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const secret = base32Decode(secretBase32);
  const now = totpStep(nowMs);
  for (const step of [now - 1, now, now + 1]) {
    if (lastStep !== null && step <= lastStep) continue;
    if ((await hotp(secret, step)) === code) return step;
  }
  return null;
}

export const otpauthUri = (issuer: string, email: string, secretBase32: string) =>
  `otpauth://totp/${encodeURIComponent(`${issuer}:${email}`)}?secret=${secretBase32}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${DIGITS}&period=${STEP_S}`;
