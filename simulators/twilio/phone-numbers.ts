import { Random } from "../common/random.ts";

/** Phone-number formats: E.164 for PSTN, plus the `client:` and `sip:` addresses Twilio also dials. */
export const isE164 = (value: string): boolean => /^\+[1-9]\d{7,14}$/.test(value);
export const isSipAddress = (value: string): boolean => /^sip:[^@\s]+@[^@\s]+$/i.test(value);
export const isClientAddress = (value: string): boolean => /^client:[A-Za-z0-9_.-]+$/.test(value);

export const isDialable = (value: string): boolean => isE164(value) || isSipAddress(value) || isClientAddress(value);

/** Twilio's `to_formatted`: `(415) 867-5309` for NANP numbers, the number itself otherwise. */
export function formatNumber(value: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(value);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : value;
}

/** The user part of a SIP URI (`sip:+15551234567@host` → `+15551234567`), or the value itself. */
export const sipUser = (value: string): string => /^sip:([^@]+)@/i.exec(value)?.[1] ?? value;

export interface AvailableNumber {
  friendly_name: string;
  phone_number: string;
  lata: string;
  rate_center: string;
  latitude: string;
  longitude: string;
  locality: string;
  region: string;
  postal_code: string;
  iso_country: string;
  address_requirements: string;
  beta: boolean;
  capabilities: { voice: boolean; SMS: boolean; MMS: boolean; fax: boolean };
}

/**
 * Deterministic inventory for `AvailablePhoneNumbers/{Country}/Local`: NANP numbers in the requested area code
 * (415 by default) whose digits contain `Contains` (digits, `*` as a one-digit wildcard), excluding owned numbers.
 */
export function searchAvailableNumbers(opts: { country: string; areaCode?: string; contains?: string; limit: number; owned: ReadonlySet<string> }): AvailableNumber[] {
  const areaCode = opts.areaCode ?? "415";
  const pattern = opts.contains ? new RegExp(opts.contains.replace(/\*/g, "\\d")) : null;
  const random = new Random(Number(areaCode) * 7919 + (opts.contains?.length ?? 0));
  const out: AvailableNumber[] = [];
  const seen = new Set<string>();
  for (let attempt = 0; attempt < 20_000 && out.length < opts.limit; attempt++) {
    let subscriber = String(2000000 + Math.floor(random.next() * 7999999)).padStart(7, "0");
    // Seed candidates with the requested digits so sparse patterns still find matches quickly.
    if (opts.contains && /^[\d*]{1,7}$/.test(opts.contains) && attempt % 2 === 0) {
      const fixed = opts.contains.replace(/\*/g, () => String(Math.floor(random.next() * 10)));
      subscriber = (subscriber.slice(0, 7 - fixed.length) + fixed).slice(0, 7);
    }
    const number = `+1${areaCode}${subscriber}`;
    if (seen.has(number) || opts.owned.has(number) || (pattern && !pattern.test(number.slice(1)))) continue;
    seen.add(number);
    out.push({
      friendly_name: formatNumber(number),
      phone_number: number,
      lata: "722",
      rate_center: "SIMULATED",
      latitude: "37.780000",
      longitude: "-122.400000",
      locality: "Simulated City",
      region: "CA",
      postal_code: "94103",
      iso_country: opts.country,
      address_requirements: "none",
      beta: false,
      capabilities: { voice: true, SMS: true, MMS: true, fax: false },
    });
  }
  return out;
}
