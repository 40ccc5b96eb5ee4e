import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Simulators never listen beyond the machine: they accept any key and hold test data. */
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const MAX_BODY_BYTES = 1 << 20;

/** Throws a RangeError naming the simulator when `host` is not a loopback address. */
export function assertLoopback(host: string, simulator: string): void {
  if (!LOOPBACK.has(host)) throw new RangeError(`the ${simulator} simulator listens on loopback only, not ${host}`);
}

/** The whole request body as UTF-8; rejects past 1 MiB so a runaway client cannot exhaust memory. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Listens on `host` (`port` 0 picks a free one); resolves with the bound port and its base URL (IPv6 bracketed). */
export async function listenOn(server: Server, host: string, port: number): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}` };
}

/** Stops listening and cuts the open (keep-alive) connections, so close never waits on an idle client. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
