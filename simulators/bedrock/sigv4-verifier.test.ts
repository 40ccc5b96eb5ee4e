import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { AwsError } from "./aws-error.ts";
import { verifySigV4, type SignedRequest } from "./sigv4-verifier.ts";

const CREDENTIALS = [{ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }];
const PATH = "/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse-stream";
const BODY = JSON.stringify({ messages: [{ role: "user", content: [{ text: "hi" }] }] });

class Sha256 {
  #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", typeof secret === "string" ? secret : Buffer.from(secret as ArrayBuffer));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.#hash.update(typeof data === "string" ? data : Buffer.from(data as ArrayBuffer));
  }
  async digest() {
    return new Uint8Array(this.#hash.digest());
  }
}

async function sign(secretAccessKey = CREDENTIALS[0]!.secretAccessKey, region = "us-east-1", signingDate = new Date()): Promise<SignedRequest> {
  const signer = new SignatureV4({ credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey }, region, service: "bedrock", sha256: Sha256, uriEscapePath: true });
  const signed = await signer.sign(
    { method: "POST", protocol: "https:", hostname: "bedrock-runtime.us-east-1.amazonaws.com", path: PATH, query: {}, body: BODY, headers: { host: "bedrock-runtime.us-east-1.amazonaws.com", "content-type": "application/json" } },
    { signingDate },
  );
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: "POST", url: PATH, headers, body: Buffer.from(BODY) };
}

const options = { region: "us-east-1", service: "bedrock", credentials: CREDENTIALS };
const rejection = (fn: () => unknown): AwsError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
};

describe("SigV4 verification", () => {
  it("accepts a request signed by the SDK's signer (path label double-encoded)", async () => {
    expect(verifySigV4(await sign(), options)).toEqual({ accessKeyId: "AKIDEXAMPLE" });
  });

  it("rejects a wrong secret, a tampered body and a tampered signed header", async () => {
    const wrongSecret = await sign("not-the-secret");
    expect(rejection(() => verifySigV4(wrongSecret, options)).type).toBe("InvalidSignatureException");
    const good = await sign();
    expect(rejection(() => verifySigV4({ ...good, body: Buffer.from(BODY.replace("hi", "ho")) }, options)).message).toMatch(/signature we calculated does not match/);
    expect(rejection(() => verifySigV4({ ...good, headers: { ...good.headers, "content-type": "text/plain" } }, options)).type).toBe("InvalidSignatureException");
  });

  it("rejects an unknown key, a missing header, a foreign region and an old signature", async () => {
    const good = await sign();
    expect(rejection(() => verifySigV4(good, { ...options, credentials: [{ accessKeyId: "OTHER", secretAccessKey: "x" }] })).type).toBe("UnrecognizedClientException");
    const { authorization: _, ...unsigned } = good.headers;
    const missing = rejection(() => verifySigV4({ ...good, headers: unsigned }, options));
    expect([missing.type, missing.status]).toEqual(["MissingAuthenticationTokenException", 403]);
    expect(rejection(() => verifySigV4(good, { ...options, region: "eu-west-1" })).message).toMatch(/scoped to a valid region/);
    const old = await sign(undefined, "us-east-1", new Date(Date.now() - 20 * 60_000));
    expect(rejection(() => verifySigV4(old, options)).message).toMatch(/Signature expired/);
  });

  it("checks only shape and scope when no credentials are configured", async () => {
    const request = await sign("any-secret");
    expect(verifySigV4(request, { region: "us-east-1", service: "bedrock" }).accessKeyId).toBe("AKIDEXAMPLE");
    const malformed = { ...request, headers: { ...request.headers, authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request" } };
    expect(rejection(() => verifySigV4(malformed, { region: "us-east-1", service: "bedrock" })).type).toBe("IncompleteSignatureException");
  });
});
