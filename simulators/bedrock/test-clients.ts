import { createHash, createHmac } from "node:crypto";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { SignatureV4 } from "@smithy/signature-v4";
import type { BedrockSimulator } from "./bedrock-simulator.ts";

/** Test-only clients: the official SDK pointed at the simulator, and a raw SigV4-signed fetch (HTTP/1.1). */
export const TEST_CREDENTIALS = { accessKeyId: "AKIDSIMULATORTEST", secretAccessKey: "simulator-test-secret" };
export const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

export function sdkClient(sim: BedrockSimulator, overrides: { secretAccessKey?: string; accessKeyId?: string; maxAttempts?: number } = {}): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: sim.region,
    endpoint: sim.url,
    maxAttempts: overrides.maxAttempts ?? 1,
    credentials: { ...TEST_CREDENTIALS, ...overrides },
  });
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const toBytes = (data: SourceData): string | Uint8Array =>
  typeof data === "string" ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

class NodeSha256 {
  #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

export interface RawRequest {
  modelId?: string;
  operation?: "converse" | "converse-stream";
  body: unknown;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Send without an Authorization header. */
  unsigned?: boolean;
  region?: string;
}

/** POSTs a Converse body signed with SigV4 (the same signer the SDK uses); the body may be anything, even invalid. */
export async function signedFetch(sim: BedrockSimulator, request: RawRequest): Promise<Response> {
  const url = new URL(sim.url);
  const path = `/model/${encodeURIComponent(request.modelId ?? HAIKU)}/${request.operation ?? "converse"}`;
  const body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);
  const unsigned = { method: "POST", protocol: "http:", hostname: url.hostname, port: Number(url.port), path, query: {}, body, headers: { host: url.host, "content-type": "application/json" } };
  const signer = new SignatureV4({ credentials: request.credentials ?? TEST_CREDENTIALS, region: request.region ?? sim.region, service: "bedrock", sha256: NodeSha256, uriEscapePath: true });
  const signed = request.unsigned ? unsigned : await signer.sign(unsigned);
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== "host"));
  return fetch(`${sim.url}${path}`, { method: "POST", headers, body });
}

export const userText = (text: string) => ({ role: "user" as const, content: [{ text }] });
