import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../../shared/crypto/base64.ts";
import { withPostgres } from "../../../shared/pg/client.ts";
import { newAccountId } from "../../../shared/ids.ts";
import { CaseSealer } from "./case-sealing.ts";
import { caseView, insertCase, readCase } from "./case-store.ts";
import { caseDetails } from "./verification-fixtures.ts";

const key = () => bytesToBase64(crypto.getRandomValues(new Uint8Array(32)));

describe("a verification case sealed with the ENCRYPTION_KEY ring", () => {
  it("still reads after a new key is added, and is sealed under the new key from then on", async () => {
    const oldKey = `kyb-old:${key()}`;
    const before = new CaseSealer(oldKey);
    const after = new CaseSealer(`kyb-new:${key()},${oldKey}`);
    const accountId = newAccountId();
    const inserted = await withPostgres(env, (db) => insertCase(db, before, accountId, caseDetails()));
    expect(inserted.details.keyId).toBe("kyb-old");

    const stored = await withPostgres(env, (db) => readCase(db, accountId));
    expect((await caseView(after, accountId, stored)).details).toEqual(caseDetails());
    expect(await after.openEvidence(accountId, stored!.evidence)).toEqual([]);
    expect((await after.sealDetails(accountId, caseDetails())).keyId).toBe("kyb-new");
    // A ring that dropped the old key cannot read it: retired keys stay listed until re-sealed.
    await expect(new CaseSealer(`kyb-new:${key()}`).openDetails(accountId, stored!.details)).rejects.toThrow(/kyb-old/);
  });

  it("binds a sealed case to its account: copied into another account's row, it does not open", async () => {
    const sealer = new CaseSealer(env.ENCRYPTION_KEY);
    const sealed = await sealer.sealDetails("AYB-AAAA-AAAA-AAAA", caseDetails());
    await expect(sealer.openDetails("AYB-BBBB-BBBB-BBBB", sealed)).rejects.toThrow(/could not be decrypted/);
    // Nor does the details part open as evidence.
    await expect(sealer.openEvidence("AYB-AAAA-AAAA-AAAA", sealed)).rejects.toThrow(/could not be decrypted/);
  });
});
