import { z } from "zod";
import { parse as parseYaml } from "yaml";

/**
 * What the simulated person on the phone does, step by step. Times are call-clock milliseconds.
 * A script is JSON or YAML; a bare list of steps is shorthand for `{ steps: [...] }`.
 */
const ms = z.number().int().min(0);

/** When a sound of the caller's starts. */
const soundTiming = {
  /** Barge in: start this long after the agent's speech starts (the speech in progress, else the next one). */
  interruptAfterMs: ms.optional(),
  /** Speak at once, whatever the agent is doing. */
  immediately: z.boolean().optional(),
  /** Silence after the agent's audio before a plain `say` starts (overrides the script default). */
  waitSilenceMs: ms.optional(),
};

const sayStep = z.strictObject({
  /** Speak this text (real μ-law speech audio). */
  say: z.string().trim().min(1),
  ...soundTiming,
});

/** A sound that is not speech (a cough, line noise): the speech-to-text simulator hears no words in it. */
const noiseStep = z.strictObject({
  noise: z.enum(["cough", "line_noise"]),
  ...soundTiming,
});

const pauseStep = z.strictObject({ pause: ms });

const dtmfStep = z.strictObject({
  dtmf: z.string().regex(/^[0-9*#A-D]+$/, "DTMF digits are 0-9, *, #, A-D"),
  /** Call time between key presses (default 150 ms). */
  gapMs: ms.optional(),
});

const waitForAgentStep = z.strictObject({
  /** Wait for the agent to speak (or finish the speech in progress), then for `waitSilenceMs` of silence. */
  waitForAgent: z.literal(true),
  timeoutMs: ms.optional(),
  waitSilenceMs: ms.optional(),
  /**
   * With `replyEndMark`: how many replies must end (default 1; 2 for a recording disclosure and then the greeting;
   * 0 when a pause is enough, e.g. to speak while the agent's filler line waits for a tool). Right after the caller
   * spoke, replies that ended while it was speaking count too (a disclosure finishing under the caller's question).
   */
  replies: z.number().int().min(0).optional(),
});

const hangupStep = z.strictObject({ hangup: z.literal(true) });

export const callerStepSchema = z.union([sayStep, noiseStep, pauseStep, dtmfStep, waitForAgentStep, hangupStep]);

export const answeredBySchema = z.enum([
  "human", "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax", "unknown",
]);

export const callerScriptSchema = z.strictObject({
  /** Who picks up; reported through answering-machine detection when the call asked for it. */
  answeredBy: answeredBySchema.default("human"),
  /** Outbound calls only: what happens when the simulator rings this callee. */
  answer: z.enum(["answer", "busy", "no-answer", "failed"]).default("answer"),
  /** Outbound calls only: call time spent ringing before the outcome. */
  ringMs: ms.default(200),
  /** Outbound calls with MachineDetection: how long detection takes. */
  amdDurationMs: ms.default(1500),
  from: z.string().optional(),
  to: z.string().optional(),
  /** The caller hangs up after this much call time since answer, whatever the script is doing. */
  maxDurationMs: ms.default(300_000),
  /** Default silence after the agent's audio before a plain `say` (and the end of `waitForAgent`). */
  waitSilenceMs: ms.default(600),
  /**
   * Name prefix of the mark the platform sends once a reply has been played in full. When set, `waitForAgent` ends
   * only after such a mark came back, and a plain `say` never starts while the agent's last audio is an unfinished
   * reply, so a pause inside a reply (audio arriving late on a busy machine) is not taken for its end. Either still
   * goes on after `agentTimeoutMs` of silence, with a note. Without it the caller judges by silence, as a person would.
   */
  replyEndMark: z.string().min(1).optional(),
  /**
   * Default bound for `waitForAgent` and for the agent speech an `interruptAfterMs` step waits for. On timeout the
   * wait is noted in the recording (code 0) and the script goes on (an interrupt is then spoken anyway).
   */
  agentTimeoutMs: ms.default(20_000),
  /** A `<Dial>`ed party stays on the line this long, then hangs up (the simulator does not script the far leg). */
  dialedPartyHangsUpAfterMs: ms.default(1000),
  wordsPerMinute: z.number().positive().optional(),
  seed: z.number().int().optional(),
  steps: z.array(callerStepSchema).default([]),
});

export type CallerStep = z.infer<typeof callerStepSchema>;
export type CallerScript = z.infer<typeof callerScriptSchema>;
export type CallerScriptInput = z.input<typeof callerScriptSchema> | CallerStep[];
export type AnsweredBy = z.infer<typeof answeredBySchema>;

export class CallerScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CallerScriptError";
  }
}

/** Validates a script given as an object, a list of steps, or JSON/YAML text. Throws `CallerScriptError`. */
export function parseCallerScript(input: unknown): CallerScript {
  let value = input;
  if (typeof input === "string") {
    try {
      value = parseYaml(input);
    } catch (err) {
      throw new CallerScriptError(`script is not valid YAML/JSON: ${(err as Error).message}`);
    }
  }
  if (value === undefined || value === null) value = {};
  if (Array.isArray(value)) value = { steps: value };
  const result = callerScriptSchema.safeParse(value);
  if (!result.success) throw new CallerScriptError(`invalid caller script: ${z.prettifyError(result.error)}`);
  return result.data;
}
