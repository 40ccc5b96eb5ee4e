import { UrlRefusedError } from "../tools/guarded-fetch.ts";
import { IntegrationError } from "./integration.ts";

const EXCERPT_CHARS = 300;
const REQUEST_TIMEOUT_MS = 10_000;

/** 408, 429 and 5xx may succeed later; any other failure will not. */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/**
 * One request to a vendor API, answering its body (parsed JSON, or text). A failed answer throws an IntegrationError
 * naming the status and an excerpt of the vendor's message; a network failure or timeout is retryable.
 */
export async function vendorRequest(fetcher: typeof fetch, url: string, init: RequestInit & { vendor: string; signal?: AbortSignal }): Promise<unknown> {
  const { vendor, ...request } = init;
  let response: Response;
  try {
    response = await fetcher(url, { ...request, redirect: "manual", signal: AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(init.signal ? [init.signal] : [])]) });
  } catch (error) {
    if (error instanceof UrlRefusedError) throw new IntegrationError(error.message, false);
    // A connection's own failure on the way (an OAuth renewal the vendor refused) keeps its meaning.
    if (error instanceof IntegrationError) throw error;
    throw new IntegrationError(`${vendor} could not be reached (${error instanceof Error ? error.name : "network error"})`, true);
  }
  const text = await response.text();
  if (!response.ok) {
    throw new IntegrationError(`${vendor} answered HTTP ${response.status}${text ? `: ${text.slice(0, EXCERPT_CHARS)}` : ""}`, isRetryableStatus(response.status), response.status);
  }
  if (!(response.headers.get("content-type") ?? "").includes("json")) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new IntegrationError(`${vendor} answered with malformed JSON`, false, response.status);
  }
}
