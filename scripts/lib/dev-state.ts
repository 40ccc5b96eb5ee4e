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

/** Where local state lives (DEV_STATE_DIR moves it, e.g. for a second instance or a test). */
export const DEV_STATE_DIR = process.env.DEV_STATE_DIR ?? new URL("../../.wrangler", import.meta.url).pathname;
export const DEV_STATE_FILE = `${DEV_STATE_DIR}/dev-platform.json`;
