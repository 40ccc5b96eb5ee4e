import { TwilioApiError, type TwilioErrorCode } from "./twilio-api-error.ts";
import type { HttpMethod } from "./twiml.ts";

/** Typed reads of a REST form body (PascalCase fields), raising Twilio's error codes for bad values. */
export class FormFields {
  readonly params: URLSearchParams;

  constructor(params: URLSearchParams) {
    this.params = params;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  string(name: string): string | undefined {
    const value = this.params.get(name);
    return value === null ? undefined : value;
  }

  /** A repeatable field; each value may also hold several space-separated items. */
  list(name: string): string[] {
    return this.params.getAll(name).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
  }

  method(name: string, fallback: HttpMethod = "POST"): HttpMethod {
    const raw = this.string(name);
    if (raw === undefined || raw === "") return fallback;
    const upper = raw.toUpperCase();
    if (upper !== "GET" && upper !== "POST") throw new TwilioApiError(20001, `${name} must be GET or POST`);
    return upper;
  }

  /** An absolute http(s) URL, or undefined when absent. */
  url(name: string, code: TwilioErrorCode): string | undefined {
    const raw = this.string(name);
    if (raw === undefined || raw === "") return undefined;
    if (!isHttpUrl(raw)) throw new TwilioApiError(code, `${name} '${raw}' is not a valid URL`);
    return raw;
  }

  integer(name: string, fallback: number, min: number, max: number, code: TwilioErrorCode = 20001): number {
    const raw = this.string(name);
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new TwilioApiError(code, `${name} must be an integer between ${min} and ${max}`);
    return n;
  }

  boolean(name: string, fallback: boolean, code: TwilioErrorCode = 20001): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined || raw === "") return fallback;
    if (raw !== "true" && raw !== "false") throw new TwilioApiError(code, `${name} must be true or false`);
    return raw === "true";
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}
