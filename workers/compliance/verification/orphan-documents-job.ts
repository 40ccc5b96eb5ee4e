/**
 * The hourly sweep of verification documents whose upload died between the R2 put and the Postgres row. The upload
 * route deletes its object when the row or its audit entry fails, but a crash in between leaves the object behind:
 * an object under the documents' prefix that is older than an hour and has no row is deleted. The hour lets an
 * upload in flight insert its row first.
 */
import { inArray } from "drizzle-orm";
import { withPostgres } from "../../../shared/pg/client.ts";
import { verificationDocuments } from "../../../shared/pg/schema.ts";

export const ORPHAN_MIN_AGE_MS = 60 * 60_000;
export const DOCUMENTS_PREFIX = "verification-documents/";
/** R2 lists and deletes at most 1,000 keys at a time. */
const PAGE = 1000;

/** `prefix` narrows the sweep (a test's own account); the job sweeps every document. */
export async function sweepOrphanDocuments(env: Env, now: Date, prefix = DOCUMENTS_PREFIX): Promise<{ scanned: number; deleted: number }> {
  const cutoffMs = now.getTime() - ORPHAN_MIN_AGE_MS;
  let scanned = 0;
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await env.VERIFICATION_DOCUMENTS.list({ prefix, limit: PAGE, ...(cursor && { cursor }) });
    scanned += page.objects.length;
    const old = page.objects.filter((o) => o.uploaded.getTime() < cutoffMs).map((o) => o.key);
    if (old.length > 0) {
      const rows = await withPostgres(env, (db) => db.select({ key: verificationDocuments.objectKey }).from(verificationDocuments).where(inArray(verificationDocuments.objectKey, old)));
      const kept = new Set(rows.map((r) => r.key));
      const orphans = old.filter((key) => !kept.has(key));
      if (orphans.length > 0) await env.VERIFICATION_DOCUMENTS.delete(orphans);
      deleted += orphans.length;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return { scanned, deleted };
}
