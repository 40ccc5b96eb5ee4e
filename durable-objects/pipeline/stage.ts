import type { Frame } from "./frames.ts";

/**
 * One step of the call's pipeline. A stage receives frames from the stage before it (and every system frame),
 * and pushes what it produces to the stage after it. Stages never touch env or the Durable Object: providers
 * and collaborators come in through their constructors.
 */
export interface Stage {
  readonly name: string;
  /** Wired by the pipeline before the first frame. */
  attach(context: StageContext): void;
  handle(frame: Frame): void;
  close?(): Promise<void>;
}

export interface StageContext {
  /** Sends a frame to the next stage. */
  push(frame: Frame): void;
  /** Broadcasts a system frame (interrupt/end) to every stage, as the pipeline does for its own. */
  broadcast(frame: Extract<Frame, { kind: "interrupt" | "end" }>): void;
  /** Milliseconds, monotonic within the call. */
  now(): number;
}

/** Base class that stores the context; `push` before `attach` is a programming error. */
export abstract class BaseStage implements Stage {
  abstract readonly name: string;
  #context: StageContext | undefined;

  attach(context: StageContext): void {
    this.#context = context;
  }

  protected get context(): StageContext {
    if (!this.#context) throw new Error(`${this.name} used before it was attached`);
    return this.#context;
  }

  protected push(frame: Frame): void {
    this.context.push(frame);
  }

  abstract handle(frame: Frame): void;
}
