/**
 * How the console talks to the platform. Its own routes (/console/api) use the session cookie plus the CSRF token;
 * everything else goes to /v1 with a short-lived bearer token minted from the session. The token lives in this
 * module's memory only: never in storage a script or another tab could read later.
 */
export interface ProblemIssue {
  path: string;
  message: string;
}

/** A problem+json answer, kept whole so a page can show its detail and put each issue at its field. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: ProblemIssue[] = [],
  ) {
    super(detail || title);
  }
}

export interface Session {
  user: { id: string; email: string; name: string | null; role: "owner" | "admin" | "developer" | "viewer" };
  account_id: string;
  stage: "mfa" | "mfa_setup" | "active";
  scopes: string[];
  mfa_enabled: boolean;
  csrf_token: string;
}

let csrfToken = "";
let bearer: Promise<{ token: string; expiresAtMs: number }> | null = null;

async function toProblem(res: Response): Promise<Problem> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { title?: string; detail?: string; errors?: ProblemIssue[] };
    return new Problem(res.status, body.title ?? res.statusText, body.detail ?? "", body.errors ?? []);
  } catch {
    // Never a raw body (an HTML error page, a stack trace): only what the status says.
    return new Problem(res.status, res.statusText || "The request failed", `the server answered ${res.status}`);
  }
}

const noConnection = () => new Problem(0, "No connection", "the platform could not be reached; check your connection and try again");

async function reach(path: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw noConnection();
  }
  if (!res.ok) throw await toProblem(res);
  return res;
}

async function send<T>(path: string, init: RequestInit): Promise<T> {
  const res = await reach(path, init);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** A console route: JSON in and out, with the CSRF token on every state-changing request. */
export function consoleCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  return send<T>(`/console/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
}

export async function loadSession(): Promise<Session | null> {
  try {
    const session = await consoleCall<Session>("GET", "/session");
    csrfToken = session.csrf_token;
    return session;
  } catch (err) {
    if (err instanceof Problem && err.status === 401) return null;
    throw err;
  }
}

export async function signOut(): Promise<void> {
  await consoleCall("POST", "/sign-out");
  bearer = null;
  csrfToken = "";
}

const mint = () =>
  consoleCall<{ token: string; expires_at: string }>("POST", "/token").then((m) => ({ token: m.token, expiresAtMs: Date.parse(m.expires_at) }));

/** A token with at least 30 s to run; a page's parallel requests share one mint. A failed mint is not kept. */
async function token(): Promise<string> {
  const current = bearer && (await bearer.catch(() => null));
  if (!current || current.expiresAtMs - Date.now() < 30_000) {
    bearer = mint();
    bearer.catch(() => (bearer = null));
    return (await bearer).token;
  }
  return current.token;
}

/** A `/v1` call, exactly as a tenant's own code would make it. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${await token()}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return send<T>(`/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** A `/v1` file (a statement PDF): fetched with the bearer token, since a plain link would carry no credentials. */
export async function apiFile(path: string): Promise<Blob> {
  return (await reach(`/v1${path}`, { headers: { authorization: `Bearer ${await token()}` } })).blob();
}

/**
 * A `/v1` upload of a file as the raw request body (never JSON), with its own type as Content-Type: the API checks
 * that type against the bytes and says which types it takes. XMLHttpRequest rather than fetch, because only it
 * reports how much of the body has been sent.
 */
export async function apiUpload<T>(path: string, file: File, onProgress: (sentBytes: number) => void): Promise<T> {
  const authorization = `Bearer ${await token()}`;
  const xhr = new XMLHttpRequest();
  const answered = new Promise<void>((resolve, reject) => {
    xhr.onload = () => resolve();
    xhr.onerror = xhr.onabort = () => reject(noConnection());
  });
  xhr.upload.onprogress = (e) => onProgress(e.loaded);
  xhr.open("POST", `/v1${path}`);
  xhr.setRequestHeader("authorization", authorization);
  xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
  xhr.send(file);
  await answered;
  const res = new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText });
  if (!res.ok) throw await toProblem(res);
  return (await res.json()) as T;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}
