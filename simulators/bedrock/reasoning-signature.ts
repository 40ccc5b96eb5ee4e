import { createHmac } from "node:crypto";
import { timingSafeEqual } from "../../shared/crypto/timing-safe-equal.ts";

/**
 * Signatures for reasoning blocks. Bedrock requires a reasoning block to come back unmodified, signature included;
 * an HMAC over the text lets the simulator check that statelessly (and across restarts with the same seed).
 */
export class ReasoningSigner {
  #key: string;

  constructor(seed: number) {
    this.#key = `bedrock-simulator-reasoning-${seed}`;
  }

  sign(text: string): string {
    // Real signatures are long opaque base64; a fixed prefix makes simulated ones easy to recognise in logs.
    return `EqQB${createHmac("sha256", this.#key).update(text, "utf8").digest("base64")}`;
  }

  verify(text: string, signature: string): boolean {
    return timingSafeEqual(this.sign(text), signature);
  }
}
