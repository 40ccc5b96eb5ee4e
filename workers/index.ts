import { createApp } from "./app.ts";
import { DEAD_LETTER_SOURCES, storeDeadLetters } from "./queue/dead-letters.ts";
import { consumeUsage } from "./queue/usage-consumer.ts";
import { runScheduledJobs } from "./scheduled/jobs.ts";

export { AccountGate } from "../durable-objects/account-gate.ts";
export { AuditChainer } from "../durable-objects/audit-chainer.ts";
export { CallSession } from "../durable-objects/call-session.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env) => (batch.queue in DEAD_LETTER_SOURCES ? storeDeadLetters(batch, env) : consumeUsage(batch, env)),
  scheduled: (controller, env) => runScheduledJobs(controller, env),
} satisfies ExportedHandler<Env>;
