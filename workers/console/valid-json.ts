import { zValidator } from "@hono/zod-validator";
import type { z, ZodError } from "zod";
import { ApiError, zodIssues } from "../api/problem.ts";

/** Validates a console route's JSON body, answering problem+json with every issue at its field, as `/v1` does. */
export const validJson = <T extends z.ZodType>(schema: T) =>
  zValidator("json", schema, (result) => {
    if (!result.success) throw new ApiError("validation-error", "the request body is not valid", { errors: zodIssues(result.error as unknown as ZodError) });
  });
