import { z } from "zod";
import type { ContentBlock } from "../providers/provider-types.ts";

/**
 * A tool call as stored in the call's transcript (a `tool` turn's text): what the model asked for, under its
 * toolUseId, and once it finished, the result the model was given. A resumed call rebuilds the tool round from it.
 */
export const ToolTurn = z.object({
  name: z.string(),
  input: z.unknown(),
  /** Absent in rows written before tool rounds were stored whole. */
  toolUseId: z.string().min(1).optional(),
  result: z.object({ status: z.enum(["success", "error"]), content: z.string() }).optional(),
});
export type ToolTurn = z.infer<typeof ToolTurn>;

const CUT_SHORT = "This did not finish: the call was interrupted.";

/** The stored tool call as the model saw it: its toolUse block and the toolResult that answered it. */
export function toolRound(text: string): { use: ContentBlock; result: ContentBlock } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ToolTurn.safeParse(json);
  if (!parsed.success || !parsed.data.toolUseId) return undefined;
  const { name, input, toolUseId, result } = parsed.data;
  return {
    use: { toolUse: { toolUseId, name, input: input ?? {} } },
    // A call cut off before its result (an interrupt, a restart) still gets one, or the history is invalid.
    result: { toolResult: { toolUseId, content: [{ text: result?.content ?? CUT_SHORT }], status: result?.status ?? "error" } },
  };
}
