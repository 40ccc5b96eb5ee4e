/** What `npm run dev` tells `npm run call` and `npm run seed` about the running local platform. */
export interface DevState {
  baseUrl: string;
  twilioSimulatorUrl: string;
  operatorSecret: string;
  apiKey: string;
  accountId: string;
  agentId: string;
  number: string;
  numberSid: string;
  twilioAccountSid: string;
  twilioAuthToken: string;
}

export const DEV_STATE_FILE = new URL("../../.wrangler/dev-platform.json", import.meta.url).pathname;
