import { z } from "@hono/zod-openapi";

/** A connection as the integration routes answer it: never its credentials. */
export const IntegrationConnection = z.object({ name: z.string(), connection: z.enum(["connected", "broken"]), updated_at: z.string() }).openapi("IntegrationConnection");
