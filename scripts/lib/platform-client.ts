/** A small typed client for the platform's REST API, as a tenant uses it (API key, JSON, problem+json errors). */
type Problem = { type?: string; title?: string; detail?: string; errors?: { path: string; message: string }[] };

export class PlatformError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(`${status} ${problem.title ?? ""}: ${problem.detail ?? ""}${problem.errors ? ` (${problem.errors.map((e) => `${e.path}: ${e.message}`).join("; ")})` : ""}`);
    this.status = status;
    this.problem = problem;
  }
}

export class PlatformClient {
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;

  constructor(baseUrl: string, headers: Record<string, string>) {
    this.baseUrl = baseUrl;
    this.#headers = headers;
  }

  static withKey(baseUrl: string, key: string) {
    return new PlatformClient(baseUrl, { authorization: `Bearer ${key}` });
  }

  static operator(baseUrl: string, secret: string) {
    return new PlatformClient(baseUrl, { "x-operator-secret": secret });
  }

  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { ...this.#headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new PlatformError(res.status, json ?? {});
    return json as T;
  }

  get = <T = any>(path: string) => this.request<T>("GET", path);
  post = <T = any>(path: string, body: unknown = {}) => this.request<T>("POST", path, body);
  put = <T = any>(path: string, body: unknown) => this.request<T>("PUT", path, body);
}
