/** The OAuth apps the stand-ins know; the platform's `OAUTH_CLIENTS` holds the same in local runs and tests. */
export const OAUTH_SIMULATOR_CLIENTS = {
  hubspot: { client_id: "sim-hubspot-client", client_secret: "sim-hubspot-secret" },
  salesforce: { client_id: "3MVG9sim.salesforce.consumer.key", client_secret: "sim-salesforce-secret" },
  google_calendar: { client_id: "sim-google.apps.googleusercontent.com", client_secret: "sim-google-secret" },
} as const;
