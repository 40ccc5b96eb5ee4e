import { isSystemFrame, type Frame } from "./frames.ts";
import type { Stage } from "./stage.ts";

export type FrameObserver = (frame: Frame, from: string) => void;

/**
 * A chain of stages. Data frames travel forward one stage at a time; system frames reach every stage, last
 * stage first, so output stops (playback, synthesis) before input-side state is reset, then the observers. A stage that throws
 * is reported and the frame dropped: one bad frame never ends the call.
 */
export class Pipeline {
  readonly #stages: Stage[];
  /** A set: an observer that stops itself while a frame is being shown does not make the next one miss it. */
  readonly #observers = new Set<FrameObserver>();
  /** Frames passed on unchanged by a stage are the same object: observers see each frame once. */
  readonly #seen = new WeakSet<Frame>();
  readonly #now: () => number;
  readonly #onError: (error: unknown, stage: string, frame: Frame) => void;

  constructor(stages: Stage[], opts: { now: () => number; onError: (error: unknown, stage: string, frame: Frame) => void }) {
    this.#stages = stages;
    this.#now = opts.now;
    this.#onError = opts.onError;
    stages.forEach((stage, i) =>
      stage.attach({
        push: (frame) => this.#deliver(i + 1, frame, stage.name),
        broadcast: (frame) => this.broadcast(frame, stage.name),
        now: this.#now,
      }),
    );
  }

  /** Sees every frame that leaves a stage (metrics, persistence, tests); returns what stops it seeing them. */
  observe(observer: FrameObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  get observerCount(): number {
    return this.#observers.size;
  }

  /** Feeds a frame into the first stage. */
  push(frame: Frame): void {
    this.#deliver(0, frame, "input");
  }

  /** Feeds a frame into the stage named `name` (e.g. a prompt straight to the conversation). */
  pushTo(name: string, frame: Frame): void {
    const index = this.#stages.findIndex((s) => s.name === name);
    if (index < 0) throw new Error(`no stage named ${name}`);
    this.#deliver(index, frame, "input");
  }

  broadcast(frame: Frame, from = "pipeline"): void {
    if (!isSystemFrame(frame)) throw new Error(`only system frames are broadcast, not ${frame.kind}`);
    for (let i = this.#stages.length - 1; i >= 0; i--) this.#run(this.#stages[i]!, frame);
    // Observers see the interrupt after the stages handled it (playback has measured what was heard).
    for (const observer of this.#observers) observer(frame, from);
  }

  /** Closes every stage; observers see nothing after this, and are let go. */
  async close(): Promise<void> {
    this.#observers.clear();
    await Promise.allSettled(this.#stages.map((s) => s.close?.()));
  }

  #deliver(index: number, frame: Frame, from: string): void {
    if (!this.#seen.has(frame)) {
      this.#seen.add(frame);
      for (const observer of this.#observers) observer(frame, from);
    }
    const stage = this.#stages[index];
    if (stage) this.#run(stage, frame);
  }

  #run(stage: Stage, frame: Frame): void {
    try {
      stage.handle(frame);
    } catch (error) {
      this.#onError(error, stage.name, frame);
    }
  }
}
