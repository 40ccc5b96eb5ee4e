declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Private JWKs (with kid and alg) of test/workers/jwks-server.ts, for signing RS256/ES256 test tokens. */
    TEST_JWT_PRIVATE_JWKS: string;
  }
}
