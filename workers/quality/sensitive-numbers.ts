/**
 * Finds a full payment card number or US Social Security number in what the agent said, written as digits or
 * spoken as number words ("four one one one …"), grouped by spaces, dashes or dots. A card number is 13–19 digits
 * passing the Luhn check (so an order number rarely counts); an SSN is 9 digits, alone or grouped 3-2-4.
 */
const NUMBER_WORDS: Record<string, string> = { zero: "0", oh: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9" };
const WORD = new RegExp(`\\b(${Object.keys(NUMBER_WORDS).join("|")})\\b`, "gi");
// Runs of digits with at most one separator (space, dash, dot, comma) between them.
const DIGIT_RUN = /\d(?:[ ,.-]?\d)*/g;

export type SensitiveKind = "card" | "ssn";

export interface SensitiveNumber {
  kind: SensitiveKind;
  /** The text with every such number masked but its last four digits. */
  masked: string;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function kindOf(run: string): SensitiveKind | undefined {
  const digits = run.replace(/\D/g, "");
  if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return "card";
  if (digits.length === 9 && (/^\d{9}$/.test(run) || /^\d{3}[ .-]\d{2}[ .-]\d{4}$/.test(run))) return "ssn";
  return undefined;
}

/** The first card number or SSN in `text` (spoken number words read as digits), if any. */
export function findSensitiveNumber(text: string): SensitiveNumber | undefined {
  const digitised = text.replace(WORD, (w) => NUMBER_WORDS[w.toLowerCase()]!);
  let found: SensitiveKind | undefined;
  const masked = digitised.replace(DIGIT_RUN, (run) => {
    const kind = kindOf(run);
    if (!kind) return run;
    found ??= kind;
    const digits = run.replace(/\D/g, "");
    return `${"•".repeat(digits.length - 4)}${digits.slice(-4)}`;
  });
  return found && { kind: found, masked };
}

/** The text with any card number or SSN masked: model evidence quoting a read-back number is stored masked too. */
export const maskSensitiveNumbers = (text: string) => findSensitiveNumber(text)?.masked ?? text;
