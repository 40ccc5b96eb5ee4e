import type { IncomingMessage, ServerResponse } from "node:http";

/** One delivery as a tenant's receiver got it: the Standard Webhooks headers and the raw body (what is signed). */
export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
}

/**
 * A tenant's webhook receiver for the workerd tests (mounted on test/node/tool-server.ts):
 *   POST /hooks/<tag>?fail=N&status=S   records the delivery; answers 500 to the first N, then S (default 204)
 *   GET  /hooks/<tag>                   {count, distinct_ids, deliveries} received under <tag>
 */
export class WebhookInbox {
  readonly #received = new Map<string, ReceivedWebhook[]>();

  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const tag = url.pathname.slice("/hooks/".length);
    const list = this.#received.get(tag) ?? [];
    this.#received.set(tag, list);
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ count: list.length, distinct_ids: new Set(list.map((d) => d.id)).size, deliveries: list }));
      return;
    }
    const header = (name: string) => String(req.headers[name] ?? "");
    list.push({ id: header("webhook-id"), timestamp: header("webhook-timestamp"), signature: header("webhook-signature"), body });
    const failing = list.length <= Number(url.searchParams.get("fail") ?? 0);
    res.writeHead(failing ? 500 : Number(url.searchParams.get("status") ?? 204), { "content-type": "text/plain" }).end(failing ? `not yet (${list.length})` : "");
  }
}
