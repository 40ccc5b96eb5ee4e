/**
 * What Twilio should do when the media stream ends on purpose (asked through `<Connect action>`). An apology the
 * agent already said in its own voice (`spoken`) is not repeated by Twilio.
 */
export type StreamExit = { kind: "hangup"; reason: string } | { kind: "transfer"; to: string } | { kind: "apology"; spoken?: boolean };

/** The call's end reason when its stream ended (on purpose, or lost). */
export const exitReason = (exit: StreamExit | undefined): string =>
  !exit ? "stream_closed" : exit.kind === "hangup" ? exit.reason : exit.kind === "transfer" ? "transferred" : "apology";
