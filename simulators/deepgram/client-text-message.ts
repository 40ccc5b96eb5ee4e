import type { z } from "zod";

/** A client's text frame read against a stream's control messages; text that is not JSON fails like a wrong shape. */
export function parseClientMessage<T>(schema: z.ZodType<T>, text: string): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
