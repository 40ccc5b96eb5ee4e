import { and, eq, inArray, like, or, sql } from "drizzle-orm";
import { campaignObject } from "../../../shared/campaigns/campaign-rpc.ts";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../../../shared/db/client.ts";
import { campaigns } from "../../../shared/db/campaigns-schema.ts";
import { workflowRuns, workflowRunSteps } from "../../../shared/db/workflows-schema.ts";
import { idGroups } from "./person-calls.ts";

/**
 * The account's workflow runs whose records name the number (an event carrying it, a step defined with it, an error
 * quoting it), and the statements that put its hash in their place; a run started by one of the person's calls keeps
 * only the event's ids (a call's event carries its analysis). The engine holds ids only (params, step results,
 * errors: workers/workflows/automation-workflow.ts), so D1 is all there is to reach. The number is matched with
 * and without its `+`.
 */
export async function workflowRunScrub(db: Database, accountId: string, phone: string, phoneHash: string, callIds: readonly string[]) {
  const forms = [phone, phone.slice(1)];
  const mentions = (column: typeof workflowRunSteps.input | typeof workflowRunSteps.output | typeof workflowRunSteps.error) => or(...forms.map((f) => like(column, `%${f}%`)))!;
  const scrubbed = (column: typeof workflowRunSteps.input | typeof workflowRunSteps.output | typeof workflowRunSteps.error) =>
    sql`replace(replace(${column}, ${phone}, ${phoneHash}), ${forms[1]}, ${phoneHash})`;
  const runs = await db
    .selectDistinct({ id: workflowRunSteps.runId })
    .from(workflowRunSteps)
    .innerJoin(workflowRuns, eq(workflowRuns.id, workflowRunSteps.runId))
    .where(
      and(
        eq(workflowRuns.accountId, accountId),
        or(mentions(workflowRunSteps.input), mentions(workflowRunSteps.output), mentions(workflowRunSteps.error), ...forms.flatMap((f) => [like(workflowRuns.error, `%${f}%`), like(workflowRuns.event, `%${f}%`)])),
      ),
    )
    .all();
  const callRuns = (
    await Promise.all(
      idGroups([...callIds]).map((group) =>
        db.select({ id: workflowRuns.id }).from(workflowRuns).where(and(eq(workflowRuns.accountId, accountId), inArray(sql`${workflowRuns.triggerRef} ->> 'call_id'`, group))).all(),
      ),
    )
  ).flat();
  const ids = [...new Set([...runs, ...callRuns].map((r) => r.id))];
  const statements: BatchItem<"sqlite">[] = idGroups(ids).flatMap((group) => [
    db.update(workflowRunSteps).set({ input: scrubbed(workflowRunSteps.input), output: scrubbed(workflowRunSteps.output), error: scrubbed(workflowRunSteps.error) }).where(inArray(workflowRunSteps.runId, group)),
    db
      .update(workflowRuns)
      .set({ error: sql`replace(replace(${workflowRuns.error}, ${phone}, ${phoneHash}), ${forms[1]}, ${phoneHash})`, event: sql`replace(replace(${workflowRuns.event}, ${phone}, ${phoneHash}), ${forms[1]}, ${phoneHash})` })
      .where(and(eq(workflowRuns.accountId, accountId), inArray(workflowRuns.id, group))),
  ]);
  for (const group of idGroups(callRuns.map((r) => r.id))) {
    statements.push(db.update(workflowRuns).set({ event: sql`${workflowRuns.triggerRef}` }).where(and(eq(workflowRuns.accountId, accountId), inArray(workflowRuns.id, group))));
  }
  return { runs: ids.length, statements };
}

/** Takes the number out of every campaign of the account (each campaign's object holds its contacts); the count of campaigns that had it. */
export async function eraseCampaignContacts(env: Env, db: Database, accountId: string, phone: string, phoneHash: string, now: Date): Promise<number> {
  const owned = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.accountId, accountId)).all();
  let erased = 0;
  for (const { id } of owned) if (await campaignObject(env, id).erasePhone(phone, phoneHash, now.getTime())) erased++;
  return erased;
}
