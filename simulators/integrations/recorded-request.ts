/** One request a vendor stand-in received, as tests read it back through the control API. */
export interface RecordedRequest {
  vendor: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  status: number;
}

/** A vendor's answer. */
export interface VendorAnswer {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface VendorRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  rawBody: string;
}

/** A vendor stand-in: answers requests under its paths, or undefined when a path is not its own. */
export interface VendorHandler {
  vendor: string;
  handle(request: VendorRequest): VendorAnswer | undefined;
}

export const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};
