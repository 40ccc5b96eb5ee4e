declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Private JWKs (with kid and alg) of test/workers/jwks-server.ts, for signing RS256/ES256 test tokens. */
    TEST_JWT_PRIVATE_JWKS: string;
    /** A Bedrock simulator only the Bedrock client's tests use (they load scenarios and arm faults). */
    BEDROCK_ISOLATED_ENDPOINT: string;
    /** A Deepgram simulator only the Deepgram clients' tests use (they arm socket drops). */
    DEEPGRAM_ISOLATED_BASE_URL: string;
    /** test/node/tool-server.ts on loopback: echo, slow, huge, redirect and status routes for HTTP tools. */
    TOOL_SERVER_URL: string;
  }
}
