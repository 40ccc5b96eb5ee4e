import { SecretBox, type SealedSecret } from "../crypto/secret-box.ts";
import type { Credentials } from "./integration.ts";

/** Associated data of a sealed connection: a ciphertext copied to another account or integration does not open. */
const context = (accountId: string, integration: string) => `integration-connection:${accountId}:${integration}`;

export const sealCredentials = (env: Pick<Env, "ENCRYPTION_KEY">, accountId: string, integration: string, credentials: Credentials): Promise<SealedSecret> =>
  new SecretBox(env.ENCRYPTION_KEY).seal(JSON.stringify(credentials), context(accountId, integration));

export const openSealedCredentials = async (env: Pick<Env, "ENCRYPTION_KEY">, accountId: string, integration: string, sealed: SealedSecret): Promise<Credentials> =>
  JSON.parse(await new SecretBox(env.ENCRYPTION_KEY).open(sealed, context(accountId, integration))) as Credentials;
