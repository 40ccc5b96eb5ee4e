// A Node module (started by test/workers/global-setup.ts) outside test/workers: the workers tsconfig has no Node types.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebhookInbox } from "./webhook-inbox.ts";

/**
 * A stand-in for tenants' tool webhooks, reached by the HTTP tool executor inside workerd over real HTTP:
 *   ANY  /echo?tag=…          200 {method, path, query, headers, body}; also remembered under `tag`
 *   GET  /seen?tag=…          what /echo received under `tag` (so tests can check a header arrived without the tool)
 *   ANY  /slow?ms=…           answers after `ms` (default 10 s); counts requests in flight
 *   GET  /in-flight           {current, max} of /slow since the last /in-flight/reset
 *   GET  /slow/log            every /slow request: {tag, startedAt, endedAt} (server clock, ms), oldest first
 *   GET  /huge                an endless 200 body (stops when the client goes away)
 *   ANY  /redirect?to=…&status=…  a redirect to `to` (default 302)
 *   ANY  /status/:code        that status with a small JSON body
 *   GET  /dns-query?name=&type=  a DNS-over-HTTPS resolver (JSON API) over the fixed zone `DNS_ZONE`; other names NXDOMAIN
 *   /hooks/<tag>              a tenant's webhook receiver (webhook-inbox.ts)
 */
/** Names the test resolver knows: public-looking names with private answers, and one with a public answer. */
export const DNS_ZONE: Record<string, { A?: string[]; AAAA?: string[]; CNAME?: string }> = {
  "tools.public-shop.example": { A: ["93.184.215.14"], AAAA: ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"] },
  "rebind.public-shop.example": { A: ["10.0.0.5"] },
  "metadata.public-shop.example": { A: ["169.254.169.254"] },
  "mixed.public-shop.example": { A: ["93.184.215.14", "192.168.1.20"] },
  "v6.public-shop.example": { AAAA: ["::1"] },
  "alias.public-shop.example": { CNAME: "rebind.public-shop.example" },
  "empty.public-shop.example": {},
};

export interface ToolServer {
  url: string;
  close(): Promise<void>;
}

export async function startToolServer(port = 0): Promise<ToolServer> {
  const seen = new Map<string, unknown>();
  const slow: SlowState = { current: 0, max: 0, log: [] };
  const inbox = new WebhookInbox();
  const server = createServer((req, res) => {
    handle(req, res, seen, slow, inbox).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface SlowState {
  current: number;
  max: number;
  log: { tag: string | null; startedAt: number; endedAt: number | null }[];
}

async function handle(req: IncomingMessage, res: ServerResponse, seen: Map<string, unknown>, slow: SlowState, inbox: WebhookInbox): Promise<void> {
  const url = new URL(req.url ?? "/", "http://tool-server");
  const body = await readBody(req);
  const json = (status: number, value: unknown): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));

  if (url.pathname === "/echo") {
    const echoed = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body: parseMaybeJson(body) };
    const tag = url.searchParams.get("tag");
    if (tag) seen.set(tag, echoed);
    return json(200, echoed);
  }
  if (url.pathname.startsWith("/hooks/")) return inbox.handle(req, res, url, body);
  if (url.pathname === "/seen") return json(200, seen.get(url.searchParams.get("tag") ?? "") ?? null);
  if (url.pathname === "/slow/log") return json(200, slow.log);
  if (url.pathname === "/slow") {
    slow.current++;
    slow.max = Math.max(slow.max, slow.current);
    const entry = { tag: url.searchParams.get("tag"), startedAt: Date.now(), endedAt: null as number | null };
    slow.log.push(entry);
    const ms = Number(url.searchParams.get("ms") ?? 10_000);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      res.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    slow.current--;
    entry.endedAt = Date.now();
    if (!res.destroyed) json(200, { waitedMs: ms, query: Object.fromEntries(url.searchParams) });
    return;
  }
  if (url.pathname === "/in-flight") return json(200, { current: slow.current, max: slow.max });
  if (url.pathname === "/in-flight/reset") {
    slow.max = slow.current;
    slow.log = [];
    return json(200, { current: slow.current, max: slow.max });
  }
  if (url.pathname === "/huge") return streamForever(res);
  if (url.pathname === "/dns-query") return json(200, resolve(url.searchParams.get("name") ?? "", url.searchParams.get("type") ?? "A"));
  if (url.pathname === "/redirect") {
    const status = Number(url.searchParams.get("status") ?? 302);
    res.writeHead(status, { location: url.searchParams.get("to") ?? "/echo" }).end();
    return;
  }
  const status = /^\/status\/(\d{3})$/.exec(url.pathname);
  if (status) return json(Number(status[1]), { error: `simulated ${status[1]}`, detail: "the booking slot is no longer available" });
  json(404, { error: `no route ${url.pathname}` });
}

/** A DoH JSON answer (RFC 8427 field names, as cloudflare-dns.com and dns.google use), following one CNAME. */
function resolve(name: string, type: string): unknown {
  const question = [{ name, type: type === "AAAA" ? 28 : 1 }];
  const zone = DNS_ZONE[name.toLowerCase()];
  if (zone === undefined) return { Status: 3, Question: question };
  const target = zone.CNAME !== undefined ? DNS_ZONE[zone.CNAME] : zone;
  const code = type === "AAAA" ? 28 : 1;
  const records = (type === "AAAA" ? target?.AAAA : target?.A) ?? [];
  const answer = [
    ...(zone.CNAME !== undefined ? [{ name, type: 5, TTL: 300, data: `${zone.CNAME}.` }] : []),
    ...records.map((data) => ({ name: zone.CNAME ?? name, type: code, TTL: 300, data })),
  ];
  return { Status: 0, Question: question, Answer: answer };
}

function streamForever(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/plain" });
  const chunk = Buffer.alloc(16 * 1024, "x");
  let written = 0;
  const pump = () => {
    // Bounded so a client that never reads cannot keep this going: 64 MiB is far past any cap under test.
    while (!res.destroyed && written < 64 * 1024 * 1024) {
      written += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end();
  };
  res.once("close", () => res.removeAllListeners("drain"));
  pump();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseMaybeJson(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
