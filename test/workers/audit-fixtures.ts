import { env } from "cloudflare:workers";

/** Chains the account's pending audit entries now, as listing and verification do, so tests can read audit_log. */
export async function settleAudit(accountId: string): Promise<void> {
  await env.AUDIT_CHAINER.get(env.AUDIT_CHAINER.idFromName(accountId)).settle(accountId);
}
