/**
 * A tenant's webhook receiver for local runs: verifies each delivery's Standard Webhooks signature with the
 * `standardwebhooks` package (as a tenant's own code would), prints it, and answers 204 (401 when the signature
 * does not verify). Plain HTTP on loopback, which the platform allows only for hosts in TOOL_HOST_ALLOWLIST.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedEvent {
  webhookId: string;
  /** Date.now() when the whole body had arrived. */
  receivedAt: number;
  verified: boolean;
  event: { id: string; type: string; created_at: string; account_id: string; data: Record<string, unknown> };
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedEvent[];
  /** The endpoint's `whsec_…` secret, known once the endpoint is registered. */
  setSecret(secret: string): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(opts: { port?: number; secret?: string; print?: (line: string) => void } = {}): Promise<WebhookReceiver> {
  let secret = opts.secret;
  const print = opts.print ?? ((line: string) => console.log(line));
  const received: ReceivedEvent[] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const receivedAt = Date.now();
    const headers = { "webhook-id": String(req.headers["webhook-id"] ?? ""), "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""), "webhook-signature": String(req.headers["webhook-signature"] ?? "") };
    let verified = false;
    try {
      if (secret) verified = (new Webhook(secret).verify(body, headers), true);
    } catch {
      verified = false;
    }
    let event: ReceivedEvent["event"];
    try {
      event = JSON.parse(body);
    } catch {
      res.writeHead(400).end("not JSON");
      return;
    }
    received.push({ webhookId: headers["webhook-id"], receivedAt, verified, event });
    print(`webhook  ${event.type.padEnd(26)} ${verified ? "signature verified" : "SIGNATURE NOT VERIFIED"}  ${headers["webhook-id"]}  ${JSON.stringify(event.data)}`);
    res.writeHead(verified ? 204 : 401).end();
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    setSecret: (s) => void (secret = s),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
