/** Verification documents on the wire: the upload's query, what the tenant and the operator read. */
import { z } from "@hono/zod-openapi";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { DOCUMENT_CONTENT_TYPES, DOCUMENT_KINDS } from "../../../shared/pg/schema.ts";
import { ReviewedCase } from "./verification-schemas.ts";

export const DocumentUploadQuery = z.object({
  kind: z.enum(DOCUMENT_KINDS).default("other").openapi({ description: "What the document shows (default `other`).", example: "registration_certificate" }),
});

export const VerificationDocument = z
  .object({
    id: z.string().openapi({ example: "DOC-7KQ2M9XD4HTV23" }),
    kind: z.enum(DOCUMENT_KINDS),
    content_type: z.enum(DOCUMENT_CONTENT_TYPES),
    size_bytes: z.number().int(),
    sha256: z.string().openapi({ description: "SHA-256 of the uploaded bytes, hex." }),
    uploaded_at: z.string(),
  })
  .openapi("VerificationDocument");
export type VerificationDocument = z.infer<typeof VerificationDocument>;

export const VerificationDocumentList = z.object({ data: z.array(VerificationDocument) }).openapi("VerificationDocumentList");

export const ReviewedCaseWithDocuments = ReviewedCase.extend({ documents: z.array(VerificationDocument) }).openapi("ReviewedVerificationCaseWithDocuments");

export const DocumentParams = z.object({
  id: z.string().regex(ID_PATTERNS.account, "not a valid id").openapi({ param: { name: "id", in: "path" }, example: "AYB-7KQ2-M9XD-4HTV" }),
  doc_id: z.string().regex(ID_PATTERNS.document, "not a valid id").openapi({ param: { name: "doc_id", in: "path" }, example: "DOC-7KQ2M9XD4HTV23" }),
});
