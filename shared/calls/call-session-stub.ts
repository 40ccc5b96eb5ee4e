/** The Durable Object that runs call `callId` (one per call, named by its id). */
export const callSession = (env: Pick<Env, "CALL_SESSION">, callId: string) => env.CALL_SESSION.get(env.CALL_SESSION.idFromName(callId));
