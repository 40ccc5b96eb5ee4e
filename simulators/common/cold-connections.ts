/**
 * Which connections have already paid their handshake. A real provider connection costs a TCP + TLS (and, for a
 * WebSocket, upgrade) handshake once; later requests on the same keep-alive connection or HTTP/2 session don't.
 * The simulators speak plain HTTP on loopback, so they charge that cost as a delay on a connection's first request.
 */
export class ColdConnections {
  readonly #warm = new WeakSet<object>();

  /** True the first time `connection` (a socket or HTTP/2 session) is seen, false after. */
  firstUse(connection: object): boolean {
    if (this.#warm.has(connection)) return false;
    this.#warm.add(connection);
    return true;
  }
}
