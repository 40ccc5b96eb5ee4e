import { accountBillingApi } from "./routes/account-billing.ts";
import { invoicesApi } from "./routes/invoices.ts";
import { legacyCreditApi } from "./routes/legacy-credit.ts";
import { paymentsApi } from "./routes/payments.ts";
import { plansApi } from "./routes/plans.ts";
import { postingsApi } from "./routes/postings.ts";
import { reconciliationApi } from "./routes/reconciliation.ts";

/** The billing API's sub-apps, mounted under /v1 with the other resources. */
export const BILLING_APIS = [plansApi, accountBillingApi, postingsApi, legacyCreditApi, reconciliationApi, paymentsApi, invoicesApi];
