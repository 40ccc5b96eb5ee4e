import type { IRequest, RouterType } from "itty-router";
import type { FormObject } from "./form-body.ts";
import type { RequestOrigin, StripeState } from "./state.ts";

/** A request as the /v1 routes see it: itty-router fills `params`; the server fills the rest. */
export interface ApiRequest extends IRequest {
  form: FormObject;
  origin: RequestOrigin;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export type ApiRoute = (req: ApiRequest, state: StripeState) => ApiResponse | undefined;

export const ok = (body: unknown): ApiResponse => ({ status: 200, body });

export type ApiRouter = RouterType<ApiRequest, [StripeState], ApiResponse>;
