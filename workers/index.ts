import { createApp } from "./app.ts";
import { consumeUsage } from "./queue/usage-consumer.ts";
import { runScheduledJobs } from "./scheduled/jobs.ts";

export { AccountGate } from "../durable-objects/account-gate.ts";
export { CallSession } from "../durable-objects/call-session.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeUsage,
  scheduled: (controller, env) => runScheduledJobs(controller, env),
} satisfies ExportedHandler<Env>;
