/**
 * The audit chain of operator actions that belong to no one account (plans, rate cards, reconciliation): a chain
 * like an account's, under a name no account id can take (account ids are `AYB-…`).
 */
export const PLATFORM_AUDIT_CHAIN = "platform";
