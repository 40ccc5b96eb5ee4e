import { constantTimeEqual } from "../../shared/protocol/twilio-signature.ts";
import { callResource } from "./call-resource.ts";
import { FormFields } from "./form-fields.ts";
import { createCall, updateCall } from "./rest-calls.ts";
import { buyNumber, listNumbers, numberOf, releaseNumber, searchLocal, updateNumber } from "./rest-numbers.ts";
import { createRecording, fetchRecording, listRecordings, updateRecording } from "./rest-recordings.ts";
import type { TwilioState } from "./simulator-state.ts";
import { TwilioApiError } from "./twilio-api-error.ts";

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: string;
}

export interface RestResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Handler = (ctx: { state: TwilioState; accountSid: string; params: string[]; form: FormFields; query: FormFields; path: string }) =>
  | RestResponse
  | Promise<RestResponse>;

const ACCOUNT = "/2010-04-01/Accounts/([^/]+)";
const SID = "([^/.]+)";

function page(key: string, items: unknown[], path: string, query: FormFields): RestResponse {
  const pageSize = query.integer("PageSize", 50, 1, 1000);
  const pageNo = query.integer("Page", 0, 0, 1_000_000);
  const start = pageNo * pageSize;
  const slice = items.slice(start, start + pageSize);
  const uri = (p: number) => `${path}?PageSize=${pageSize}&Page=${p}`;
  return {
    status: 200,
    body: {
      [key]: slice,
      start,
      end: start + Math.max(slice.length - 1, 0),
      page: pageNo,
      page_size: pageSize,
      uri: uri(pageNo),
      first_page_uri: uri(0),
      next_page_uri: start + pageSize < items.length ? uri(pageNo + 1) : null,
      previous_page_uri: pageNo > 0 ? uri(pageNo - 1) : null,
    },
  };
}

const routes: [string, RegExp, Handler][] = [
  ["GET", new RegExp(`^${ACCOUNT}\\.json$`), ({ state, accountSid }) => ({
    status: 200,
    body: { sid: accountSid, friendly_name: "Simulated account", status: "active", type: "Full", owner_account_sid: accountSid, uri: `/2010-04-01/Accounts/${accountSid}.json`, auth_token: state.accounts.get(accountSid)?.authToken },
  })],
  ["POST", new RegExp(`^${ACCOUNT}/Calls\\.json$`), ({ state, accountSid, form }) => createCall(state, accountSid, form)],
  ["GET", new RegExp(`^${ACCOUNT}/Calls\\.json$`), ({ state, accountSid, query, path }) => {
    const status = query.string("Status");
    const calls = [...state.calls.values()].filter((c) => c.accountSid === accountSid && (!status || c.status === status)).reverse();
    return page("calls", calls.map(callResource), path, query);
  }],
  ["GET", new RegExp(`^${ACCOUNT}/Calls/${SID}\\.json$`), ({ state, accountSid, params }) => ({ status: 200, body: callResource(state.callOf(accountSid, params[0]!)) })],
  ["POST", new RegExp(`^${ACCOUNT}/Calls/${SID}\\.json$`), ({ state, accountSid, params, form }) => updateCall(state, accountSid, params[0]!, form)],
  ["POST", new RegExp(`^${ACCOUNT}/Calls/${SID}/Recordings\\.json$`), ({ state, accountSid, params, form }) => createRecording(state, accountSid, params[0]!, form)],
  ["GET", new RegExp(`^${ACCOUNT}/Calls/${SID}/Recordings\\.json$`), ({ state, accountSid, params, query, path }) => page("recordings", listRecordings(state, accountSid, params[0]!), path, query)],
  ["GET", new RegExp(`^${ACCOUNT}/Calls/${SID}/Recordings/${SID}\\.json$`), ({ state, accountSid, params }) => fetchRecording(state, accountSid, params[0]!, params[1]!)],
  ["POST", new RegExp(`^${ACCOUNT}/Calls/${SID}/Recordings/${SID}\\.json$`), ({ state, accountSid, params, form }) => updateRecording(state, accountSid, params[0]!, params[1]!, form)],
  ["GET", new RegExp(`^${ACCOUNT}/AvailablePhoneNumbers/([A-Z]{2})/Local\\.json$`), ({ state, accountSid, params, query }) => searchLocal(state, accountSid, params[0]!, query)],
  ["GET", new RegExp(`^${ACCOUNT}/IncomingPhoneNumbers\\.json$`), ({ state, accountSid, query, path }) => page("incoming_phone_numbers", listNumbers(state, accountSid, query), path, query)],
  ["POST", new RegExp(`^${ACCOUNT}/IncomingPhoneNumbers\\.json$`), ({ state, accountSid, form }) => buyNumber(state, accountSid, form)],
  ["GET", new RegExp(`^${ACCOUNT}/IncomingPhoneNumbers/${SID}\\.json$`), ({ state, accountSid, params }) => ({ status: 200, body: numberOf(state, accountSid, params[0]!).toJSON() })],
  ["POST", new RegExp(`^${ACCOUNT}/IncomingPhoneNumbers/${SID}\\.json$`), ({ state, accountSid, params, form }) => updateNumber(state, accountSid, params[0]!, form)],
  ["DELETE", new RegExp(`^${ACCOUNT}/IncomingPhoneNumbers/${SID}\\.json$`), ({ state, accountSid, params }) => releaseNumber(state, accountSid, params[0]!)],
];

/** HTTP Basic with the Account SID and its auth token; the URL's account must be the authenticated one. */
function authenticate(state: TwilioState, authorization: string | undefined, pathAccount: string): void {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
  const decoded = match ? Buffer.from(match[1]!, "base64").toString("utf8") : "";
  const colon = decoded.indexOf(":");
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const account = colon > 0 ? state.accounts.get(user) : undefined;
  const tokenOk = constantTimeEqual(account?.authToken ?? "\u0000", password);
  if (!account || !tokenOk || user !== pathAccount) throw new TwilioApiError(20003);
}

/** Serves the REST subset; every failure is rendered in Twilio's error shape. */
export async function handleRestRequest(state: TwilioState, req: RestRequest): Promise<RestResponse> {
  try {
    const candidates = routes.filter(([, pattern]) => pattern.test(req.path));
    const pathAccount = new RegExp(`^${ACCOUNT}`).exec(req.path)?.[1];
    if (!pathAccount) throw new TwilioApiError(20404, `The requested resource ${req.path} was not found`);
    authenticate(state, req.authorization, pathAccount);
    const route = candidates.find(([method]) => method === req.method);
    if (!route) {
      if (candidates.length > 0) return { status: 405, body: { code: 20004, message: "Method not allowed", more_info: "https://www.twilio.com/docs/errors/20004", status: 405 } };
      throw new TwilioApiError(20404, `The requested resource ${req.path} was not found`);
    }
    const [, pattern, handler] = route;
    const params = pattern.exec(req.path)!.slice(2);
    return await handler({ state, accountSid: pathAccount, params, path: req.path, form: new FormFields(new URLSearchParams(req.body)), query: new FormFields(req.query) });
  } catch (err) {
    if (err instanceof TwilioApiError) {
      const headers: Record<string, string> = err.status === 401 ? { "WWW-Authenticate": 'Basic realm="Twilio API"' } : {};
      return { status: err.status, body: err.toJSON(), headers };
    }
    throw err;
  }
}
