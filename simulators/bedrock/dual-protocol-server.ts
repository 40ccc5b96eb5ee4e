import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { createServer as createNetServer, type Socket } from "node:net";
import { Duplex } from "node:stream";

/**
 * HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on one port. The AWS SDK's default Node handler speaks h2c while
 * fetch (and the Worker under test) speak HTTP/1.1, so the first bytes decide: the HTTP/2 preface starts with "PRI".
 * An HTTP/2 session reads from the native socket handle, which would lose the sniffed bytes, so it gets a Duplex
 * that replays them first.
 */
export type DualRequest = IncomingMessage | Http2ServerRequest;
export type DualResponse = ServerResponse | Http2ServerResponse;

export interface DualProtocolServer {
  port: number;
  close(): Promise<void>;
}

export function listenDualProtocol(handler: (req: DualRequest, res: DualResponse) => void, port: number, host: string): Promise<DualProtocolServer> {
  const http1 = createHttp1Server(handler);
  const http2 = createHttp2Server(handler);
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.setNoDelay(true);
    socket.once("data", (first: Buffer) => {
      socket.pause();
      if (first.subarray(0, 3).toString("latin1") === "PRI") {
        http2.emit("connection", replaying(socket, first));
      } else {
        socket.unshift(first);
        http1.emit("connection", socket);
        socket.resume();
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address !== null ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

function replaying(socket: Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, encoding, callback) {
      socket.write(chunk, encoding, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(first);
  socket.on("data", (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("close", () => duplex.destroy());
  socket.on("error", (error) => duplex.destroy(error));
  return duplex;
}
