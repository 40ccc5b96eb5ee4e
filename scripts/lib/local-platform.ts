/**
 * The whole platform on this machine: the Worker (real workerd through wrangler's test harness, local D1/KV/DO
 * state, migrations applied) wired to the provider simulators (Twilio, Deepgram, Bedrock, Stripe) on loopback. Used by the demo, the call CLI,
 * the end-to-end tests and the benchmark.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unstable_DevEnv } from "wrangler";
import type { LatencyProfileName } from "../../simulators/common/latency-profile.ts";
import { SIMULATOR_CREDENTIALS, startSimulators, type Simulators } from "../../simulators/index.ts";
import { startLocalPostgres } from "./local-postgres.ts";
import { migrateLocalD1 } from "./migrated-d1.ts";

export interface LocalPlatform {
  baseUrl: string;
  sims: Simulators;
  operatorSecret: string;
  /** The Worker's console output and runtime errors since start (for diagnostics when a call fails). */
  logs(): string[];
  /**
   * Restarts the Worker and every Durable Object in it, as a deploy does (in-memory state and open sockets lost,
   * storage kept). Use with a fixed `port`: the Worker's own socket moves on a reload, the dev server's URL stays.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface LocalPlatformOptions {
  profile?: LatencyProfileName;
  /** Call-clock speed for the Twilio simulator and the platform's playback (1 = real time). */
  speed?: number;
  seed?: number;
  root?: string;
  /** Keep local D1/KV/DO state here (default: a temporary directory removed on close). */
  persistDir?: string;
  /** A fixed public port (default: any free port, and requests skip wrangler's dev proxy). */
  port?: number;
  /** Fixed simulator ports (default: free ports). */
  simulatorPorts?: { twilio?: number; deepgram?: number; bedrock?: number; stripe?: number };
  /**
   * Secrets and vars that replace the generated ones (e.g. from .dev.vars; real provider keys disable a simulator's
   * wiring, and a DATABASE_URL replaces the embedded Postgres).
   */
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

export async function startLocalPlatform(opts: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const speed = opts.speed ?? 1;
  // The Postgres tier: an embedded Postgres (kept beside the persisted D1 state, if any) unless DATABASE_URL names one.
  const starting = opts.secrets?.DATABASE_URL ? undefined : startLocalPostgres({ dataDir: opts.persistDir && join(opts.persistDir, "postgres") });
  const sims = await startSimulators({ profile: opts.profile ?? "instant", speed, seed: opts.seed, ports: opts.simulatorPorts });
  const postgres = await starting;
  const operatorSecret = opts.secrets?.OPERATOR_SECRET ?? randomBytes(16).toString("hex");
  const vars: Record<string, string> = {
    DEEPGRAM_API_BASE_URL: sims.deepgram.url,
    BEDROCK_ENDPOINT: sims.bedrock.url,
    BEDROCK_REGION: SIMULATOR_CREDENTIALS.awsRegion,
    TWILIO_API_BASE_URL: sims.twilio.url,
    TWILIO_TRUSTHUB_BASE_URL: sims.twilio.trustHubUrl,
    STRIPE_API_BASE_URL: sims.stripe.url,
    HUBSPOT_API_BASE_URL: sims.integrations.url,
    CALCOM_API_BASE_URL: sims.integrations.url,
    HUBSPOT_APP_BASE_URL: sims.integrations.url,
    SALESFORCE_LOGIN_URL: sims.integrations.url,
    GOOGLE_ACCOUNTS_BASE_URL: sims.integrations.url,
    GOOGLE_OAUTH_TOKEN_BASE_URL: sims.integrations.url,
    GOOGLE_CALENDAR_API_BASE_URL: sims.integrations.url,
    TOOL_HOST_ALLOWLIST: "127.0.0.1,localhost",
    // Local workerd refuses Durable Object jurisdictions (shared/residency/).
    DO_JURISDICTIONS: "emulated",
    CALL_CLOCK_SPEED: String(speed),
    ...(postgres && { PG_WS_PROXY: postgres.config.PG_WS_PROXY }),
    ...opts.vars,
  };
  const secrets: Record<string, string> = {
    ENCRYPTION_KEY: `local:${randomBytes(32).toString("base64")}`,
    JWT_SECRET: randomBytes(32).toString("hex"),
    OPERATOR_SECRET: operatorSecret,
    DEEPGRAM_API_KEY: SIMULATOR_CREDENTIALS.deepgramApiKey,
    AWS_ACCESS_KEY_ID: SIMULATOR_CREDENTIALS.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: SIMULATOR_CREDENTIALS.awsSecretAccessKey,
    STRIPE_SECRET_KEY: SIMULATOR_CREDENTIALS.stripeSecretKey,
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString("hex")}`,
    OAUTH_CLIENTS: SIMULATOR_CREDENTIALS.oauthClients,
    ...(postgres && { DATABASE_URL: postgres.config.DATABASE_URL, DATABASE_URL_EU: postgres.config.DATABASE_URL_EU }),
    ...opts.secrets,
  };
  const root = opts.root ?? ROOT;
  const persist = opts.persistDir ?? mkdtempSync(join(tmpdir(), "voice-platform-"));
  // The same SQL files a deploy applies, into this run's local D1 databases.
  await migrateLocalD1(root, persist);
  const logs: string[] = [];
  // wrangler's dev server (real workerd). Unlike its test harness, it lets the Worker's outbound WebSockets
  // (Deepgram) reach the simulators directly. Its public URL is a dev-only proxy (a second workerd whose single
  // Durable Object relays every request and WebSocket message, capping loopback throughput near 1,500 req/s and
  // adding a hop to every media frame); we talk to the Worker's own socket instead, as Twilio would in production.
  const devEnv = new unstable_DevEnv();
  const direct = new Promise<URL>((resolve) =>
    devEnv.once("reloadComplete", (event: { proxyData: { userWorkerUrl: { protocol: string; hostname: string; port: string } } }) => {
      const u = event.proxyData.userWorkerUrl;
      resolve(new URL(`${u.protocol}//${u.hostname}:${u.port}`));
    }),
  );
  const bindings = {
    ...Object.fromEntries(Object.entries(vars).map(([k, value]) => [k, { type: "plain_text" as const, value }])),
    ...Object.fromEntries(Object.entries(secrets).map(([k, value]) => [k, { type: "secret_text" as const, value }])),
  };
  const worker = await devEnv.startWorker({
    config: join(root, "wrangler.toml"),
    bindings,
    dev: { server: { hostname: "127.0.0.1", port: opts.port ?? 0 }, inspector: false, watch: false, persist, logLevel: "none", structuredLogsHandler: (log: unknown) => void logs.push(JSON.stringify(log)) },
  });
  await worker.ready;
  // A fixed port (`npm run dev`) belongs to the dev server's public URL; otherwise use the Worker's own socket.
  const url = opts.port ? await worker.url : await direct;
  // The simulator signs and delivers its events to the Worker, as Stripe does to a registered endpoint.
  if (secrets.STRIPE_SECRET_KEY === SIMULATOR_CREDENTIALS.stripeSecretKey) sims.stripe.addWebhookEndpoint({ url: `${url.origin}/stripe/webhook`, secret: secrets.STRIPE_WEBHOOK_SECRET });
  let generation = 0;
  return {
    baseUrl: url.origin,
    sims,
    operatorSecret,
    logs: () => [...logs],
    restart: async () => {
      // A changed binding makes wrangler reload the Worker: its objects start afresh from their storage.
      const reloaded = new Promise<void>((resolve) => devEnv.once("reloadComplete", () => resolve()));
      await worker.patchConfig({ bindings: { ...bindings, PLATFORM_GENERATION: { type: "plain_text", value: String(++generation) } } });
      await reloaded;
    },
    close: async () => {
      await Promise.allSettled([worker.dispose(), sims.close()]);
      await postgres?.close();
      if (!opts.persistDir) rmSync(persist, { recursive: true, force: true });
    },
  };
}
