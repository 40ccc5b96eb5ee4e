import { DatabaseError } from "@neondatabase/serverless";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem.ts";
import { isPostgresOutage } from "./billing-db.ts";

const serverError = (code: string) => Object.assign(new DatabaseError("server said no", 0, "error"), { code });
/** As drizzle hands a failed query over: its own error, with what the driver threw as the cause. */
const failedQuery = (cause: unknown) => new DrizzleQueryError("select 1", [], cause as Error);

describe("what counts as a Postgres outage (503) rather than a failed request (its own status)", () => {
  it("a refused or lost socket, and the server's connection, resource and shutdown errors, are outages", () => {
    expect(isPostgresOutage(failedQuery(new ErrorEvent("error")))).toBe(true);
    expect(isPostgresOutage(new Error("Connection terminated unexpectedly"))).toBe(true);
    for (const code of ["08006", "53300", "57P01", "57P03"]) expect(isPostgresOutage(failedQuery(serverError(code))), code).toBe(true);
  });

  it("the server refusing the request, our own problems and plain bugs are not", () => {
    for (const code of ["23505", "23503", "23514", "42P01"]) expect(isPostgresOutage(failedQuery(serverError(code))), code).toBe(false);
    expect(isPostgresOutage(new ApiError("not-found", "plan not found"))).toBe(false);
    expect(isPostgresOutage(new TypeError("cannot read properties of undefined"))).toBe(false);
  });
});
