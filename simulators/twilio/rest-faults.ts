import { TwilioApiError } from "./twilio-api-error.ts";

/** How an armed fault answers: 429 (Twilio refused the request unprocessed) or 503 (Twilio was unavailable). */
export interface RestFault {
  status: 429 | 503;
  /** `Retry-After` in seconds, when set. */
  retryAfterSeconds?: number | undefined;
  /**
   * "after": the request is carried out and then answered with the fault, as when Twilio's edge times out behind a
   * call it did create. "before" (the default) refuses it untouched.
   */
  when?: "before" | "after" | undefined;
}

interface Armed extends RestFault {
  remaining: number;
}

/**
 * Faults for the next N REST requests of one account (the control API arms them; scoped per account so tests that
 * share a simulator do not take each other's faults). Each fault counts the requests it answered.
 */
export class RestFaults {
  readonly #armed = new Map<string, Armed>();
  readonly #served = new Map<string, number>();

  arm(accountSid: string, count: number, fault: RestFault): void {
    if (count === 0) this.#armed.delete(accountSid);
    else this.#armed.set(accountSid, { ...fault, remaining: count });
  }

  /** Takes one fault for this account's request, if one is armed. */
  take(accountSid: string): RestFault | undefined {
    const armed = this.#armed.get(accountSid);
    if (!armed) return undefined;
    if (--armed.remaining === 0) this.#armed.delete(accountSid);
    this.#served.set(accountSid, (this.#served.get(accountSid) ?? 0) + 1);
    return armed;
  }

  snapshot(accountSid: string): { remaining: number; served: number } {
    return { remaining: this.#armed.get(accountSid)?.remaining ?? 0, served: this.#served.get(accountSid) ?? 0 };
  }
}

/** The fault as Twilio renders it: 20429 Too Many Requests, or 20503 Service Unavailable. */
export function faultError(fault: RestFault): TwilioApiError {
  return new TwilioApiError(fault.status === 429 ? 20429 : 20503);
}
