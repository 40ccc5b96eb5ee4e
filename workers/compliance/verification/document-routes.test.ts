import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../../shared/crypto/base64.ts";
import { sha256Hex } from "../../../shared/crypto/sha256.ts";
import { newAccountId, newDocumentId } from "../../../shared/ids.ts";
import { api, createTenant, request } from "../../../test/workers/api-client.ts";
import { DOCUMENT_MAX_BYTES } from "./document-content.ts";
import { documentObjectKey, putDocument, readDocument } from "./document-store.ts";
import { caseDetails, loadFixtureLists, operatorRequest, tenantInReview } from "./verification-fixtures.ts";

beforeAll(loadFixtureLists, 60_000);

const MARKER = "BRIGHTSMILE-REGISTERED-09876543";
/** A file of each type: its signature, then a marker that must never sit in R2 in clear. */
const file = (signature: number[], size = 2_000) => {
  const bytes = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB at a time.
  for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
  bytes.set(signature);
  bytes.set(new TextEncoder().encode(MARKER), signature.length);
  return bytes;
};
const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff, 0xe0];

const upload = async (key: string, body: Uint8Array, contentType: string, kind = "registration_certificate", headers: Record<string, string> = {}) => {
  const res = await exports.default.fetch(
    new Request(`https://api.test/v1/verification/documents?kind=${kind}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": contentType, ...headers }, body }),
  );
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
};

const download = (accountId: string, docId: string) =>
  exports.default.fetch(new Request(`https://api.test/v1/operator/verifications/${accountId}/documents/${docId}`, { headers: { "x-operator-secret": env.OPERATOR_SECRET } }));

const storedObjects = async (accountId: string) => (await env.VERIFICATION_DOCUMENTS.list({ prefix: `verification-documents/${accountId}/` })).objects;

const tokenFor = async (ownerKey: string, role: string) => {
  const owner = api(ownerKey);
  const user = (await owner.post("/v1/users", { email: `${role}-${crypto.randomUUID()}@docs.test`, role })).json;
  return (await owner.post(`/v1/users/${user.id}/tokens`)).json.token as string;
};

describe("/v1/verification/documents", () => {
  it("takes PDF, PNG and JPEG as raw bytes, stores them encrypted, lists them, and the operator downloads the exact bytes", async () => {
    const t = await createTenant();
    await api(t.key).put("/v1/verification", caseDetails());
    const files: [Uint8Array, string, string][] = [
      [file(PDF), "application/pdf", "registration_certificate"],
      [file(PNG), "image/png", "proof_of_address"],
      [file(JPEG, 300_000), "image/jpeg; charset=binary", "other"],
    ];
    const uploaded = [];
    for (const [bytes, type, kind] of files) {
      const res = await upload(t.key, bytes, type, kind);
      expect(res.status, res.text).toBe(201);
      expect(res.json).toEqual({ id: expect.stringMatching(/^DOC-/), kind, content_type: type.split(";")[0], size_bytes: bytes.length, sha256: await sha256Hex(bytes), uploaded_at: expect.any(String) });
      uploaded.push(res.json);
    }
    // One audit entry per upload, naming the document.
    const log = (await api(t.key).get("/v1/audit-log?limit=3")).json.data;
    expect(log.map((e: { action: string; resource: string }) => [e.action, e.resource])).toEqual(uploaded.reverse().map((d) => ["POST /v1/verification/documents", d.id]));
    uploaded.reverse();

    expect((await api(t.key).get("/v1/verification/documents")).json.data).toEqual(uploaded);
    const objects = await storedObjects(t.accountId);
    expect(objects).toHaveLength(3);
    for (const [i, [bytes]] of files.entries()) {
      const object = (await env.VERIFICATION_DOCUMENTS.get(documentObjectKey(t.accountId, uploaded[i].id)))!;
      const stored = new Uint8Array(await object.arrayBuffer());
      expect(object.customMetadata).toEqual({ key_id: "k1" });
      expect(new TextDecoder("latin1").decode(stored)).not.toContain(MARKER);
      expect(stored.subarray(0, 4)).not.toEqual(bytes.subarray(0, 4));

      const res = await download(t.accountId, uploaded[i].id);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(uploaded[i].content_type);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    }
    const view = await operatorRequest("GET", `/v1/operator/verifications/${t.accountId}`);
    expect(view.json.documents).toEqual(uploaded);
  });

  it("refuses a wrong type (415), bytes that are not the declared type (415), an empty body or unknown kind (422), and over 10 MiB (413), storing nothing", async () => {
    const t = await createTenant();
    const refused: [Uint8Array, string, number, string, string?][] = [
      [file(PNG), "application/pdf", 415, "unsupported-media-type"],
      [file(PDF), "image/jpeg", 415, "unsupported-media-type"],
      [new TextEncoder().encode("hello"), "text/plain", 415, "unsupported-media-type"],
      [file(PDF), "application/octet-stream", 415, "unsupported-media-type"],
      [new Uint8Array(), "application/pdf", 422, "validation-error"],
      [file(PDF), "application/pdf", 422, "validation-error", "passport"],
      [file(PDF, DOCUMENT_MAX_BYTES + 1), "application/pdf", 413, "payload-too-large"],
    ];
    for (const [bytes, type, status, problemType, kind] of refused) {
      const res = await upload(t.key, bytes, type, kind);
      expect(res.status, `${type} ${bytes.length}: ${res.text}`).toBe(status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.json.type).toBe(`https://docs.ayb.dev/problems/${problemType}`);
    }
    // Streamed, with no Content-Length to refuse it by, the limit still holds.
    const streamed = await exports.default.fetch(
      new Request("https://api.test/v1/verification/documents", { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/pdf" }, body: new Blob([file(PDF, DOCUMENT_MAX_BYTES + 1)]).stream() }),
    );
    expect(streamed.status).toBe(413);
    expect(await storedObjects(t.accountId)).toEqual([]);
    expect((await upload(t.key, file(PDF, DOCUMENT_MAX_BYTES), "application/pdf")).status).toBe(201);
    expect((await api(t.key).get("/v1/verification/documents")).json.data.map((d: { size_bytes: number }) => d.size_bytes)).toEqual([DOCUMENT_MAX_BYTES]);
    expect(await storedObjects(t.accountId)).toHaveLength(1);
  });

  it("stores the exact bytes of an upload sent with an Idempotency-Key (hashed as bytes, not decoded as text), and replays it", async () => {
    const t = await createTenant();
    const bytes = file(JPEG);
    const headers = { "idempotency-key": crypto.randomUUID() };
    const first = await upload(t.key, bytes, "image/jpeg", "other", headers);
    expect(first.status, first.text).toBe(201);
    expect(new Uint8Array(await (await download(t.accountId, first.json.id)).arrayBuffer())).toEqual(bytes);
    const replay = await upload(t.key, bytes, "image/jpeg", "other", headers);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toEqual(first.json);
    expect((await upload(t.key, file(JPEG), "image/jpeg", "other", headers)).json.type).toBe("https://docs.ayb.dev/problems/idempotency-key-reused");
    expect(await storedObjects(t.accountId)).toHaveLength(1);
  });

  it("takes documents only while the case can be changed (409 in review), and again once the operator asks for information", async () => {
    const t = await tenantInReview();
    const refused = await upload(t.key, file(PDF), "application/pdf");
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain("in_review");
    expect(await storedObjects(t.accountId)).toEqual([]);
    await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/request-info`, { reason: "send the registration certificate" });
    expect((await upload(t.key, file(PDF), "application/pdf")).status).toBe(201);
  });

  it("keeps each tenant to its own documents, and to owners and admins: developers and viewers get 403", async () => {
    const mine = await createTenant();
    const other = await createTenant();
    const doc = (await upload(mine.key, file(PDF), "application/pdf")).json;
    expect((await api(other.key).get("/v1/verification/documents")).json.data).toEqual([]);
    // The document under another account's id is not found, and a tenant's key does not open the operator's route.
    expect((await download(other.accountId, doc.id)).status).toBe(404);
    expect((await request("GET", `/v1/operator/verifications/${mine.accountId}/documents/${doc.id}`, { key: other.key })).status).toBe(401);
    expect((await request("GET", `/v1/operator/verifications/${mine.accountId}/documents/${doc.id}`, { key: mine.key })).status).toBe(401);
    for (const role of ["developer", "viewer"]) {
      const token = await tokenFor(mine.key, role);
      for (const res of [await upload(token, file(PDF), "application/pdf"), await api(token).get("/v1/verification/documents")]) {
        expect(res.status, role).toBe(403);
        expect(res.json.type).toBe("https://docs.ayb.dev/problems/forbidden");
      }
    }
    expect((await upload(await tokenFor(mine.key, "admin"), file(PNG), "image/png")).status).toBe(201);
    expect((await api(mine.key).get("/v1/verification/documents")).json.data).toHaveLength(2);
  });

  it("opens a document sealed under an older key after a new key is added, and binds it to its account", async () => {
    const oldRing = `docs-old:${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
    const newRing = `docs-new:${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))},${oldRing}`;
    const bytes = file(JPEG);
    const row = { ...(await putDocument(env.VERIFICATION_DOCUMENTS, oldRing, { id: newDocumentId(), accountId: newAccountId(), kind: "other", contentType: "image/jpeg", bytes })), uploadedAt: new Date() };
    expect((await env.VERIFICATION_DOCUMENTS.head(row.objectKey))!.customMetadata).toEqual({ key_id: "docs-old" });
    expect(await readDocument(env.VERIFICATION_DOCUMENTS, newRing, row)).toEqual(bytes);
    // Copied under another account, it does not open.
    await env.VERIFICATION_DOCUMENTS.put(documentObjectKey("AYB-AAAA-AAAA-AAAA", row.id), await (await env.VERIFICATION_DOCUMENTS.get(row.objectKey))!.arrayBuffer(), { customMetadata: { key_id: "docs-old" } });
    await expect(readDocument(env.VERIFICATION_DOCUMENTS, newRing, { ...row, accountId: "AYB-AAAA-AAAA-AAAA", objectKey: documentObjectKey("AYB-AAAA-AAAA-AAAA", row.id) })).rejects.toThrow(/could not be decrypted/);
  });
});
