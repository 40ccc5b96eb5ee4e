import { z } from "@hono/zod-openapi";
import { redriveDeadLetters } from "../../queue/redrive.ts";
import { jsonResponse, operatorRoute, resourceApp } from "../route.ts";

const RedriveResult = z
  .object({
    redriven: z.number().int().openapi({ description: "Messages sent back to their queue by this request." }),
    unroutable: z.number().int().openapi({ description: "Pending messages whose queue this Worker cannot send to (left as they are)." }),
    remaining: z.number().int().openapi({ description: "Pending messages beyond this request's share: redrive again." }),
  })
  .openapi("DeadLetterRedrive");

export const deadLettersApi = resourceApp();

deadLettersApi.openapi(
  operatorRoute({
    method: "post",
    path: "/operator/dead-letters/redrive",
    summary: "Send the stored dead letters back to their queues (operator only; `npm run queue:redrive`)",
    description:
      "Messages that exhausted their retries (usage that could not be settled, e.g. during a long Postgres outage) are kept in D1. Each is sent once: a second redrive sends only what died again since. Their consumers are idempotent, so a message sent twice is settled once.",
    responses: { 200: jsonResponse(RedriveResult, "What was sent back.") },
  }),
  async (c) => c.json(await redriveDeadLetters(c.env, c.var.audit), 200),
);
