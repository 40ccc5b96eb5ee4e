// A Node module that sits in the workers tsconfig (beside the tests that use it), hence the explicit Node types.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";

/**
 * A stand-in SSO provider for the workerd tests, run in the Node process that starts them: fresh RS256 and ES256
 * key pairs, the public halves served as a JWKS over real HTTP (the Worker fetches it like a production JWKS URL),
 * the private halves handed to the tests so they can sign tokens.
 */
export interface JwksServer {
  /** The JWKS endpoint, for the Worker's `JWKS_URL`. */
  url: string;
  /** Private JWKs carrying `kid` and `alg`, for signing test tokens. */
  privateJwks: JWK[];
}

const ALGORITHMS = ["RS256", "ES256"] as const;

export async function startJwksServer(): Promise<JwksServer> {
  const pairs = await Promise.all(
    ALGORITHMS.map(async (alg) => {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `test-${alg.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}`;
      return {
        publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" },
        privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
      };
    }),
  );
  const jwks = JSON.stringify({ keys: pairs.map((p) => p.publicJwk) });
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/.well-known/jwks.json") {
      res.writeHead(200, { "content-type": "application/json" }).end(jwks);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  // The server lives as long as the test run; it must not keep the process alive after it.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    privateJwks: pairs.map((p) => p.privateJwk),
  };
}
