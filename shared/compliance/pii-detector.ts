import { redactionMarker, type PiiKind } from "./pii-kinds.ts";

/**
 * The platform's own detector of callers' personal data in text (transcripts as Deepgram formats them, the model's
 * replies, tool arguments and results). Patterns are tried in this order, so a card number is not also taken for a
 * phone number, and an SSN (3-2-4 digits) not for one either.
 */
const MONTHS = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";
const DAY = "(?:0?[1-9]|[12]\\d|3[01])(?:st|nd|rd|th)?";
const YEAR = "(?:19|20)\\d{2}";

interface Pattern {
  kind: PiiKind;
  regex: RegExp;
  /** A match the pattern found that is not the kind after all (a number failing Luhn, a recent date). */
  accept?: (match: string, now: Date) => boolean;
}

const PATTERNS: Pattern[] = [
  // 13 to 19 digits, grouped by single spaces or dashes, that pass the Luhn check (every issuer's cards do).
  { kind: "card_number", regex: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g, accept: (m) => luhnValid(m.replace(/\D/g, "")) },
  // Area 000, 666 and 9xx, group 00 and serial 0000 are never issued.
  { kind: "ssn", regex: /(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])/g },
  { kind: "email", regex: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  {
    kind: "date_of_birth",
    regex: new RegExp(
      [
        `\\b(?:0?[1-9]|1[0-2])[/.-]${DAY}[/.-]${YEAR}\\b`,
        `\\b${DAY}[/.-](?:0?[1-9]|1[0-2])[/.-]${YEAR}\\b`,
        `\\b${YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])\\b`,
        `\\b(?:${MONTHS})\\.? ${DAY},? ${YEAR}\\b`,
        `\\b${DAY} (?:of )?(?:${MONTHS})\\.?,? ${YEAR}\\b`,
      ].join("|"),
      "gi",
    ),
    // A full date ten or more years back is someone's birth date far more often than an appointment or an order.
    accept: (m, now) => Number(m.match(/(?:19|20)\d{2}/g)!.at(-1)) <= now.getUTCFullYear() - 10,
  },
  // E.164, or a North American number with its area code (a bare 7-digit local number is too like other numbers).
  { kind: "phone_number", regex: /(?<![\w+])\+[1-9]\d{6,14}\b|(?<![\d-])(?:\+?1[ .-]?)?\(?[2-9]\d{2}\)?[ .-]?[2-9]\d{2}[ .-]?\d{4}(?![\d-])/g },
];

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export interface PiiFinding {
  kind: PiiKind;
  start: number;
  end: number;
}

/** Every span of the listed kinds in `text`, non-overlapping, in order. */
export function findPii(text: string, kinds: readonly PiiKind[], now = new Date()): PiiFinding[] {
  const taken: PiiFinding[] = [];
  for (const pattern of PATTERNS) {
    // Every pattern claims its spans, listed or not, so an unlisted card number is never redacted as a phone number.
    for (const match of text.matchAll(pattern.regex)) {
      const start = match.index;
      const end = start + match[0].length;
      if (taken.some((f) => start < f.end && f.start < end)) continue;
      if (pattern.accept && !pattern.accept(match[0], now)) continue;
      taken.push({ kind: pattern.kind, start, end });
    }
  }
  return taken.filter((f) => kinds.includes(f.kind)).sort((a, b) => a.start - b.start);
}

/** `text` with each finding replaced by its marker. */
export function redactText(text: string, kinds: readonly PiiKind[], now = new Date()): string {
  if (kinds.length === 0) return text;
  let out = "";
  let at = 0;
  for (const f of findPii(text, kinds, now)) {
    out += text.slice(at, f.start) + redactionMarker(f.kind);
    at = f.end;
  }
  return out + text.slice(at);
}

/**
 * A JSON value with every string redacted, and every number whose digits are personal data replaced by its marker
 * (a card number sent as a JSON number). Keys stay: they are the tool's schema, not the caller's words.
 */
export function redactJson(value: unknown, kinds: readonly PiiKind[], now = new Date()): unknown {
  if (kinds.length === 0) return value;
  if (typeof value === "string") return redactText(value, kinds, now);
  if (typeof value === "number") {
    const digits = String(value);
    return redactText(digits, kinds, now) === digits ? value : redactText(digits, kinds, now);
  }
  if (Array.isArray(value)) return value.map((v) => redactJson(v, kinds, now));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v, kinds, now)]));
  return value;
}
