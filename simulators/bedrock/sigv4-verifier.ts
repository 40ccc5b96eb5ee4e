import { createHash, createHmac } from "node:crypto";
import { timingSafeEqual } from "../../shared/crypto/timing-safe-equal.ts";
import { AwsError } from "./aws-error.ts";

/**
 * Verifies an AWS Signature Version 4 `Authorization` header the way the service does: rebuild the canonical request
 * from what arrived (path URI-encoded a second time, as for every non-S3 service; the payload hash computed from the
 * body itself), derive the signing key from the configured secret and compare signatures.
 */
export interface SimulatorCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedRequest {
  method: string;
  /** Path and query exactly as they arrived on the wire. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export interface SigV4Options {
  region: string;
  service: string;
  /** Without credentials only the header's shape, scope and date are checked. */
  credentials?: readonly SimulatorCredential[];
  now?: () => Date;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const MAX_SKEW_MS = 15 * 60_000;
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

export function verifySigV4(request: SignedRequest, options: SigV4Options): { accessKeyId: string } {
  const authorization = header(request.headers, "authorization");
  if (authorization === undefined) throw new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token");
  const parsed = parseAuthorization(authorization);
  const amzDate = header(request.headers, "x-amz-date");
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    throw new AwsError("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const [accessKeyId, date, region, service, terminator] = parsed.credential.split("/");
  if (!accessKeyId || !date || !region || !service || terminator !== "aws4_request") {
    throw new AwsError("IncompleteSignatureException", `Credential should be of the form AKID/date/region/service/aws4_request; got '${parsed.credential}'.`);
  }
  if (date !== amzDate.slice(0, 8)) throw new AwsError("InvalidSignatureException", `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}'.`);
  if (region !== options.region) throw new AwsError("InvalidSignatureException", `Credential should be scoped to a valid region. Expected '${options.region}'.`);
  if (service !== options.service) throw new AwsError("InvalidSignatureException", `Credential should be scoped to correct service: '${options.service}'.`);
  // Over HTTP/2 the SDK signs `:authority` instead of `host`.
  if (!parsed.signedHeaders.includes("host") && !parsed.signedHeaders.includes(":authority")) throw new AwsError("InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  const now = (options.now ?? (() => new Date()))();
  const signedAt = Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (Math.abs(now.getTime() - signedAt) > MAX_SKEW_MS) {
    throw new AwsError("InvalidSignatureException", `Signature expired: ${amzDate} is now earlier or later than ${toAmzDate(new Date(now.getTime() - MAX_SKEW_MS))} (${toAmzDate(now)} - 15 min.)`);
  }
  if (options.credentials === undefined) return { accessKeyId };

  const credential = options.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (credential === undefined) throw new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.");
  if (credential.sessionToken !== undefined && !timingSafeEqual(header(request.headers, "x-amz-security-token") ?? "", credential.sessionToken)) {
    throw new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest(request, parsed.signedHeaders))].join("\n");
  let key: Buffer = hmac(`AWS4${credential.secretAccessKey}`, date);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(parsed.signature, "hex");
  if (!timingSafeEqual(given, expected)) throw new AwsError("InvalidSignatureException", MISMATCH);
  return { accessKeyId };
}

/** The canonical request of SigV4 step 1, exported for tests. */
export function canonicalRequest(request: SignedRequest, signedHeaders: readonly string[]): string {
  const queryStart = request.url.indexOf("?");
  const path = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const query = queryStart === -1 ? "" : request.url.slice(queryStart + 1);
  const headerLines = signedHeaders.map((name) => {
    const raw =
      name === "host" || name === ":authority" ? (header(request.headers, name) ?? header(request.headers, name === "host" ? ":authority" : "host")) : request.headers[name];
    const values = Array.isArray(raw) ? raw : [raw ?? ""];
    return `${name}:${values.map((v) => v.trim().replace(/\s+/g, " ")).join(",")}\n`;
  });
  return [
    request.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(query),
    headerLines.join(""),
    signedHeaders.join(";"),
    createHash("sha256").update(request.body).digest("hex"),
  ].join("\n");
}

function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

function canonicalQuery(query: string): string {
  if (query === "") return "";
  return query
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const key = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
      const value = eq === -1 ? "" : safeDecode(pair.slice(eq + 1));
      return [escapeUri(key), escapeUri(value)] as const;
    })
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

function parseAuthorization(value: string): { credential: string; signedHeaders: string[]; signature: string } {
  if (!value.startsWith(`${ALGORITHM} `)) {
    throw new AwsError("IncompleteSignatureException", `Authorization header requires the ${ALGORITHM} algorithm.`);
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq !== -1) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const name of ["Credential", "SignedHeaders", "Signature"]) {
    if (!fields.get(name)) throw new AwsError("IncompleteSignatureException", `Authorization header requires '${name}' parameter.`);
  }
  const signature = fields.get("Signature")!;
  if (!/^[0-9a-f]{64}$/.test(signature)) throw new AwsError("IncompleteSignatureException", "Authorization header has a malformed 'Signature' parameter.");
  return { credential: fields.get("Credential")!, signedHeaders: fields.get("SignedHeaders")!.split(";"), signature };
}

function header(headers: SignedRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

const escapeUri = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();
const sha256Hex = (data: string): string => createHash("sha256").update(data, "utf8").digest("hex");
const toAmzDate = (d: Date): string => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
