/** Who a call connects and which agent version answers it: what the call's row, its object's metadata and its webhook events all carry. */
export interface CallParties {
  accountId: string;
  agentId: string;
  agentVersion: number;
  direction: "inbound" | "outbound";
  from: string;
  to: string;
}

/** A call's parties under its id. */
export interface CallIdentity extends CallParties {
  callId: string;
}
