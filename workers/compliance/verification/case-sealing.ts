/**
 * Seals a verification case's declared details and evidence with the ENCRYPTION_KEY ring (AES-256-GCM,
 * shared/crypto/secret-box.ts). The associated data names the account and the part, so a sealed value copied into
 * another account's case, or from evidence into details, does not open. Rotation is the ring's: a new key seals from
 * the moment it is listed first, and cases sealed under the keys listed after it still open.
 */
import { SecretBox, type SealedSecret } from "../../../shared/crypto/secret-box.ts";
import type { Evidence, VerificationDetails } from "./verification-schemas.ts";

const context = (accountId: string, part: "details" | "evidence") => `verification-case/${part}:${accountId}`;

export class CaseSealer {
  readonly #box: SecretBox;

  constructor(keyRing: string) {
    this.#box = new SecretBox(keyRing);
  }

  sealDetails(accountId: string, details: VerificationDetails): Promise<SealedSecret> {
    return this.#box.seal(JSON.stringify(details), context(accountId, "details"));
  }

  async openDetails(accountId: string, sealed: SealedSecret): Promise<VerificationDetails> {
    return JSON.parse(await this.#box.open(sealed, context(accountId, "details"))) as VerificationDetails;
  }

  sealEvidence(accountId: string, evidence: Evidence[]): Promise<SealedSecret> {
    return this.#box.seal(JSON.stringify(evidence), context(accountId, "evidence"));
  }

  async openEvidence(accountId: string, sealed: SealedSecret): Promise<Evidence[]> {
    return JSON.parse(await this.#box.open(sealed, context(accountId, "evidence"))) as Evidence[];
  }
}
