import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newAccountId, newDocumentId } from "../../../shared/ids.ts";
import { withPostgres } from "../../../shared/pg/client.ts";
import { SCHEDULED_JOBS } from "../../scheduled/jobs.ts";
import { documentObjectKey, insertDocument, putDocument } from "./document-store.ts";
import { sweepOrphanDocuments } from "./orphan-documents-job.ts";

const PDF = new TextEncoder().encode("%PDF-1.7\norphan sweep\n");

describe("the orphan verification documents sweep", () => {
  it("deletes objects older than an hour that have no row, and keeps documents and young uploads", async () => {
    const accountId = newAccountId();
    const prefix = `verification-documents/${accountId}/`;
    // A crash after the R2 put: the object, and no row.
    const orphan = documentObjectKey(accountId, newDocumentId());
    await env.VERIFICATION_DOCUMENTS.put(orphan, PDF);
    const row = await putDocument(env.VERIFICATION_DOCUMENTS, env.ENCRYPTION_KEY, { id: newDocumentId(), accountId, kind: "other", contentType: "application/pdf", bytes: PDF });
    await withPostgres(env, (db) => insertDocument(db, row));

    // Within the hour an upload may still be inserting its row: nothing goes.
    expect(await sweepOrphanDocuments(env, new Date(), prefix)).toEqual({ scanned: 2, deleted: 0 });
    const later = new Date(Date.now() + 2 * 60 * 60_000);
    expect(await sweepOrphanDocuments(env, later, prefix)).toEqual({ scanned: 2, deleted: 1 });
    expect((await env.VERIFICATION_DOCUMENTS.list({ prefix })).objects.map((o) => o.key)).toEqual([row.objectKey]);
    expect(await sweepOrphanDocuments(env, later, prefix)).toEqual({ scanned: 1, deleted: 0 });
  });

  it("runs in the hourly cron", () => {
    expect(SCHEDULED_JOBS.map((job) => job.name)).toContain("sweep-orphan-documents");
  });
});
