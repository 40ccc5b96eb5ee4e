import { SecretBox, type SealedSecret } from "../../shared/crypto/secret-box.ts";

/** A sealed secret opens only for the endpoint it was made for: a copy in another row (or tenant) does not. */
const context = (accountId: string, endpointId: string) => `webhook-endpoint:${accountId}:${endpointId}`;

/** How long a rotated-out secret keeps signing beside the new one, so receivers can switch without losing events. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60_000;

export const sealEndpointSecret = (env: Pick<Env, "ENCRYPTION_KEY">, accountId: string, endpointId: string, secret: string) =>
  new SecretBox(env.ENCRYPTION_KEY).seal(secret, context(accountId, endpointId));

export interface EndpointSecrets {
  accountId: string;
  id: string;
  secret: SealedSecret;
  previousSecret: SealedSecret | null;
  previousSecretExpiresAt: string | null;
}

/** The secrets that sign a delivery at `now`: the current one, and the previous one while its overlap lasts. */
export async function signingSecrets(env: Pick<Env, "ENCRYPTION_KEY">, endpoint: EndpointSecrets, now: number): Promise<string[]> {
  const box = new SecretBox(env.ENCRYPTION_KEY);
  const ctx = context(endpoint.accountId, endpoint.id);
  const current = await box.open(endpoint.secret, ctx);
  const overlapping = endpoint.previousSecret && endpoint.previousSecretExpiresAt && Date.parse(endpoint.previousSecretExpiresAt) > now;
  return overlapping ? [current, await box.open(endpoint.previousSecret!, ctx)] : [current];
}
