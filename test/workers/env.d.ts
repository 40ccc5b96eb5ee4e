declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Private JWKs (with kid and alg) of test/workers/jwks-server.ts, for signing RS256/ES256 test tokens. */
    TEST_JWT_PRIVATE_JWKS: string;
    /** A Bedrock simulator only the Bedrock client's tests use (they load scenarios and arm faults). */
    BEDROCK_ISOLATED_ENDPOINT: string;
    /** A Deepgram simulator only the Deepgram clients' tests use (they arm socket drops). */
    DEEPGRAM_ISOLATED_BASE_URL: string;
    /** A Deepgram simulator on an accelerated call clock, for the speak-limit tests (test/workers/simulator-ports.ts). */
    DEEPGRAM_ACCELERATED_BASE_URL: string;
    DEEPGRAM_ACCELERATED_SPEED: string;
    /** test/node/tool-server.ts on loopback: echo, slow, huge, redirect and status routes for HTTP tools. */
    TOOL_SERVER_URL: string;
    /** simulators/integrations/ on loopback: Slack and HubSpot stand-ins, with a control API (/_control/…). */
    INTEGRATIONS_SIMULATOR_URL: string;
  }
}
