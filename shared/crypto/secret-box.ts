import { base64ToBytes, bytesToBase64 } from "./base64.ts";

/**
 * Encrypts tenant secrets (provider auth tokens, tool header secrets) with AES-256-GCM.
 *
 * The key ring comes from the `ENCRYPTION_KEY` secret: `kid:base64key[,kid:base64key…]`. The first key encrypts;
 * every key can decrypt, so keys rotate by prepending a new one and re-encrypting at leisure. Each ciphertext is
 * stored with the id of its key. Associated data binds a ciphertext to its owner and purpose, so a value copied
 * into another tenant's row does not decrypt.
 */
export interface SealedSecret {
  keyId: string;
  /** base64(iv ‖ ciphertext+tag) */
  ciphertext: string;
}

/** Sealed bytes and the id of the key that sealed them. */
export interface SealedBytes {
  keyId: string;
  /** iv ‖ ciphertext+tag */
  sealed: Uint8Array;
}

export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const GENERATE_HINT = "; make a key with `openssl rand -base64 32`";
const encoder = new TextEncoder();

/** The key's bytes; the messages name the key id, never the key. */
function decodeKey(keyId: string, b64: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = base64ToBytes(b64);
  } catch {
    throw new SecretBoxError(`ENCRYPTION_KEY ${keyId} is not valid base64${GENERATE_HINT}`);
  }
  if (raw.length !== KEY_BYTES) throw new SecretBoxError(`ENCRYPTION_KEY ${keyId} must be ${KEY_BYTES} bytes (base64), got ${raw.length}${GENERATE_HINT}`);
  return raw;
}

/** The keys of an `ENCRYPTION_KEY` ring, current key first. */
export function keyRingEntries(keyRing: string): { keyId: string; raw: Uint8Array }[] {
  const entries = (keyRing ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const sep = entry.indexOf(":");
      if (sep <= 0) throw new SecretBoxError(`ENCRYPTION_KEY entries must look like \`kid:base64key\`${GENERATE_HINT}`);
      const keyId = entry.slice(0, sep);
      return { keyId, raw: decodeKey(keyId, entry.slice(sep + 1)) };
    });
  if (entries.length === 0) throw new SecretBoxError("ENCRYPTION_KEY is not set: run `npm run dev` once or see README › Configuration");
  return entries;
}

export class SecretBox {
  readonly #keys: Map<string, Promise<CryptoKey>>;
  readonly #currentKeyId: string;

  constructor(keyRing: string) {
    const entries = keyRingEntries(keyRing).map(({ keyId, raw }) => [keyId, crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"])] as const);
    this.#keys = new Map(entries);
    if (this.#keys.size !== entries.length) throw new SecretBoxError("ENCRYPTION_KEY lists a key id twice; give every key its own id");
    this.#currentKeyId = entries[0]![0];
  }

  get currentKeyId(): string {
    return this.#currentKeyId;
  }

  async seal(plaintext: string, context: string): Promise<SealedSecret> {
    const { keyId, sealed } = await this.sealBytes(encoder.encode(plaintext), context);
    return { keyId, ciphertext: bytesToBase64(sealed) };
  }

  /** Seals bytes (a document): `sealed` is iv ‖ ciphertext+tag; store `keyId` beside it, so rotation can open it. */
  async sealBytes(plaintext: Uint8Array, context: string): Promise<SealedBytes> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const key = await this.#keys.get(this.#currentKeyId)!;
    const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, key, plaintext));
    const sealed = new Uint8Array(IV_BYTES + ciphertext.length);
    sealed.set(iv);
    sealed.set(ciphertext, IV_BYTES);
    return { keyId: this.#currentKeyId, sealed };
  }

  async open(secret: SealedSecret, context: string): Promise<string> {
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(secret.ciphertext);
    } catch {
      bytes = new Uint8Array();
    }
    return new TextDecoder().decode(await this.openBytes({ keyId: secret.keyId, sealed: bytes }, context));
  }

  async openBytes({ keyId, sealed }: SealedBytes, context: string): Promise<Uint8Array<ArrayBuffer>> {
    const key = this.#keys.get(keyId);
    if (!key) throw new SecretBoxError(
        `secret was encrypted with key "${keyId}", which is not in ENCRYPTION_KEY; keep retired keys listed after the current one until every secret is re-encrypted`,
      );
    const unreadable = new SecretBoxError(`secret could not be decrypted with key "${keyId}" (wrong key or tampered data)`);
    if (sealed.length < IV_BYTES + TAG_BYTES) throw unreadable;
    try {
      return new Uint8Array(
        await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.subarray(0, IV_BYTES), additionalData: encoder.encode(context) }, await key, sealed.subarray(IV_BYTES)),
      );
    } catch {
      // Never include the ciphertext or key material in the message.
      throw unreadable;
    }
  }
}
