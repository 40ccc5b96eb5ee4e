import { and, eq, inArray, like, or, sql } from "drizzle-orm";
import { campaignObject } from "../../../shared/campaigns/campaign-rpc.ts";
import type { Database } from "../../../shared/db/client.ts";
import { campaigns } from "../../../shared/db/campaigns-schema.ts";
import { workflowRuns, workflowRunSteps } from "../../../shared/db/workflows-schema.ts";
import { idGroups } from "./person-calls.ts";

/**
 * The account's workflow runs whose step records name the number (a step defined with it, an error quoting it),
 * and the statements that put its hash in their place. Step outputs keep ids, and run rows only the event's ids,
 * so what is left of a run is ids and statuses. The number is matched with and without its `+`.
 */
export async function workflowRunScrub(db: Database, accountId: string, phone: string, phoneHash: string) {
  const forms = [phone, phone.slice(1)];
  const mentions = (column: typeof workflowRunSteps.input | typeof workflowRunSteps.output | typeof workflowRunSteps.error) => or(...forms.map((f) => like(column, `%${f}%`)))!;
  const scrubbed = (column: typeof workflowRunSteps.input | typeof workflowRunSteps.output | typeof workflowRunSteps.error) =>
    sql`replace(replace(${column}, ${phone}, ${phoneHash}), ${forms[1]}, ${phoneHash})`;
  const runs = await db
    .selectDistinct({ id: workflowRunSteps.runId })
    .from(workflowRunSteps)
    .innerJoin(workflowRuns, eq(workflowRuns.id, workflowRunSteps.runId))
    .where(and(eq(workflowRuns.accountId, accountId), or(mentions(workflowRunSteps.input), mentions(workflowRunSteps.output), mentions(workflowRunSteps.error), ...forms.map((f) => like(workflowRuns.error, `%${f}%`)))))
    .all();
  const ids = runs.map((r) => r.id);
  const statements = idGroups(ids).flatMap((group) => [
    db.update(workflowRunSteps).set({ input: scrubbed(workflowRunSteps.input), output: scrubbed(workflowRunSteps.output), error: scrubbed(workflowRunSteps.error) }).where(inArray(workflowRunSteps.runId, group)),
    db.update(workflowRuns).set({ error: sql`replace(replace(${workflowRuns.error}, ${phone}, ${phoneHash}), ${forms[1]}, ${phoneHash})` }).where(and(eq(workflowRuns.accountId, accountId), inArray(workflowRuns.id, group))),
  ]);
  return { runs: ids.length, statements };
}

/** Takes the number out of every campaign of the account (each campaign's object holds its contacts); the count of campaigns that had it. */
export async function eraseCampaignContacts(env: Env, db: Database, accountId: string, phone: string, phoneHash: string, now: Date): Promise<number> {
  const owned = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.accountId, accountId)).all();
  let erased = 0;
  for (const { id } of owned) if (await campaignObject(env, id).erasePhone(phone, phoneHash, now.getTime())) erased++;
  return erased;
}
