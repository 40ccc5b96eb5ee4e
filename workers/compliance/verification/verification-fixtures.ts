/** Test fixtures: a complete verification case, the fixture sanctions lists loaded, and the operator's requests. */
import { env } from "cloudflare:workers";
import { api, createTenant, request } from "../../../test/workers/api-client.ts";
import { withPostgres } from "../../../shared/pg/client.ts";
import { FIXTURE_FILES } from "../sanctions/fixtures/fixture-files.ts";
import { loadSanctionsList } from "../sanctions/list-store.ts";
import type { VerificationDetails } from "./verification-schemas.ts";

const address = { line1: "12 Harbour Road", city: "Bristol", postal_code: "BS1 5TX", country: "GB" };

export const person = (name: string, birth = "1975-06-30") => ({
  name,
  date_of_birth: birth,
  nationality: "GB",
  address,
  document: { type: "passport" as const, number: "P-5521983X", country: "GB" },
});

export const caseDetails = (overrides: Partial<VerificationDetails> = {}): VerificationDetails => ({
  legal_name: "Brightsmile Dental Clinics Ltd",
  trade_names: ["Brightsmile"],
  registration: { number: "09876543", country: "GB" },
  address,
  website: "https://brightsmile.example",
  industry: "Dental clinics",
  use_description: "Agents answer patients' calls, book and move appointments, and remind patients of them.",
  expected_monthly_minutes: 12_000,
  representative: { ...person("Eleanor Whitcombe"), title: "Director", email: "eleanor@brightsmile.example" },
  beneficial_owners: [{ ...person("Marcus Ellingham", "1969-02-11"), ownership_percent: 60 }],
  ...overrides,
});

/** The fixture OFAC lists (sanctions/fixtures), loaded once: a load of identical files makes no new version. */
export const loadFixtureLists = () =>
  withPostgres(env, async (db) => {
    await loadSanctionsList(db, "sdn", FIXTURE_FILES.sdn);
    await loadSanctionsList(db, "consolidated", FIXTURE_FILES.consolidated);
  });

export const operatorRequest = (method: string, path: string, body?: unknown) => request(method, path, { headers: { "x-operator-secret": env.OPERATOR_SECRET }, body });

/** Makes the tenant's case editable and submittable again: a case in review is sent back to it (needs_info). */
export async function editableCase(key: string, accountId: string): Promise<void> {
  const { state } = (await api(key).get("/v1/verification")).json;
  if (state === "in_review") await operatorRequest("POST", `/v1/operator/verifications/${accountId}/request-info`, { reason: "sent back by a test" });
  else if (state !== "not_started" && state !== "needs_info") throw new Error(`the case is ${state}: no test fixture can edit it`);
}

/** Makes the tenant's case editable and fills it in, ready to submit (or to start an identity session on). */
export async function filledCase(key: string, accountId: string): Promise<void> {
  await editableCase(key, accountId);
  await api(key).put("/v1/verification", caseDetails());
}

/** A new tenant whose case is in review (its trial state as the bootstrap left it). */
export async function tenantInReview(overrides: Partial<VerificationDetails> = {}) {
  const t = await createTenant();
  await api(t.key).put("/v1/verification", caseDetails(overrides));
  const submitted = await api(t.key).post("/v1/verification/submit");
  if (submitted.json?.state !== "in_review") throw new Error(`submission failed: ${submitted.status} ${submitted.text}`);
  return t;
}

/** A case's Trust Hub part, as the handoff and journey tests declare it. */
export const TRUST_HUB: NonNullable<VerificationDetails["trust_hub"]> = {
  business_type: "Limited Liability Corporation",
  industry_code: "HEALTHCARE",
  registration_identifier: "VAT",
  regions_of_operation: ["EUROPE", "USA_AND_CANADA"],
  representative_phone: "+447700900123",
  representative_position: "Director",
};
