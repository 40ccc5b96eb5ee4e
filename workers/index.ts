import { consumeCallAnalysis } from "./analysis/analysis-consumer.ts";
import { createApp } from "./app.ts";
import { DEAD_LETTER_SOURCES, storeDeadLetters } from "./queue/dead-letters.ts";
import { consumeUsage } from "./queue/usage-consumer.ts";
import { consumeRescreens } from "./compliance/verification/rescreen-consumer.ts";
import { runScheduledJobs } from "./scheduled/jobs.ts";
import { consumeWebhookDeliveries } from "./webhooks/delivery-consumer.ts";
import { consumeWebhookEvents } from "./webhooks/event-fanout.ts";

export { AccountGate } from "../durable-objects/account-gate.ts";
export { AuditChainer } from "../durable-objects/audit-chainer.ts";
export { CallSession } from "../durable-objects/call-session.ts";
export { Campaign } from "../durable-objects/campaign/campaign-object.ts";
export { AutomationWorkflow } from "./workflows/automation-workflow.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  // One queue handler for every queue this Worker consumes: each batch comes from one queue, named in it.
  queue: (batch, env, ctx) => {
    if (batch.queue in DEAD_LETTER_SOURCES) return storeDeadLetters(batch, env);
    if (batch.queue === "webhook-events") return consumeWebhookEvents(batch, env);
    if (batch.queue === "webhook-deliveries") return consumeWebhookDeliveries(batch, env, ctx);
    if (batch.queue === "call-analysis") return consumeCallAnalysis(batch, env, ctx);
    if (batch.queue === "sanctions-rescreens") return consumeRescreens(batch, env, ctx);
    return consumeUsage(batch, env);
  },
  scheduled: (controller, env) => runScheduledJobs(controller, env),
} satisfies ExportedHandler<Env>;
