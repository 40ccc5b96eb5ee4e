import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";

const remoteKeySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** What a token must say about itself, and the names of the variables that set it (for the refusal's wording). */
export interface JwksExpectation {
  issuer: string;
  audience: string;
  names: { issuer: string; audience: string };
}

/** A jose failure, translated into what the client should do. */
export class JwtRejection extends Error {}

/**
 * Verifies an RS256/ES256 token against the JWKS at `jwksUrl` (fetched once per isolate; jose refetches it when a
 * token names a kid it does not hold, which is how a provider's key rotation reaches us): its signature, issuer,
 * audience and a required `exp`. Throws JwtRejection with a message a client can act on.
 */
export async function verifyWithJwks(jwksUrl: string, token: string, expected: JwksExpectation): Promise<JWTPayload> {
  let keys = remoteKeySets.get(jwksUrl);
  if (!keys) remoteKeySets.set(jwksUrl, (keys = createRemoteJWKSet(new URL(jwksUrl))));
  try {
    return (await jwtVerify(token, keys, { issuer: expected.issuer, audience: expected.audience, requiredClaims: ["exp"], algorithms: ["RS256", "ES256"] })).payload;
  } catch (err) {
    throw new JwtRejection(jwtRejection(err as { code?: string; claim?: string; message: string }, expected.names));
  }
}

/** jose's error codes, translated into what the client should do. */
export function jwtRejection(err: { code?: string; claim?: string; message: string }, names: JwksExpectation["names"]): string {
  switch (err.code) {
    case "ERR_JWT_EXPIRED":
      return "the token has expired; mint a new one (POST /v1/users/{id}/tokens or your SSO provider)";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      if (err.claim === "exp") return "the token must carry an `exp` claim: tokens that never expire are not accepted";
      return `the token's "${err.claim}" claim is not accepted here (expected iss=\`${names.issuer}\`, aud=\`${names.audience}\`)`;
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "the token's signature does not verify; it was not issued for this platform";
    case "ERR_JWKS_NO_MATCHING_KEY":
      return "no key in the configured JWKS matches the token's kid";
    default:
      return `the token was rejected: ${err.message}`;
  }
}
