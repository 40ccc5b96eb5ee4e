import { z } from "@hono/zod-openapi";
import { withPostgresPools, type PostgresConfig } from "../../shared/pg/client.ts";
import { accountRegion, analyticsPostgres, RegionDatabaseUnset, type Region } from "../../shared/residency/residency.ts";
import { ApiError } from "../api/problem.ts";
import { jsonResponse, problem, resourceApp, securedRoute } from "../api/route.ts";
import { asBillingUnavailable } from "../billing/billing-db.ts";
import { AnalyticsQuery, MEASURES } from "./analytics-query.ts";
import { analyticsReport } from "./analytics-report.ts";
import { analyticsSettings } from "./analytics-settings.ts";
import { REPORT_SOURCES } from "./report-queries.ts";

const CallAnalytics = z
  .object({
    time_zone: z.string().openapi({ description: "The account's IANA time zone, in which buckets are cut (UTC without a billing side)." }),
    currency: z.string().nullable().openapi({ description: "The currency of `cost` (in minor units); null without a billing side." }),
    source: z.enum(REPORT_SOURCES).openapi({
      description:
        "What answered: `turns`, the raw call and turn rows (ranges under 48 hours, ends not on whole hours, or a zone whose offset is not whole hours), with exact percentiles; `rollups`, the hourly rollups, with the same counts and sums and each percentile within 2 % of the exact one; `daily_rollups`, the daily rollups in the account's zone (days, weeks or a total over 7 days or more, from local midnight to local midnight), with the very answers of the hourly ones.",
    }),
    rows: z.array(
      z
        .object({
          start: z.string().nullable().optional().openapi({ description: "With `interval`: the bucket's first instant (UTC)." }),
          local_start: z.string().nullable().optional().openapi({ description: "With `interval`: the same instant on the account's wall clock." }),
          agent_id: z.string().optional(),
          agent_version: z.number().int().optional(),
          number: z.string().optional(),
          direction: z.string().optional(),
          end_reason: z.string().nullable().optional(),
        })
        // Each measure is a number (null where a percentile has no samples, or no call has a success verdict); strings only so the keys above fit the same index type.
        .catchall(z.union([z.number(), z.string(), z.null()]))
        .openapi({
          description: `One per bucket and group, in order; buckets without calls are absent. Each requested measure is a field: ${MEASURES.join(", ")}. Latency percentiles are ms over agent turns (null when no turn has that span). \`success_rate\` is the share (0–1) of calls whose latest post-call analysis judged them successful, among those it gave a verdict (null when none did).`,
        }),
    ),
  })
  .openapi("CallAnalytics");

export const analyticsApi = resourceApp();

/** The region's analytics database; one not configured is a 503 `region-unconfigured`, never the global database instead. */
function analyticsDatabase(env: Env, region: Region): PostgresConfig {
  try {
    return analyticsPostgres(env, region);
  } catch (err) {
    if (err instanceof RegionDatabaseUnset) throw new ApiError("region-unconfigured", err.message);
    throw err;
  }
}

analyticsApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/analytics/calls",
    tags: ["Analytics"],
    summary: "Call counts, minutes, cost and latency percentiles over time and by agent, version, number, direction or end reason",
    description:
      "Calls are placed by when they started. `minutes` is the billed duration; `cost` is the settled charge in minor units. Latency percentiles (`v2v`, `stt`, `llm_ttft`, `tts_ttfb`, `overhead` × `p50`, `p90`, `p99`) are never averaged across buckets: short ranges compute them over the raw turn rows (`percentile_cont`), ranges of 48 hours or more on whole hours over hourly mergeable log-scale histograms, within 2 %, and day, week or total reports over 7 days or more from local midnight to local midnight over daily ones in the account's zone, with the same answers (`source` says which). A call appears once it has been settled.",
    request: { query: AnalyticsQuery },
    responses: {
      200: jsonResponse(CallAnalytics, "The series or breakdown."),
      503: problem("`billing-unavailable`: the Postgres tier is unreachable; retry later (see `Retry-After`). `region-unconfigured`: the account's region's analytics database is not configured (an EU account's needs `DATABASE_URL_EU`)."),
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const accountId = c.get("principal").accountId;
    const analytics = analyticsDatabase(c.env, await accountRegion(c.env, accountId));
    // The zone and currency from the global database, the facts from the region's (one pool when they are the same).
    const report = await asBillingUnavailable(() =>
      withPostgresPools(async (open) => analyticsReport(open(analytics), accountId, query, await analyticsSettings(open(c.env), accountId))),
    );
    return c.json(report, 200);
  },
);
