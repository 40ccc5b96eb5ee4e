/** Twilio SIDs: a two-letter type prefix and 32 lowercase hex digits (34 characters). */
/** MG messaging services, SM messages; AD addresses; Trust Hub: BU bundles, IT end users, RD supporting documents, BV entity and RA channel-endpoint assignments, EL evaluations. */
export type SidPrefix = "AC" | "CA" | "CF" | "MG" | "MZ" | "PN" | "RE" | "SM" | "AD" | "BU" | "IT" | "RD" | "BV" | "RA" | "EL";

export function newSid(prefix: SidPrefix): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export const isSid = (prefix: SidPrefix, value: string): boolean => new RegExp(`^${prefix}[0-9a-f]{32}$`).test(value);
