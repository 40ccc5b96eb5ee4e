import { newSid } from "./sids.ts";
import type { TrustHubCallback } from "./trust-hub-review.ts";
import { TwilioApiError } from "./twilio-api-error.ts";

/**
 * Twilio Trust Hub (trusthub.twilio.com/v1) as data: customer profiles and trust products ("bundles", `BU…`), the end
 * users (`IT…`) and supporting documents (`RD…`) assigned to them, their evaluations and their phone numbers.
 * Twilio vets a submitted bundle by hand; here the control API decides (trust-hub-review.ts).
 */
export type BundleKind = "customer-profile" | "trust-product";
export type BundleStatus = "draft" | "pending-review" | "in-review" | "twilio-rejected" | "twilio-approved";
export const BUNDLE_STATUSES: readonly BundleStatus[] = ["draft", "pending-review", "in-review", "twilio-rejected", "twilio-approved"];

/** Policies (`RN…`, the same SID in every account) and what a bundle under each must hold to evaluate compliant. */
export const POLICIES = {
  /** Secondary Customer Profile (an ISV's customer). */
  RNdfbf3fae0e1107f8aded0e7cead80bf5: {
    kind: "customer-profile",
    friendlyName: "Secondary Customer Profile of type Business",
    endUsers: ["customer_profile_business_information", "authorized_representative_1"],
    supportingDocuments: ["customer_profile_address"],
    approvedProfile: false,
  },
  /** SHAKEN/STIR trust product: it needs an approved customer profile assigned. */
  RN7a97559effdf62d00f4298208492a5ea: {
    kind: "trust-product",
    friendlyName: "SHAKEN/STIR",
    endUsers: [],
    supportingDocuments: [],
    approvedProfile: true,
  },
} as const satisfies Record<string, { kind: BundleKind; friendlyName: string; endUsers: readonly string[]; supportingDocuments: readonly string[]; approvedProfile: boolean }>;
export type PolicySid = keyof typeof POLICIES;
export const isPolicySid = (sid: string): sid is PolicySid => Object.hasOwn(POLICIES, sid);

export interface TrustHubItem {
  sid: string;
  accountSid: string;
  friendlyName: string;
  type: string;
  attributes: Record<string, unknown>;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface Assignment {
  sid: string;
  objectSid: string;
  dateCreated: Date;
}

export interface ChannelEndpointAssignment {
  sid: string;
  channelEndpointType: string;
  channelEndpointSid: string;
  dateCreated: Date;
}

export interface EvaluationResult {
  friendly_name: string;
  object_type: string;
  passed: boolean;
  failure_reason: string;
}

export interface Evaluation {
  sid: string;
  policySid: string;
  status: "compliant" | "noncompliant";
  results: EvaluationResult[];
  dateCreated: Date;
}

export interface Bundle {
  kind: BundleKind;
  sid: string;
  accountSid: string;
  policySid: PolicySid;
  friendlyName: string;
  email: string;
  statusCallback: string | null;
  status: BundleStatus;
  errors: { code: number; message: string }[];
  dateCreated: Date;
  dateUpdated: Date;
  entityAssignments: Assignment[];
  channelEndpointAssignments: ChannelEndpointAssignment[];
  evaluations: Evaluation[];
}

export class TrustHubState {
  readonly bundles = new Map<string, Bundle>();
  readonly endUsers = new Map<string, TrustHubItem>();
  readonly supportingDocuments = new Map<string, TrustHubItem>();
  /** Every status callback, in the order sent. */
  readonly callbacks: TrustHubCallback[] = [];

  bundleOf(accountSid: string, kind: BundleKind, sid: string): Bundle {
    const bundle = this.bundles.get(sid);
    if (!bundle || bundle.accountSid !== accountSid || bundle.kind !== kind) throw new TwilioApiError(20404, `${kind === "customer-profile" ? "CustomerProfile" : "TrustProduct"} ${sid} was not found`);
    return bundle;
  }

  itemOf(map: Map<string, TrustHubItem>, accountSid: string, sid: string): TrustHubItem {
    const item = map.get(sid);
    if (!item || item.accountSid !== accountSid) throw new TwilioApiError(20404, `${sid} was not found`);
    return item;
  }

  bundlesOf(accountSid: string, kind: BundleKind): Bundle[] {
    return [...this.bundles.values()].filter((b) => b.accountSid === accountSid && b.kind === kind);
  }

  createBundle(kind: BundleKind, accountSid: string, fields: { policySid: PolicySid; friendlyName: string; email: string; statusCallback: string | null }): Bundle {
    const now = new Date();
    const bundle: Bundle = { kind, sid: newSid("BU"), accountSid, ...fields, status: "draft", errors: [], dateCreated: now, dateUpdated: now, entityAssignments: [], channelEndpointAssignments: [], evaluations: [] };
    this.bundles.set(bundle.sid, bundle);
    return bundle;
  }

  createItem(map: Map<string, TrustHubItem>, prefix: "IT" | "RD", accountSid: string, fields: { friendlyName: string; type: string; attributes: Record<string, unknown> }): TrustHubItem {
    const now = new Date();
    const item: TrustHubItem = { sid: newSid(prefix), accountSid, ...fields, dateCreated: now, dateUpdated: now };
    map.set(item.sid, item);
    return item;
  }

  /** What the bundle's policy asks for, checked against what is assigned to it now. */
  evaluate(bundle: Bundle): Evaluation {
    const policy = POLICIES[bundle.policySid];
    const assigned = bundle.entityAssignments.map((a) => this.endUsers.get(a.objectSid) ?? this.supportingDocuments.get(a.objectSid) ?? this.bundles.get(a.objectSid));
    const hasType = (type: string) => assigned.some((o) => o !== undefined && "type" in o && o.type === type);
    const results: EvaluationResult[] = [
      ...policy.endUsers.map((type) => ({ friendly_name: type, object_type: type, passed: hasType(type), failure_reason: hasType(type) ? "" : `An end user of type ${type} is required` })),
      ...policy.supportingDocuments.map((type) => ({ friendly_name: type, object_type: type, passed: hasType(type), failure_reason: hasType(type) ? "" : `A supporting document of type ${type} is required` })),
    ];
    if (policy.approvedProfile) {
      const passed = assigned.some((o) => o !== undefined && "kind" in o && o.kind === "customer-profile" && o.status === "twilio-approved");
      results.push({ friendly_name: "customer_profile", object_type: "customer_profile", passed, failure_reason: passed ? "" : "An approved customer profile is required" });
    }
    return { sid: newSid("EL"), policySid: bundle.policySid, status: results.every((r) => r.passed) ? "compliant" : "noncompliant", results, dateCreated: new Date() };
  }

  /** Resources the account holds, by kind (tests count them to prove a resumed run made no duplicates). */
  counts(accountSid: string) {
    const bundles = [...this.bundles.values()].filter((b) => b.accountSid === accountSid);
    const sum = (f: (b: Bundle) => number) => bundles.reduce((n, b) => n + f(b), 0);
    const own = (m: Map<string, TrustHubItem>) => [...m.values()].filter((i) => i.accountSid === accountSid).length;
    return {
      customerProfiles: bundles.filter((b) => b.kind === "customer-profile").length,
      trustProducts: bundles.filter((b) => b.kind === "trust-product").length,
      endUsers: own(this.endUsers),
      supportingDocuments: own(this.supportingDocuments),
      entityAssignments: sum((b) => b.entityAssignments.length),
      channelEndpointAssignments: sum((b) => b.channelEndpointAssignments.length),
      evaluations: sum((b) => b.evaluations.length),
    };
  }
}
