import { createApp } from "./app.ts";

export { CallSession } from "../durable-objects/call-session.ts";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
