import { Router, type IRequest } from "itty-router";
import { constantTimeEqual } from "../../shared/protocol/twilio-signature.ts";
import { callResource } from "./call-resource.ts";
import { createAddress, deleteAddress, fetchAddress, listAddresses, updateAddress } from "./rest-addresses.ts";
import { FormFields } from "./form-fields.ts";
import { faultError, type RestFault } from "./rest-faults.ts";
import { callListFilter, createCall, updateCall } from "./rest-calls.ts";
import { createMessage, fetchMessage, listMessages } from "./rest-messages.ts";
import { buyNumber, listNumbers, numberOf, releaseNumber, searchLocal, updateNumber } from "./rest-numbers.ts";
import { createRecording, deleteRecording, fetchAccountRecording, fetchRecording, listRecordings, recordingMedia, updateRecording } from "./rest-recordings.ts";
import type { TwilioState } from "./simulator-state.ts";
import { TwilioApiError } from "./twilio-api-error.ts";

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: string;
  /** The `Range` header (recording media). */
  range?: string | undefined;
}

export interface RestResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A request as routes see it: itty-router fills `params`; `authorize` fills `accountSid` and any fault to answer with. */
interface RouteRequest extends IRequest {
  rest: RestRequest;
  accountSid: string;
  faultAfter?: RestFault;
  form: FormFields;
  fields: FormFields;
}

type Route = (req: RouteRequest, state: TwilioState) => RestResponse | Promise<RestResponse> | undefined;

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

export function faultResponse(fault: RestFault): RestResponse {
  const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { "Retry-After": String(fault.retryAfterSeconds) };
  return { status: fault.status, body: faultError(fault).toJSON(), headers };
}

/** Runs before every route under an account: authenticates, answers an armed fault, or lets the matching route answer. */
const authorize: Route = (req, state) => {
  authenticate(state, req.rest.authorization, req.params.accountSid!);
  req.accountSid = req.params.accountSid!;
  const fault = state.restFaults.take(req.accountSid);
  if (fault?.when === "after") req.faultAfter = fault;
  else if (fault) return faultResponse(fault);
  return undefined;
};

const router = Router<RouteRequest, [TwilioState], RestResponse>({
  base: "/2010-04-01/Accounts",
  // A fault armed "after" lets the request take effect, then answers as if Twilio had failed.
  finally: [(response: RestResponse | undefined, req: RouteRequest) => (req.faultAfter ? faultResponse(req.faultAfter) : response)],
});
router
  // Authentication comes before route lookup, as on Twilio: an unauthenticated request learns nothing about paths.
  .all("/:accountSid.json", authorize)
  .all("/:accountSid/:resource+", authorize)
  .get("/:accountSid.json", ({ accountSid }, state) => ({
    status: 200,
    body: { sid: accountSid, friendly_name: "Simulated account", status: "active", type: "Full", owner_account_sid: accountSid, uri: `/2010-04-01/Accounts/${accountSid}.json`, auth_token: state.accounts.get(accountSid)?.authToken },
  }))
  .post("/:accountSid/Calls.json", ({ accountSid, form }, state) => createCall(state, accountSid, form))
  .get("/:accountSid/Calls.json", ({ accountSid, fields, rest }, state) => {
    const matches = callListFilter(fields);
    const calls = [...state.calls.values()].filter((c) => c.accountSid === accountSid && matches(c)).reverse();
    return page("calls", calls.map(callResource), rest.path, fields);
  })
  .get("/:accountSid/Calls/:callSid.json", ({ accountSid, params }, state) => ({ status: 200, body: callResource(state.callOf(accountSid, params.callSid!)) }))
  .post("/:accountSid/Calls/:callSid.json", ({ accountSid, params, form }, state) => updateCall(state, accountSid, params.callSid!, form))
  .post("/:accountSid/Calls/:callSid/Recordings.json", ({ accountSid, params, form }, state) => createRecording(state, accountSid, params.callSid!, form))
  .get("/:accountSid/Calls/:callSid/Recordings.json", ({ accountSid, params, fields, rest }, state) =>
    page("recordings", listRecordings(state, accountSid, params.callSid!), rest.path, fields))
  .get("/:accountSid/Calls/:callSid/Recordings/:recordingSid.json", ({ accountSid, params }, state) => fetchRecording(state, accountSid, params.callSid!, params.recordingSid!))
  .post("/:accountSid/Calls/:callSid/Recordings/:recordingSid.json", ({ accountSid, params, form }, state) =>
    updateRecording(state, accountSid, params.callSid!, params.recordingSid!, form))
  .get("/:accountSid/Recordings/:recordingSid.json", ({ accountSid, params }, state) => fetchAccountRecording(state, accountSid, params.recordingSid!))
  .delete("/:accountSid/Recordings/:recordingSid.json", ({ accountSid, params }, state) => deleteRecording(state, accountSid, params.recordingSid!))
  .get("/:accountSid/Recordings/:file", ({ accountSid, params, rest }, state) => recordingMedia(state, accountSid, params.file!, rest.range))
  .post("/:accountSid/Addresses.json", ({ accountSid, form }, state) => createAddress(state, accountSid, form))
  .get("/:accountSid/Addresses.json", ({ accountSid, fields, rest }, state) => page("addresses", listAddresses(state, accountSid, fields), rest.path, fields))
  .get("/:accountSid/Addresses/:addressSid.json", ({ accountSid, params }, state) => fetchAddress(state, accountSid, params.addressSid!))
  .post("/:accountSid/Addresses/:addressSid.json", ({ accountSid, params, form }, state) => updateAddress(state, accountSid, params.addressSid!, form))
  .delete("/:accountSid/Addresses/:addressSid.json", ({ accountSid, params }, state) => deleteAddress(state, accountSid, params.addressSid!))
  .post("/:accountSid/Messages.json", ({ accountSid, form }, state) => createMessage(state, accountSid, form))
  .get("/:accountSid/Messages.json", ({ accountSid, fields, rest }, state) => page("messages", listMessages(state, accountSid, fields), rest.path, fields))
  .get("/:accountSid/Messages/:messageSid.json", ({ accountSid, params }, state) => fetchMessage(state, accountSid, params.messageSid!))
  .get("/:accountSid/AvailablePhoneNumbers/:country/Local.json", ({ accountSid, params, fields }, state) => searchLocal(state, accountSid, params.country!, fields))
  .get("/:accountSid/IncomingPhoneNumbers.json", ({ accountSid, fields, rest }, state) => page("incoming_phone_numbers", listNumbers(state, accountSid, fields), rest.path, fields))
  .post("/:accountSid/IncomingPhoneNumbers.json", ({ accountSid, form }, state) => buyNumber(state, accountSid, form))
  .get("/:accountSid/IncomingPhoneNumbers/:numberSid.json", ({ accountSid, params }, state) => ({ status: 200, body: numberOf(state, accountSid, params.numberSid!).toJSON() }))
  .post("/:accountSid/IncomingPhoneNumbers/:numberSid.json", ({ accountSid, params, form }, state) => updateNumber(state, accountSid, params.numberSid!, form))
  .delete("/:accountSid/IncomingPhoneNumbers/:numberSid.json", ({ accountSid, params }, state) => releaseNumber(state, accountSid, params.numberSid!));

/** No route answered: 405 when the path exists under another method, else 20404. */
function unrouted(path: string): RestResponse {
  const pathExists = router.routes.some(([method, pattern]) => method !== "ALL" && pattern.test(path));
  if (pathExists) return { status: 405, body: { code: 20004, message: "Method not allowed", more_info: "https://www.twilio.com/docs/errors/20004", status: 405 } };
  throw new TwilioApiError(20404, `The requested resource ${path} was not found`);
}

/** HTTP Basic with the Account SID and its auth token; the URL's account must be the authenticated one. */
export function authenticate(state: TwilioState, authorization: string | undefined, pathAccount: string): void {
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
export async function handleRestRequest(state: TwilioState, rest: RestRequest): Promise<RestResponse> {
  try {
    const request = {
      method: rest.method,
      url: `http://api.twilio.test${rest.path}`,
      rest,
      form: new FormFields(new URLSearchParams(rest.body)),
      fields: new FormFields(rest.query),
    };
    return (await router.fetch(request, state)) ?? unrouted(rest.path);
  } catch (err) {
    if (err instanceof TwilioApiError) {
      const headers: Record<string, string> = err.status === 401 ? { "WWW-Authenticate": 'Basic realm="Twilio API"' } : {};
      return { status: err.status, body: err.toJSON(), headers };
    }
    throw err;
  }
}
