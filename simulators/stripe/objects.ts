/** The Stripe objects the simulator keeps, with the fields Stripe returns for them (API version 2025-era shapes). */
export interface Base {
  id: string;
  object: string;
  created: number;
  livemode: false;
  metadata: Record<string, string>;
}

export interface Address {
  line1: string | null;
  line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
}

export interface Customer extends Base {
  object: "customer";
  address: Address | null;
  balance: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: { custom_fields: null; default_payment_method: string | null; footer: null; rendering_options: null };
  name: string | null;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: "none";
  test_clock: null;
}

export interface PaymentMethod extends Base {
  object: "payment_method";
  type: "card";
  customer: string | null;
  billing_details: { address: Address | null; email: string | null; name: string | null; phone: string | null };
  card: { brand: string; country: string; exp_month: number; exp_year: number; fingerprint: string; funding: string; last4: string; networks: { available: string[]; preferred: null } };
}

export interface StripeErrorBody {
  type: string;
  code: string;
  decline_code?: string;
  message: string;
  payment_method?: PaymentMethod;
}

export interface PaymentIntent extends Base {
  object: "payment_intent";
  amount: number;
  amount_capturable: number;
  amount_received: number;
  canceled_at: null;
  capture_method: "automatic";
  client_secret: string;
  confirmation_method: "automatic";
  currency: string;
  customer: string | null;
  description: string | null;
  last_payment_error: StripeErrorBody | null;
  latest_charge: string | null;
  next_action: null;
  payment_method: string | null;
  payment_method_types: string[];
  setup_future_usage: "off_session" | "on_session" | null;
  status: "requires_payment_method" | "requires_confirmation" | "succeeded";
}

export interface SetupIntent extends Base {
  object: "setup_intent";
  client_secret: string;
  customer: string | null;
  description: string | null;
  last_setup_error: StripeErrorBody | null;
  payment_method: string | null;
  payment_method_types: string[];
  status: "requires_payment_method" | "succeeded";
  usage: "off_session" | "on_session";
}

export interface CheckoutLineItem {
  name: string;
  currency: string;
  unit_amount: number;
  quantity: number;
}

export interface CheckoutSession extends Base {
  object: "checkout.session";
  amount_subtotal: number | null;
  amount_total: number | null;
  cancel_url: string | null;
  client_reference_id: string | null;
  currency: string | null;
  customer: string | null;
  customer_email: string | null;
  expires_at: number;
  mode: "payment" | "setup";
  payment_intent: string | null;
  payment_method_types: string[];
  payment_status: "paid" | "unpaid" | "no_payment_required";
  setup_intent: string | null;
  status: "open" | "complete" | "expired";
  success_url: string;
  url: string | null;
}

export interface InvoiceItem extends Base {
  object: "invoiceitem";
  amount: number;
  currency: string;
  customer: string;
  date: number;
  description: string | null;
  discountable: boolean;
  invoice: string | null;
  period: { start: number; end: number };
  proration: boolean;
  quantity: number;
}

export interface InvoiceTax {
  amount: number;
  tax_behavior: "exclusive";
  taxability_reason: "standard_rated" | "not_collecting";
  taxable_amount: number;
  type: "tax_rate_details";
  tax_rate_details: { tax_rate: string };
}

export interface InvoiceLine {
  id: string;
  object: "line_item";
  amount: number;
  currency: string;
  description: string | null;
  invoice: string;
  invoice_item: string;
  livemode: false;
  metadata: Record<string, string>;
  period: { start: number; end: number };
  quantity: number;
}

export interface Invoice extends Base {
  object: "invoice";
  account_country: string;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  attempt_count: number;
  attempted: boolean;
  auto_advance: boolean;
  automatic_tax: { enabled: boolean; liability: { type: "self" } | null; status: "complete" | null };
  collection_method: "charge_automatically";
  currency: string;
  customer: string;
  customer_address: Address | null;
  customer_email: string | null;
  default_payment_method: string | null;
  description: string | null;
  hosted_invoice_url: string | null;
  lines: { object: "list"; data: InvoiceLine[]; has_more: false; total_count: number; url: string };
  number: string | null;
  period_end: number;
  period_start: number;
  status: "draft" | "open" | "paid";
  status_transitions: { finalized_at: number | null; paid_at: number | null };
  subtotal: number;
  total: number;
  total_excluding_tax: number;
  total_taxes: InvoiceTax[];
}

export interface StripeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}
