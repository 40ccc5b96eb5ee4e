import twilio from "twilio";
import type TwilioRequestClient from "twilio/lib/base/RequestClient.js";

/**
 * twilio-node has no base-URL option; a custom httpClient that rewrites the host is its supported extension point.
 * api.twilio.com goes to the simulator, trusthub.twilio.com to its Trust Hub base URL.
 */
export class SimulatorRequestClient extends twilio.RequestClient {
  readonly #baseUrl: string;

  constructor(baseUrl: string) {
    super();
    this.#baseUrl = baseUrl;
  }

  override request<TData>(opts: TwilioRequestClient.RequestOptions<TData>) {
    const uri = opts.uri.replace(/^https:\/\/api\.twilio\.com/, this.#baseUrl).replace(/^https:\/\/trusthub\.twilio\.com/, `${this.#baseUrl}/trusthub`);
    return super.request<TData>({ ...opts, uri });
  }
}
