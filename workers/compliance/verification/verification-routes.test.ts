import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createTenant } from "../../../test/workers/api-client.ts";
import { withPostgres } from "../../../shared/pg/client.ts";
import { verificationCases } from "../../../shared/pg/schema.ts";
import { caseDetails, loadFixtureLists, person } from "./verification-fixtures.ts";

beforeAll(loadFixtureLists, 60_000);

const tokenFor = async (ownerKey: string, role: string) => {
  const owner = api(ownerKey);
  const user = (await owner.post("/v1/users", { email: `${role}-${crypto.randomUUID()}@kyb.test`, role })).json;
  return (await owner.post(`/v1/users/${user.id}/tokens`)).json.token as string;
};

describe("/v1/verification (the tenant's case)", () => {
  it("starts not_started, saves a draft, submits it to review, and then refuses changes (409)", async () => {
    const t = await createTenant();
    const a = api(t.key);
    expect((await a.get("/v1/verification")).json).toMatchObject({ account_id: t.accountId, state: "not_started", details: null });
    expect((await a.post("/v1/verification/submit")).status).toBe(409);

    const saved = await a.put("/v1/verification", caseDetails());
    expect(saved.status, saved.text).toBe(200);
    expect(saved.json).toMatchObject({ state: "not_started", details: { legal_name: "Brightsmile Dental Clinics Ltd", beneficial_owners: [{ name: "Marcus Ellingham" }] } });
    expect((await a.put("/v1/verification", caseDetails({ legal_name: "Brightsmile Dental Ltd" }))).json.details.legal_name).toBe("Brightsmile Dental Ltd");

    const submitted = await a.post("/v1/verification/submit");
    expect(submitted.status, submitted.text).toBe(200);
    expect(submitted.json).toMatchObject({ state: "in_review", submitted_at: expect.any(String) });
    // Screening evidence is the operator's.
    expect(submitted.json.evidence).toBeUndefined();

    for (const res of [await a.put("/v1/verification", caseDetails()), await a.post("/v1/verification/submit")]) {
      expect(res.status).toBe(409);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.json).toMatchObject({ type: "https://docs.ayb.dev/problems/conflict", detail: expect.stringContaining("in_review") });
    }
    expect((await a.get("/v1/verification")).json.state).toBe("in_review");
  });

  it("audits each write with its transitions, the actor and the reasons", async () => {
    const t = await createTenant();
    const a = api(t.key);
    await a.put("/v1/verification", caseDetails());
    await a.post("/v1/verification/submit");
    const log = (await a.get("/v1/audit-log?limit=5")).json.data;
    expect(log[0]).toMatchObject({ action: "POST /v1/verification/submit", actor: expect.stringMatching(/^key:KEY-/), resource: t.accountId });
    expect(log[0].detail.transitions).toEqual([
      { from: "not_started", to: "submitted", reason: "submitted by the tenant" },
      { from: "submitted", to: "screening", reason: "sanctions screening at threshold 0.9" },
      { from: "screening", to: "in_review", reason: "no sanctions match; the operator reviews the case" },
    ]);
    expect(log[1]).toMatchObject({ action: "PUT /v1/verification" });
  });

  it("refuses bad input with a problem naming each field: unknown countries, malformed registration data, small owners", async () => {
    const a = api((await createTenant()).key);
    const cases: [unknown, string][] = [
      [caseDetails({ registration: { number: "09876543", country: "XX" } }), "registration.country"],
      [caseDetails({ registration: { number: "09876543", country: "gb" } }), "registration.country"],
      [caseDetails({ registration: { number: "#!", country: "GB" } }), "registration.number"],
      [{ ...caseDetails(), registration: { number: "09876543" } }, "registration.country"],
      [caseDetails({ beneficial_owners: [{ ...person("Small Holder"), ownership_percent: 10 }] }), "beneficial_owners.0.ownership_percent"],
      [caseDetails({ beneficial_owners: [60, 50].map((p) => ({ ...person("Owner"), ownership_percent: p })) }), "beneficial_owners"],
      [caseDetails({ representative: { ...caseDetails().representative, date_of_birth: "1975-02-30" } }), "representative.date_of_birth"],
      [caseDetails({ website: "ftp://brightsmile.example" }), "website"],
    ];
    for (const [body, path] of cases) {
      const res = await a.put("/v1/verification", body);
      expect(res.status, path).toBe(422);
      expect(res.json.type).toBe("https://docs.ayb.dev/problems/validation-error");
      expect(res.json.errors.map((e: { path: string }) => e.path), path).toContain(path);
    }
    expect((await a.get("/v1/verification")).json.state).toBe("not_started");
    expect((await a.get("/v1/verification")).json.details).toBeNull();
  });

  it("is read and written only by owners and admins: developers and viewers get 403", async () => {
    const t = await createTenant();
    await api(t.key).put("/v1/verification", caseDetails());
    for (const role of ["developer", "viewer"]) {
      const as = api(await tokenFor(t.key, role));
      for (const res of [await as.get("/v1/verification"), await as.put("/v1/verification", caseDetails()), await as.post("/v1/verification/submit")]) {
        expect(res.status, role).toBe(403);
        expect(res.json.type).toBe("https://docs.ayb.dev/problems/forbidden");
      }
    }
    const admin = api(await tokenFor(t.key, "admin"));
    expect((await admin.get("/v1/verification")).json.details.legal_name).toBe("Brightsmile Dental Clinics Ltd");
    expect((await admin.post("/v1/verification/submit")).status).toBe(200);
  });

  it("keeps each tenant to its own case", async () => {
    const mine = await createTenant();
    const other = await createTenant();
    await api(mine.key).put("/v1/verification", caseDetails());
    expect((await api(other.key).get("/v1/verification")).json).toMatchObject({ account_id: other.accountId, state: "not_started", details: null });
    expect((await api(other.key).post("/v1/verification/submit")).status).toBe(409);
    await api(other.key).put("/v1/verification", caseDetails({ legal_name: "Other Business Ltd" }));
    expect((await api(mine.key).get("/v1/verification")).json).toMatchObject({ state: "not_started", details: { legal_name: "Brightsmile Dental Clinics Ltd" } });
  });

  it("stores names, dates of birth, document numbers and addresses only encrypted", async () => {
    const t = await createTenant();
    await api(t.key).put("/v1/verification", caseDetails());
    await api(t.key).post("/v1/verification/submit");
    const [row] = await withPostgres(env, (db) => db.select().from(verificationCases).where(eq(verificationCases.accountId, t.accountId)));
    const raw = JSON.stringify(row);
    for (const plain of ["Marcus", "Ellingham", "Whitcombe", "Brightsmile", "1969-02-11", "P-5521983X", "Harbour", "BS1 5TX"]) expect(raw).not.toContain(plain);
    expect(row!.details).toEqual({ keyId: expect.any(String), ciphertext: expect.any(String) });
    expect(row!.country).toBe("GB");
  });
});
