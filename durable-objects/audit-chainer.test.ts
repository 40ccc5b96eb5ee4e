import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { GENESIS_HASH } from "../shared/audit/audit-hash.ts";
import { CHAIN_BATCH_ENTRIES } from "../shared/audit/chain-pending.ts";

const chainer = (accountId: string) => env.AUDIT_CHAINER.get(env.AUDIT_CHAINER.idFromName(accountId));

async function writePending(accountId: string, count: number): Promise<void> {
  const insert = env.DB.prepare("INSERT INTO audit_pending (account_id, actor, action, at, detail) VALUES (?, 'test', ?, '2026-01-01T00:00:00.000Z', ?)");
  await env.DB.batch(Array.from({ length: count }, (_, i) => insert.bind(accountId, `write.${i}`, JSON.stringify({ i }))));
}

const chained = async (accountId: string) =>
  (await env.DB.prepare("SELECT seq, action, prev_hash, hash FROM audit_log WHERE account_id = ? ORDER BY seq").bind(accountId).all<{ seq: number; action: string; prev_hash: string; hash: string }>())
    .results;
const pending = async (accountId: string) => (await env.DB.prepare("SELECT count(*) AS n FROM audit_pending WHERE account_id = ?").bind(accountId).first<{ n: number }>())!.n;

describe("AuditChainer", () => {
  it("chains an account's pending entries in the order they were written, on its alarm, over several batches", async () => {
    const accountId = `AYB-CHAIN-${crypto.randomUUID()}`;
    const count = CHAIN_BATCH_ENTRIES * 2 + 7;
    await writePending(accountId, count);
    await chainer(accountId).poke(accountId);
    // The poke's alarm is due at once: it may already be running, so the test waits for its outcome.
    await runDurableObjectAlarm(chainer(accountId));
    await vi.waitFor(async () => expect(await pending(accountId)).toBe(0), { timeout: 10_000, interval: 50 });

    const log = await chained(accountId);
    expect(log.map((e) => [e.seq, e.action])).toEqual(Array.from({ length: count }, (_, i) => [i + 1, `write.${i}`]));
    expect(log[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < log.length; i++) expect(log[i]!.prev_hash).toBe(log[i - 1]!.hash);
    expect(await pending(accountId)).toBe(0);
    const head = await env.DB.prepare("SELECT seq, hash FROM audit_heads WHERE account_id = ?").bind(accountId).first();
    expect(head).toEqual({ seq: count, hash: log[count - 1]!.hash });
  });

  it("leaves entries pending when chaining fails, and its alarm finishes the job once the database accepts it", async () => {
    const accountId = `AYB-RESUME-${crypto.randomUUID()}`;
    await writePending(accountId, 3);
    await env.DB.prepare(`CREATE TRIGGER chain_down BEFORE INSERT ON audit_log WHEN NEW.account_id = '${accountId}' BEGIN SELECT RAISE(ABORT, 'chain down'); END`).run();
    try {
      const outcome = await chainer(accountId)
        .settle(accountId)
        .then(
          () => "settled",
          (err: Error) => err.message,
        );
      expect(outcome).toMatch(/chain down/);
    } finally {
      await env.DB.prepare("DROP TRIGGER chain_down").run();
    }
    expect(await chained(accountId)).toEqual([]);
    expect(await pending(accountId)).toBe(3);
    expect(await runInDurableObject(chainer(accountId), (_o, state) => state.storage.getAlarm())).not.toBeNull();

    expect(await runDurableObjectAlarm(chainer(accountId))).toBe(true);
    expect((await chained(accountId)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await pending(accountId)).toBe(0);
    // Chaining again finds nothing to do and changes nothing.
    expect(await chainer(accountId).settle(accountId)).toBe(0);
    expect((await chained(accountId)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});
