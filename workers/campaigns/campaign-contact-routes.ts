import { z } from "@hono/zod-openapi";
import { campaignObject } from "../../shared/campaigns/campaign-rpc.ts";
import { CONTACT_STATES, CSV_CONTACT_ROWS_MAX, JSON_CONTACT_BATCH_MAX, type CampaignContact as Contact } from "../../shared/campaigns/campaign-schemas.ts";
import { ContactCsvParser, type BadRow } from "../../shared/campaigns/contact-csv.ts";
import { aboveCursor, PageQuery, pageOf, toNumberedPage } from "../api/pagination.ts";
import { ApiError } from "../api/problem.ts";
import { jsonResponse, problem, resourceApp, securedRoute } from "../api/route.ts";
import { campaignParams, ownedCampaign } from "./campaign-routes.ts";
import { CampaignContact, contactView, RESULTS_CSV_HEADER, resultsCsvLine } from "./campaign-views.ts";
import { contactAnalyses } from "./contact-analyses.ts";

export const campaignContactsApi = resourceApp();

/** The CSV route's own body limit: 100,000 rows of a phone, a zone and a few variables. */
export const CSV_UPLOAD_MAX_BYTES = 32 * 1024 * 1024;
/** Bad rows listed in the answer; the count covers them all. */
const BAD_ROWS_LISTED = 1_000;
const EXPORT_PAGE = 500;

campaignContactsApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/campaigns/{id}/contacts",
    tags: ["Campaigns"],
    summary: "A campaign's contacts with their state, attempts (each with its call), outcome and analysis outcome, in upload order",
    request: { params: campaignParams, query: PageQuery.extend({ state: z.enum(CONTACT_STATES).optional().openapi({ description: "Only contacts in this state." }) }) },
    responses: { 200: jsonResponse(pageOf(CampaignContact, "CampaignContactPage"), "A page of contacts.") },
  }),
  async (c) => {
    const row = await ownedCampaign(c, c.req.valid("param").id);
    const { limit, cursor, state } = c.req.valid("query");
    const rows = await campaignObject(c.env, row.id).contacts(aboveCursor(cursor), limit + 1, state);
    const analyses = await contactAnalyses(c.env, row.accountId, rows.slice(0, limit));
    return c.json(toNumberedPage(rows, limit, (r) => r.seq, (r) => contactView(r, analyses.get(r.seq))), 200);
  },
);

campaignContactsApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/campaigns/{id}/results.csv",
    tags: ["Campaigns"],
    summary: "Every contact's result as CSV: phone, state, reason, outcome, attempts, call ids, last dial, analysis success and disposition",
    request: { params: campaignParams },
    responses: { 200: { description: "The results, streamed.", content: { "text/csv": { schema: z.string() } } } },
  }),
  async (c) => {
    const row = await ownedCampaign(c, c.req.valid("param").id);
    const stub = campaignObject(c.env, row.id);
    const encoder = new TextEncoder();
    let after = 0;
    let headerSent = false;
    // Pulled a page at a time, so a 100,000-contact export never sits in memory whole.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(RESULTS_CSV_HEADER));
          return;
        }
        const page = await stub.contacts(after, EXPORT_PAGE);
        if (page.length === 0) return controller.close();
        after = page[page.length - 1]!.seq;
        const analyses = await contactAnalyses(c.env, row.accountId, page);
        controller.enqueue(encoder.encode(page.map((contact) => resultsCsvLine(contact, analyses.get(contact.seq))).join("")));
      },
    });
    return c.body(body, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${row.id}-results.csv"` });
  },
);

const CsvAdded = z
  .object({ added: z.number().int(), duplicates: z.number().int(), rows: z.number().int(), total: z.number().int() })
  .openapi("CampaignCsvUpload");

campaignContactsApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/campaigns/{id}/contacts/csv",
    tags: ["Campaigns"],
    summary: "Upload up to 100,000 contacts as CSV (text/csv, streamed) to a draft or paused campaign",
    description:
      "Header row: `phone` (E.164), optional `timezone` (IANA), and any other column becomes a variable of the contact. Valid rows are added even when others are not: then the answer is a 422 `validation-error` whose `errors` name each bad row by its line (`line`, and `path` as `line N.field`), with `added` and `total`. Over 100,000 rows or 32 MiB is a 413 and adds nothing. 409 unless the campaign is draft or paused.",
    request: { params: campaignParams, body: { required: true, content: { "text/csv": { schema: z.string() } } } },
    responses: { 200: jsonResponse(CsvAdded, "Every row was added (or was already in the campaign)."), 422: problem("Some rows were not valid: listed by line; the valid ones were added.") },
  }),
  async (c) => {
    const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (type !== "text/csv") throw new ApiError("unsupported-media-type", "send the contacts as text/csv");
    const row = await ownedCampaign(c, c.req.valid("param").id);
    // With an Idempotency-Key the middleware has read the body already (to hash it); otherwise it is streamed.
    const { valid, bad, badCount } = await readCsv(c.req.raw.bodyUsed ? new Blob([await c.req.text()]).stream() : c.req.raw.body);
    const stub = campaignObject(c.env, row.id);
    let added = 0;
    let duplicates = 0;
    let total = 0;
    const now = Date.now();
    for (let i = 0; i < valid.length || i === 0; i += JSON_CONTACT_BATCH_MAX) {
      const result = await stub.addContacts(valid.slice(i, i + JSON_CONTACT_BATCH_MAX), now);
      if (!result.ok) throw new ApiError("conflict", result.conflict);
      added += result.value.added;
      duplicates += result.value.duplicates.length;
      total = result.value.total;
    }
    await c.var.audit.commit([], { resource: row.id, detail: { added, bad_rows: badCount } });
    if (badCount > 0) {
      throw new ApiError("validation-error", `${badCount} rows were not valid and were left out; the ${added} valid new rows were added`, {
        errors: bad.flatMap((b) => b.errors.map((e) => ({ path: `line ${b.line}.${e.field}`, message: e.message, line: b.line }))),
        added,
        total,
      });
    }
    return c.json({ added, duplicates, rows: valid.length, total }, 200);
  },
);

/** Reads the whole upload through the streaming parser, within the row and byte limits, before anything is added. */
async function readCsv(body: ReadableStream<Uint8Array> | null): Promise<{ valid: Contact[]; bad: BadRow[]; badCount: number }> {
  if (!body) throw new ApiError("validation-error", "the CSV body is empty", { errors: [{ path: "body", message: "empty" }] });
  const parser = new ContactCsvParser();
  const valid: Contact[] = [];
  const bad: BadRow[] = [];
  let badCount = 0;
  let bytes = 0;
  const take = (rows: ReturnType<ContactCsvParser["push"]>) => {
    for (const r of rows) {
      if (r.ok) valid.push(r.contact);
      else if (++badCount <= BAD_ROWS_LISTED) bad.push(r.bad);
    }
    if (valid.length + badCount > CSV_CONTACT_ROWS_MAX) throw new ApiError("payload-too-large", `a CSV upload holds at most ${CSV_CONTACT_ROWS_MAX} rows; nothing was added`);
  };
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const reader = body.getReader();
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      bytes += chunk.value.byteLength;
      if (bytes > CSV_UPLOAD_MAX_BYTES) throw new ApiError("payload-too-large", `a CSV upload is at most ${CSV_UPLOAD_MAX_BYTES} bytes; nothing was added`);
      take(parser.push(decoder.decode(chunk.value, { stream: true })));
    }
    take(parser.push(decoder.decode()));
    take(parser.end());
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    if (err instanceof TypeError) throw new ApiError("validation-error", "the CSV is not valid UTF-8", { errors: [{ path: "body", message: "not UTF-8" }] });
    throw err;
  }
  if (parser.headerError) throw new ApiError("validation-error", parser.headerError, { errors: [{ path: "line 1", message: parser.headerError, line: 1 }] });
  return { valid, bad, badCount };
}
