/**
 * The `sanctions-rescreens` queue's consumer: each message rescreens one approved case against one list version
 * (rescreen-case.ts). A case reopened by a match is restricted to the trial gates (D1 `accounts.verification`) in
 * the same D1 batch as its audit entry (actor `platform`), inside the case's Postgres transaction. A malformed
 * message is dropped with a log; a failure is retried with backoff, then dead-lettered.
 */
import { setAccountVerification } from "../../../shared/compliance/account-verification.ts";
import { auditInsert, pokeAuditChainer } from "../../../shared/audit/audit-entry.ts";
import { database } from "../../../shared/db/client.ts";
import { withPostgres } from "../../../shared/pg/client.ts";
import { sanctionsListVersions } from "../../../shared/pg/schema.ts";
import { inArray } from "drizzle-orm";
import { readVersionsIndex, type ListVersion } from "../sanctions/list-store.ts";
import type { SanctionsIndex } from "../sanctions/sanctions-index.ts";
import { CaseSealer } from "./case-sealing.ts";
import { screeningThreshold } from "./case-submission.ts";
import { rescreenCase } from "./rescreen-case.ts";
import { RescreenMessage } from "./rescreen-enqueue.ts";

/** 60 s doubling, capped at 1 h: with wrangler.toml's 10 retries, about seven hours of Postgres trouble. */
export const rescreenRetryDelaySeconds = (attempts: number) => Math.min(3600, 60 * 2 ** Math.max(0, attempts - 1));

export async function consumeRescreens(batch: MessageBatch<unknown>, env: Env, ctx: Pick<ExecutionContext, "waitUntil">): Promise<void> {
  const valid: { message: Message<unknown>; body: RescreenMessage }[] = [];
  for (const message of batch.messages) {
    const parsed = RescreenMessage.safeParse(message.body);
    if (parsed.success) valid.push({ message, body: parsed.data });
    else {
      console.error(JSON.stringify({ level: "error", message: "malformed sanctions-rescreens message dropped", id: message.id, issues: parsed.error.issues.slice(0, 5) }));
      message.ack();
    }
  }
  if (valid.length === 0) return;
  const threshold = screeningThreshold(env.SANCTIONS_MATCH_THRESHOLD);
  const sealer = new CaseSealer(env.ENCRYPTION_KEY);
  const d1 = database(env.DB);
  const settled = new Set<Message<unknown>>();
  try {
    await withPostgres(env, async (db) => {
      // A batch usually holds one version: its list is read once for every case in it.
      const ids = [...new Set(valid.map(({ body }) => body.version_id))];
      const versions = await db.select({ id: sanctionsListVersions.id, source: sanctionsListVersions.source }).from(sanctionsListVersions).where(inArray(sanctionsListVersions.id, ids));
      const indexes = new Map<number, { version: ListVersion; index: SanctionsIndex }>();
      for (const version of versions) indexes.set(version.id, { version, index: await readVersionsIndex(db, [version]) });
      for (const { message, body } of valid) {
        const list = indexes.get(body.version_id);
        if (!list) {
          // The version was deleted (its rows cascade): nothing is left to screen against.
          console.error(JSON.stringify({ level: "warn", message: "rescreen of a list version that no longer exists dropped", account_id: body.account_id, version_id: body.version_id }));
          message.ack();
          settled.add(message);
          continue;
        }
        try {
          const outcome = await rescreenCase(db, sealer, { accountId: body.account_id, ...list, threshold }, async (transitions, detail) => {
            const audit = auditInsert(d1, {
              accountId: body.account_id,
              actor: "platform",
              action: "verification.rescreened",
              resource: body.account_id,
              detail: { transitions, ...detail, account_verification: "trial" },
            });
            await d1.batch([setAccountVerification(d1, body.account_id, "trial"), audit]);
          });
          if (outcome === "match") pokeAuditChainer(env, (p) => ctx.waitUntil(p), body.account_id);
          message.ack();
        } catch (error) {
          retry(message, body, error);
        }
        settled.add(message);
      }
    });
  } catch (error) {
    // Postgres could not be reached: every message not settled yet is tried again.
    for (const { message, body } of valid) if (!settled.has(message)) retry(message, body, error);
  }
}

function retry(message: Message<unknown>, body: RescreenMessage, error: unknown): void {
  console.error(JSON.stringify({ level: "warn", message: "sanctions rescreen will be retried", account_id: body.account_id, version_id: body.version_id, attempts: message.attempts, error: String(error) }));
  message.retry({ delaySeconds: rescreenRetryDelaySeconds(message.attempts) });
}
