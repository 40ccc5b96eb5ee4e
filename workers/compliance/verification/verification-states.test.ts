import { describe, expect, it } from "vitest";
import { VERIFICATION_STATES } from "../../../shared/pg/schema.ts";
import { ApiError } from "../../api/problem.ts";
import { assertEditable, assertTransition, canMove } from "./verification-states.ts";

describe("the verification state machine", () => {
  it("allows exactly the issue's transitions", () => {
    const allowed = VERIFICATION_STATES.flatMap((from) => VERIFICATION_STATES.filter((to) => canMove(from, to)).map((to) => `${from}→${to}`));
    expect(allowed).toEqual([
      "not_started→submitted",
      "submitted→screening",
      "screening→in_review",
      "in_review→approved",
      "in_review→rejected",
      "in_review→needs_info",
      "approved→in_review",
      "needs_info→submitted",
    ]);
  });

  it("refuses an illegal transition with a 409 conflict that says what the state allows", () => {
    const refused = (() => {
      try {
        assertTransition("not_started", "approved");
      } catch (e) {
        return e;
      }
    })() as ApiError;
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused.problem).toBe("conflict");
    expect(refused.status).toBe(409);
    expect(refused.message).toBe("the verification case is not_started and cannot become approved (from not_started it can become submitted)");
    expect(() => assertTransition("approved", "needs_info")).toThrow("(from approved it can become in_review)");
    expect(() => assertTransition("rejected", "in_review")).toThrow("(rejected is final)");
  });

  it("lets the tenant edit only a case not yet submitted or sent back", () => {
    for (const state of VERIFICATION_STATES) {
      const editable = state === "not_started" || state === "needs_info";
      if (editable) expect(() => assertEditable(state)).not.toThrow();
      else expect(() => assertEditable(state)).toThrow(ApiError);
    }
  });
});
