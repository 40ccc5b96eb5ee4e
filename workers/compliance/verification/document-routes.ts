/**
 * Business documents of the verification case: the tenant uploads each as its raw bytes (PDF, PNG or JPEG, at most
 * 10 MiB: app.ts gives this route its own body limit) and lists them; the operator downloads them. The bytes are
 * sealed into R2 (document-store.ts); Postgres keeps what describes them.
 */
import { z } from "@hono/zod-openapi";
import { newDocumentId } from "../../../shared/ids.ts";
import { DOCUMENT_CONTENT_TYPES } from "../../../shared/pg/schema.ts";
import { notFound } from "../../api/problem.ts";
import { jsonResponse, operatorRoute, problem, resourceApp, securedRoute } from "../../api/route.ts";
import { UNAVAILABLE, withBillingDb } from "../../billing/billing-db.ts";
import { lockCase, readCase } from "./case-store.ts";
import { assertDocumentBytes, DOCUMENT_MAX_BYTES, documentContentType } from "./document-content.ts";
import { DocumentParams, DocumentUploadQuery, VerificationDocument, VerificationDocumentList } from "./document-schemas.ts";
import { documentView, findDocument, insertDocument, listDocuments, putDocument, readDocument } from "./document-store.ts";
import { assertEditable } from "./verification-states.ts";

export const verificationDocumentsApi = resourceApp();

const binary = Object.fromEntries(DOCUMENT_CONTENT_TYPES.map((type) => [type, { schema: z.string().openapi({ format: "binary" }) }]));

verificationDocumentsApi.openapi(
  securedRoute("verification:write", {
    method: "post",
    path: "/verification/documents",
    tags: ["Verification"],
    summary: "Upload a business document for the verification case (raw PDF, PNG or JPEG bytes, at most 10 MiB)",
    description:
      "The body is the file itself, with its Content-Type; its first bytes must match that type. Stored encrypted. Allowed while the case can be changed (`not_started` or `needs_info`); one audit entry per upload.",
    request: { query: DocumentUploadQuery, body: { required: true, content: binary } },
    responses: {
      201: jsonResponse(VerificationDocument, "The document as recorded on the case."),
      409: problem("`conflict`: the case is not `not_started` or `needs_info`."),
      413: problem(`\`payload-too-large\`: the document is over ${DOCUMENT_MAX_BYTES} bytes; nothing was stored.`),
      415: problem("`unsupported-media-type`: not PDF, PNG or JPEG, or the bytes are not the declared type."),
      422: problem("`validation-error`: an empty body, or an unknown `kind`."),
      ...UNAVAILABLE,
    },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const { kind } = c.req.valid("query");
    const contentType = documentContentType(c.req.header("content-type"));
    const current = await withBillingDb(c.env, (db) => readCase(db, accountId));
    if (current) assertEditable(current.state);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    assertDocumentBytes(contentType, bytes);
    const values = await putDocument(c.env.VERIFICATION_DOCUMENTS, c.env.ENCRYPTION_KEY, { id: newDocumentId(), accountId, kind, contentType, bytes });
    try {
      const row = await withBillingDb(c.env, (db) =>
        db.transaction(async (tx) => {
          // Checked again under the case's lock: a submission may have begun while the bytes were sealed.
          const locked = await lockCase(tx, accountId);
          if (locked) assertEditable(locked.state);
          const inserted = await insertDocument(tx, values);
          await c.var.audit.commit([], { resource: inserted.id, detail: { kind, content_type: contentType, size_bytes: inserted.sizeBytes, sha256: inserted.sha256 } });
          return inserted;
        }),
      );
      return c.json(documentView(row), 201);
    } catch (err) {
      // Not recorded: its bytes must not linger.
      await c.env.VERIFICATION_DOCUMENTS.delete(values.objectKey);
      throw err;
    }
  },
);

verificationDocumentsApi.openapi(
  securedRoute("verification:read", {
    method: "get",
    path: "/verification/documents",
    tags: ["Verification"],
    summary: "The documents uploaded for the account's verification case, oldest first",
    responses: { 200: jsonResponse(VerificationDocumentList, "The documents (their description, not their bytes)."), ...UNAVAILABLE },
  }),
  async (c) => {
    const rows = await withBillingDb(c.env, (db) => listDocuments(db, c.get("principal").accountId));
    return c.json({ data: rows.map(documentView) }, 200);
  },
);

verificationDocumentsApi.openapi(
  operatorRoute({
    method: "get",
    path: "/operator/verifications/{id}/documents/{doc_id}",
    summary: "Download one of an account's verification documents, decrypted, as uploaded",
    request: { params: DocumentParams },
    responses: { 200: { description: "The document's bytes, with its Content-Type.", content: binary }, ...UNAVAILABLE },
  }),
  async (c) => {
    const { id, doc_id } = c.req.valid("param");
    const row = await withBillingDb(c.env, (db) => findDocument(db, id, doc_id));
    if (!row) throw notFound("verification document");
    const bytes = await readDocument(c.env.VERIFICATION_DOCUMENTS, c.env.ENCRYPTION_KEY, row);
    if (!bytes) throw notFound("verification document");
    return c.body(bytes, 200, {
      "content-type": row.contentType,
      "content-disposition": `attachment; filename="${row.id}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
  },
);
