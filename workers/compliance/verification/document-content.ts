/**
 * What a verification document may be: PDF, PNG or JPEG, at most 10 MiB, and its first bytes must be its declared
 * type's signature (a renamed file, or a type lied about, is refused before anything is stored).
 */
import { DOCUMENT_CONTENT_TYPES, type DocumentContentType } from "../../../shared/pg/schema.ts";
import { ApiError } from "../../api/problem.ts";

export const DOCUMENT_MAX_BYTES = 10 * 1024 * 1024;

/** Each type's file signature: `%PDF-`, the PNG signature, and JPEG's start-of-image marker. */
const SIGNATURES: Record<DocumentContentType, readonly number[]> = {
  "application/pdf": [0x25, 0x50, 0x44, 0x46, 0x2d],
  "image/png": [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  "image/jpeg": [0xff, 0xd8, 0xff],
};

/** The declared Content-Type, or a 415 naming the accepted ones. */
export function documentContentType(header: string | undefined): DocumentContentType {
  const type = header?.split(";")[0]?.trim().toLowerCase();
  const accepted = DOCUMENT_CONTENT_TYPES.find((t) => t === type);
  if (!accepted) throw new ApiError("unsupported-media-type", `send the document as its raw bytes with Content-Type ${DOCUMENT_CONTENT_TYPES.join(", ")}`);
  return accepted;
}

/** Refuses an empty body (422) and bytes whose signature is not the declared type's (415). */
export function assertDocumentBytes(type: DocumentContentType, bytes: Uint8Array): void {
  if (bytes.length === 0) throw new ApiError("validation-error", "the document is empty", { errors: [{ path: "body", message: "empty", code: "empty" }] });
  const signature = SIGNATURES[type];
  if (bytes.length < signature.length || signature.some((b, i) => bytes[i] !== b)) {
    throw new ApiError("unsupported-media-type", `the document's bytes are not ${type}: its first bytes do not match that type's signature`);
  }
}
