import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll } from "vitest";
import { startStripeSimulator, type StripeSimulator } from "./simulator.ts";

/** The official SDK pointed at the simulator, as the Worker configures it: host, port, protocol "http". */
export function sdkFor(sim: StripeSimulator, apiKey = "sk_test_simulator"): Stripe {
  return new Stripe(apiKey, { host: "127.0.0.1", port: sim.port, protocol: "http", maxNetworkRetries: 0 });
}

/** A simulator for one test file, with the SDK on it; its rate limit is out of the way of SDK bursts; closed after the file's tests. */
export async function sdkSimulatorForFile(): Promise<{ sim: StripeSimulator; stripe: Stripe }> {
  const sim = await startStripeSimulator({ rateLimitPerSecond: 1000 });
  afterAll(() => sim.close());
  return { sim, stripe: sdkFor(sim) };
}

export interface ReceivedWebhook {
  payload: string;
  signature: string;
  type: string;
}

/** A webhook receiver on loopback that records every request and answers `status()` (200 unless a test says otherwise). */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  status: (hook: ReceivedWebhook) => number;
  /** Resolves once `predicate` holds for the received requests; rejects after `timeoutMs`. */
  waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const waiters = new Set<() => void>();
  const receiver: WebhookReceiver = {
    url: "",
    received: [],
    status: () => 200,
    waitFor: (predicate, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(receiver.received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(receiver.received);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`webhook condition not met; received ${receiver.received.map((r) => r.type).join(", ")}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const payload = Buffer.concat(chunks).toString("utf8");
      const hook = { payload, signature: String(req.headers["stripe-signature"]), type: (JSON.parse(payload) as { type: string }).type };
      receiver.received.push(hook);
      res.writeHead(receiver.status(hook)).end();
      for (const waiter of [...waiters]) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stripe/webhook`;
  return receiver;
}
