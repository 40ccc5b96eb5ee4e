import type { ProviderError } from "../providers/provider-types.ts";

/** This many caller turns in a row without an answer from the model: it is down for this call. */
export const FAILED_TURNS_BEFORE_GIVING_UP = 3;

/**
 * Decides what a model failure means for the call. A throttled or flaky turn is apologised for and the call goes
 * on; a failure no retry can fix (validation, access, a model that does not exist) or one turn too many in a row
 * ends the call, since every later turn would fail the same way.
 */
export class ModelFailures {
  #inARow = 0;
  #gaveUp = false;

  /** The model has failed for good: no turn is sent to it any more. */
  get gaveUp(): boolean {
    return this.#gaveUp;
  }

  succeeded(): void {
    this.#inARow = 0;
  }

  /** Records a turn's final failure; true when the call cannot go on with this model. */
  failed(error: ProviderError): boolean {
    this.#inARow++;
    this.#gaveUp ||= !error.retryable || this.#inARow >= FAILED_TURNS_BEFORE_GIVING_UP;
    return this.#gaveUp;
  }
}
