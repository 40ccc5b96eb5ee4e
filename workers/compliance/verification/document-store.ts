/**
 * A verification document's bytes in R2 and its row in Postgres. The bytes are sealed with the ENCRYPTION_KEY ring
 * (AES-256-GCM) bound to the account and the document's id, so an object copied under another account's key does not
 * open; the sealing key's id travels in the object's metadata, so a document sealed before a rotation still opens
 * while its key stays listed.
 */
import { and, asc, eq } from "drizzle-orm";
import { SecretBox } from "../../../shared/crypto/secret-box.ts";
import { sha256Hex } from "../../../shared/crypto/sha256.ts";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { verificationDocuments, type DocumentContentType, type DocumentKind } from "../../../shared/pg/schema.ts";
import type { CaseDb } from "./case-store.ts";
import type { VerificationDocument } from "./document-schemas.ts";

export type DocumentRow = typeof verificationDocuments.$inferSelect;

const context = (accountId: string, documentId: string) => `verification-document:${accountId}/${documentId}`;
export const documentObjectKey = (accountId: string, documentId: string) => `verification-documents/${accountId}/${documentId}`;

export interface NewDocument {
  id: string;
  accountId: string;
  kind: DocumentKind;
  contentType: DocumentContentType;
  bytes: Uint8Array;
}

/** Seals the bytes into R2; returns the row to insert (the caller inserts it with its audit entry). */
export async function putDocument(bucket: R2Bucket, keyRing: string, doc: NewDocument): Promise<typeof verificationDocuments.$inferInsert> {
  const objectKey = documentObjectKey(doc.accountId, doc.id);
  const { keyId, sealed } = await new SecretBox(keyRing).sealBytes(doc.bytes, context(doc.accountId, doc.id));
  await bucket.put(objectKey, sealed, { customMetadata: { key_id: keyId } });
  return { id: doc.id, accountId: doc.accountId, kind: doc.kind, contentType: doc.contentType, sizeBytes: doc.bytes.length, sha256: await sha256Hex(doc.bytes), objectKey };
}

/** The document's plaintext, or undefined when its object is gone. */
export async function readDocument(bucket: R2Bucket, keyRing: string, row: DocumentRow): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const object = await bucket.get(row.objectKey);
  if (!object) return undefined;
  const keyId = object.customMetadata?.key_id ?? "";
  return new SecretBox(keyRing).openBytes({ keyId, sealed: new Uint8Array(await object.arrayBuffer()) }, context(row.accountId, row.id));
}

export const insertDocument = async (tx: CaseDb, row: typeof verificationDocuments.$inferInsert) => (await tx.insert(verificationDocuments).values(row).returning())[0]!;

export const listDocuments = (db: PgDatabase, accountId: string) =>
  db.select().from(verificationDocuments).where(eq(verificationDocuments.accountId, accountId)).orderBy(asc(verificationDocuments.uploadedAt), asc(verificationDocuments.id));

export async function findDocument(db: PgDatabase, accountId: string, documentId: string): Promise<DocumentRow | undefined> {
  const [row] = await db.select().from(verificationDocuments).where(and(eq(verificationDocuments.accountId, accountId), eq(verificationDocuments.id, documentId))).limit(1);
  return row;
}

export const documentView = (row: DocumentRow): VerificationDocument => ({
  id: row.id,
  kind: row.kind,
  content_type: row.contentType,
  size_bytes: row.sizeBytes,
  sha256: row.sha256,
  uploaded_at: row.uploadedAt.toISOString(),
});
