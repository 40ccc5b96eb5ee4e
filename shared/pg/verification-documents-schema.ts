/**
 * The business documents of a verification case (workers/compliance/verification/document-routes.ts). The bytes sit
 * in R2 (VERIFICATION_DOCUMENTS), sealed with the ENCRYPTION_KEY ring, under the object key in `objectKey`; a row
 * holds only what describes the file, none of its content.
 */
import { bigint, check, index, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { oneOf } from "./columns.ts";

export const DOCUMENT_KINDS = ["registration_certificate", "proof_of_address", "other"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const DOCUMENT_CONTENT_TYPES = ["application/pdf", "image/png", "image/jpeg"] as const;
export type DocumentContentType = (typeof DOCUMENT_CONTENT_TYPES)[number];

export const verificationDocuments = pgTable(
  "verification_documents",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    kind: text("kind", { enum: DOCUMENT_KINDS }).notNull(),
    contentType: text("content_type", { enum: DOCUMENT_CONTENT_TYPES }).notNull(),
    /** The plaintext's size and SHA-256 (hex): what the operator's download must match. */
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    sha256: text("sha256").notNull(),
    /** Scoped by account: `verification-documents/{account}/{id}`. */
    objectKey: text("object_key").notNull(),
    uploadedAt: timestamp("uploaded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("verification_documents_account").on(t.accountId, t.uploadedAt),
    check("verification_documents_kind_check", oneOf("kind", DOCUMENT_KINDS)),
    check("verification_documents_content_type_check", oneOf("content_type", DOCUMENT_CONTENT_TYPES)),
  ],
);
