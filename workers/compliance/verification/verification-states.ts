/**
 * The verification case's state machine. A tenant edits its case while it is `not_started` or `needs_info`, and
 * submits it; submission screens it and hands it to the operator (`in_review`), who approves, rejects or asks for
 * information. A new sanctions list version that matches an approved case reopens it for review. Every transition is audited with its actor and reason (verification-transition.ts).
 */
import type { VerificationState } from "../../../shared/pg/schema.ts";
import { ApiError } from "../../api/problem.ts";

const NEXT: Record<VerificationState, readonly VerificationState[]> = {
  not_started: ["submitted"],
  submitted: ["screening"],
  screening: ["in_review"],
  in_review: ["approved", "rejected", "needs_info"],
  needs_info: ["submitted"],
  // Only rescreening reopens an approved case: a new list version matched it (rescreen-case.ts).
  approved: ["in_review"],
  rejected: [],
};

/** The states in which the tenant may change what it declared. */
export const EDITABLE_STATES: readonly VerificationState[] = ["not_started", "needs_info"];

export interface Transition {
  from: VerificationState;
  to: VerificationState;
  reason: string;
}

export const canMove = (from: VerificationState, to: VerificationState) => NEXT[from].includes(to);

/** A 409 `conflict` when the case cannot move from `from` to `to`. */
export function assertTransition(from: VerificationState, to: VerificationState): void {
  if (canMove(from, to)) return;
  const allowed = NEXT[from];
  throw new ApiError(
    "conflict",
    `the verification case is ${from} and cannot become ${to}` + (allowed.length ? ` (from ${from} it can become ${allowed.join(" or ")})` : ` (${from} is final)`),
  );
}

export function assertEditable(state: VerificationState): void {
  if (!EDITABLE_STATES.includes(state)) throw new ApiError("conflict", `the verification case is ${state}: it can be changed only while not_started or needs_info`);
}
