import { z } from "zod";

/**
 * What Trust Hub needs to know about the business, as the verification case holds it (the verification engineer
 * passes it when the operator approves). Field values follow Twilio's `customer_profile_business_information` and
 * `authorized_representative_1` end-user types.
 */
export const trustHubBusinessSchema = z.strictObject({
  legalName: z.string().trim().min(1).max(200),
  /** Where Twilio sends status updates about the profile (the platform's compliance mailbox, not the tenant's). */
  notificationEmail: z.email(),
  website: z.url(),
  businessType: z.enum(["Sole Proprietorship", "Partnership", "Limited Liability Corporation", "Corporation", "Co-operative", "Limited Liability Partnership", "Non-profit"]),
  /** Twilio's industry codes, e.g. HEALTHCARE, RETAIL, TECHNOLOGY. */
  industry: z.string().regex(/^[A-Z_]+$/),
  registrationIdentifier: z.enum(["EIN", "DUNS", "CBN", "CN", "ACN", "CIN", "VAT", "VATRN", "RN", "Other"]),
  registrationNumber: z.string().trim().min(1).max(64),
  regionsOfOperation: z.array(z.enum(["AFRICA", "ASIA", "EUROPE", "LATIN_AMERICA", "USA_AND_CANADA"])).min(1),
  address: z.strictObject({
    street: z.string().trim().min(1),
    streetSecondary: z.string().trim().min(1).optional(),
    city: z.string().trim().min(1),
    region: z.string().trim().min(1),
    postalCode: z.string().trim().min(1),
    isoCountry: z.string().regex(/^[A-Z]{2}$/),
  }),
  representative: z.strictObject({
    firstName: z.string().trim().min(1),
    lastName: z.string().trim().min(1),
    email: z.email(),
    phoneNumber: z.string().regex(/^\+[1-9]\d{6,14}$/),
    title: z.string().trim().min(1),
    position: z.enum(["Director", "GM", "VP", "CEO", "CFO", "General Counsel", "Other"]),
  }),
});
export type TrustHubBusiness = z.infer<typeof trustHubBusinessSchema>;

/** Attributes of the `customer_profile_business_information` end user. */
export const businessInformation = (b: TrustHubBusiness) => ({
  business_name: b.legalName,
  // The platform registers each tenant as its own (secondary) business under the platform's primary profile.
  business_identity: "direct_customer",
  business_type: b.businessType,
  business_industry: b.industry,
  business_registration_identifier: b.registrationIdentifier,
  business_registration_number: b.registrationNumber,
  business_regions_of_operation: b.regionsOfOperation.join(","),
  website_url: b.website,
  social_media_profile_urls: "",
});

/** Attributes of the `authorized_representative_1` end user. */
export const authorizedRepresentative = (b: TrustHubBusiness) => ({
  first_name: b.representative.firstName,
  last_name: b.representative.lastName,
  email: b.representative.email,
  phone_number: b.representative.phoneNumber,
  business_title: b.representative.title,
  job_position: b.representative.position,
});
