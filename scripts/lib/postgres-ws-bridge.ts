/**
 * The local stand-in for Neon's WebSocket proxy: the Worker's Neon driver opens `ws://<bridge>/v1?address=host:port`
 * and speaks the Postgres wire protocol over it; the bridge pipes those bytes to the Postgres TCP port. Development
 * and tests only (plain ws://, no TLS): production reaches Neon's own proxy over wss://.
 */
import { connect } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface PostgresWsBridge {
  /** Its loopback port; the driver is pointed at `127.0.0.1:<port>/v1` and appends `?address=host:port`. */
  port: number;
  close(): Promise<void>;
}

/** Bridges WebSocket clients to `target` (`host:port`) only: any other `address` is refused, so it is no open relay. */
export async function startPostgresWsBridge(target: string, port = 0): Promise<PostgresWsBridge> {
  const server = new WebSocketServer({ host: "127.0.0.1", port, path: "/v1" });
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
  server.on("connection", (ws, req) => {
    const address = new URL(req.url ?? "", "ws://bridge").searchParams.get("address");
    if (address !== target) return ws.close(1008, "address not allowed");
    pipe(ws, target);
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        // Open driver connections would keep the server open: end them, then close.
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

function pipe(ws: WebSocket, target: string): void {
  const [host, port] = target.split(":") as [string, string];
  const tcp = connect({ host, port: Number(port) });
  tcp.setNoDelay(true);
  // Bytes the driver sends before the TCP connection is up are queued by the socket itself.
  ws.on("message", (data: Buffer) => tcp.write(data));
  tcp.on("data", (chunk) => ws.readyState === ws.OPEN && ws.send(chunk));
  ws.on("close", () => tcp.end());
  ws.on("error", () => tcp.destroy());
  // Postgres closed the connection (a Terminate, a restart): the driver must see it at once.
  tcp.on("close", () => ws.close(1000));
  tcp.on("error", () => ws.terminate());
}
