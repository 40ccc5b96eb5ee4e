import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { mkdirSync } from "node:fs";
import { defineConfig } from "vitest/config";
import { SIMULATOR_CREDENTIALS } from "./simulators/index.ts";
import { DEEPGRAM_ACCELERATED_SPEED, postgresBindings, simulatorUrls } from "./test/workers/simulator-ports.ts";
import { startJwksServer } from "./test/workers/jwks-server.ts";

// wrangler.toml serves the console's build as static assets, and refuses to start when its folder is missing; the
// workers tests need no pages, so a checkout that has not built the console (`npm run console:build`) still runs them.
mkdirSync("console/dist", { recursive: true });

/** The Worker in workerd with its bindings pointed at the simulators (one runtime per project). */
const workersRuntime = () =>
  cloudflareTest(async () => {
    // A real JWKS endpoint on localhost, so RS256/ES256 SSO tokens are verified the way production does.
    const jwks = await startJwksServer();
    return {
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
          ENCRYPTION_KEY: "k1:qrY8sYXBJe0vYh0i3mNnAq3m2nQxq2LrQ4u9zGzC2yE=",
          JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
          OPERATOR_SECRET: "test-operator-secret",
          DEEPGRAM_API_KEY: SIMULATOR_CREDENTIALS.deepgramApiKey,
          AWS_ACCESS_KEY_ID: SIMULATOR_CREDENTIALS.awsAccessKeyId,
          AWS_SECRET_ACCESS_KEY: SIMULATOR_CREDENTIALS.awsSecretAccessKey,
          BEDROCK_REGION: SIMULATOR_CREDENTIALS.awsRegion,
          BEDROCK_ENDPOINT: simulatorUrls.bedrock,
          BEDROCK_ISOLATED_ENDPOINT: simulatorUrls.bedrockIsolated,
          DEEPGRAM_ISOLATED_BASE_URL: simulatorUrls.deepgramIsolated,
          DEEPGRAM_ACCELERATED_BASE_URL: simulatorUrls.deepgramAccelerated,
          DEEPGRAM_ACCELERATED_SPEED: String(DEEPGRAM_ACCELERATED_SPEED),
          TOOL_SERVER_URL: simulatorUrls.toolServer,
          DEEPGRAM_API_BASE_URL: simulatorUrls.deepgram,
          TWILIO_API_BASE_URL: simulatorUrls.twilio,
          TWILIO_TRUSTHUB_BASE_URL: `${simulatorUrls.twilio}/trusthub`,
          STRIPE_API_BASE_URL: simulatorUrls.stripe,
          HUBSPOT_API_BASE_URL: simulatorUrls.integrations,
          CALCOM_API_BASE_URL: simulatorUrls.integrations,
          HUBSPOT_APP_BASE_URL: simulatorUrls.integrations,
          SALESFORCE_LOGIN_URL: simulatorUrls.integrations,
          GOOGLE_ACCOUNTS_BASE_URL: simulatorUrls.integrations,
          GOOGLE_OAUTH_TOKEN_BASE_URL: simulatorUrls.integrations,
          GOOGLE_CALENDAR_API_BASE_URL: simulatorUrls.integrations,
          OAUTH_CLIENTS: SIMULATOR_CREDENTIALS.oauthClients,
          INTEGRATIONS_SIMULATOR_URL: simulatorUrls.integrations,
          STRIPE_SECRET_KEY: SIMULATOR_CREDENTIALS.stripeSecretKey,
          // No endpoint is registered at the simulator: tests hand its events to the Worker, signed with this.
          STRIPE_WEBHOOK_SECRET: "whsec_test_workers",
          TOOL_HOST_ALLOWLIST: "127.0.0.1,localhost",
          // Local workerd refuses Durable Object jurisdictions (shared/residency/).
          DO_JURISDICTIONS: "emulated",
          // Size of the campaign run in workers/campaigns/campaign-run.test.ts (60 unless raised, e.g. to 1000).
          CAMPAIGN_CONTACTS: process.env.CAMPAIGN_CONTACTS ?? "",
          JWKS_URL: jwks.url,
          TEST_JWT_PRIVATE_JWKS: JSON.stringify(jwks.privateJwks),
          ...postgresBindings,
        },
      },
    };
  });

/** Files that fake the global clock: they run in a fresh runtime each, since a timer another file's leftover work sets
 * while the clock is fake fires inside this file's objects (workerd then refuses its cross-object I/O). */
const FAKE_CLOCK_FILES = [
  "workers/compliance/trial/verified-number-routes.test.ts",
  "workers/api/routes/outbound-calls.test.ts",
  "durable-objects/pipeline/**/*.test.ts",
  "durable-objects/call/hold-line.test.ts",
  "durable-objects/call/call-store.test.ts",
  "durable-objects/tools/tool-runner.test.ts",
];
const WORKERS_FILES = ["workers/**/*.test.ts", "durable-objects/**/*.test.ts", "shared/**/*.test.ts", "test/workers/**/*.test.ts"];

// Platform code runs inside workerd against real D1/KV/Durable Object storage; against real D1/KV/Durable Object storage;
// the provider simulators and scripts are Node programs and are tested in Node.
export default defineConfig({
  test: {
    // The Workers plugin imports the main module through the test runner (a "resolve" RPC) on every entrypoint call:
    // a queue batch or alarm that an earlier test left due (queue consumers wait up to 5 s) can arrive as the pool
    // closes the runtime, and vitest rejects that pending import. No test is running then, so it is not a failure;
    // every other unhandled error still fails the run.
    onUnhandledError: (error) => !(error.name === "EnvironmentTeardownError" && /Closing rpc while "resolve" was pending/.test(error.message)),
    projects: [
      {
        plugins: [workersRuntime()],
        test: {
          name: "workers",
          include: WORKERS_FILES,
          exclude: FAKE_CLOCK_FILES,
          setupFiles: ["./test/workers/apply-migrations.ts"],
          // One runtime per pool worker, reused by every file it runs: a fresh workerd per file re-imported the whole
          // module graph (~5 s a file, two thirds of the project's time). Files share D1 and objects, so each test
          // makes its own tenant and asserts on its own rows only.
          isolate: false,
          // A test's first request may pay for importing code no earlier file used; 5 s is too tight beside busy work.
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // The provider simulators run in Node on loopback; the platform's production clients talk to them unchanged.
          globalSetup: ["./test/workers/global-setup.ts"],
        },
      },
      {
        plugins: [workersRuntime()],
        test: {
          name: "workers-clock",
          include: FAKE_CLOCK_FILES,
          setupFiles: ["./test/workers/apply-migrations.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // The same simulators as the workers project (started once, whichever project sets up first).
          globalSetup: ["./test/workers/global-setup.ts"],
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["simulators/**/*.test.ts", "scripts/**/*.test.ts", "test/node/**/*.test.ts"],
        },
      },
      {
        // Whole calls: the Worker in workerd (wrangler's dev server) against the simulators, over real sockets.
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          // Whole calls mostly wait on the call clock (paced audio), not the CPU: three files at a time keep a
          // 2-core machine busy without starving any call's audio.
          maxWorkers: 3,
          // Its own group, after the workers and node projects (vitest runs groups one after another).
          sequence: { groupOrder: 1 },
          testTimeout: 90_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
