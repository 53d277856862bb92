import type { Period } from "../periods/period.ts";
import { resolvePeriodRequest, type PeriodRequest } from "../periods/period-request.ts";
import { dailyMessagesByModel, type DailySeries } from "../usage/overview/daily-series.ts";
import { usageSummary, type UsageSummary } from "../usage/overview/summary.ts";
import { builder, type GraphQLContext } from "./builder.ts";
import { PeriodInput, PeriodRef } from "./period.ts";
import { FOLLOWS_DATA_VERSION } from "./response-cache-hint.ts";

// The analytics page's overview: headline numbers and the messages-per-day chart.

interface SummaryNode extends UsageSummary {
  period: Period;
  byok: boolean;
}

const byokOnly = "BYOK workspaces only (null otherwise), as in the exports.";
const SummaryRef = builder.objectRef<SummaryNode>("UsageSummary").implement({
  description: "Headline numbers of a period; each equals the matching total over the exports of the same period.",
  fields: (t) => {
    const tokenField = (field: "inputTokens" | "outputTokens" | "cachedPromptTokens" | "cacheCreationTokens", what: string) =>
      t.field({
        type: "SafeInt",
        nullable: true,
        description: `${what} over messages and API requests. ${byokOnly}`,
        resolve: (s) => (s.byok ? s[field] : null),
      });
    return {
      period: t.field({ type: PeriodRef, resolve: (s) => s.period }),
      // Sums of records are SafeInt, as in the usage queries; distinct counts are bounded by the directory.
      messages: t.expose("messages", { type: "SafeInt", description: "Messages (chat, agents, projects) = Σ users' messages_total" }),
      activeUsers: t.exposeInt("activeUsers", { description: "Distinct users who sent a message" }),
      agentsUsed: t.exposeInt("agentsUsed", { description: "Distinct agents that were messaged" }),
      apiRequests: t.expose("apiRequests", { type: "SafeInt", description: "Platform API requests = Σ API keys' requests" }),
      inputTokens: tokenField("inputTokens", "Input tokens"),
      outputTokens: tokenField("outputTokens", "Output tokens"),
      cachedPromptTokens: tokenField("cachedPromptTokens", "Cache-read input tokens"),
      cacheCreationTokens: tokenField("cacheCreationTokens", "Cache-write input tokens"),
      costUsd: t.field({
        type: "Decimal",
        nullable: true,
        description: `Estimated provider cost in USD over messages and API requests. ${byokOnly}`,
        resolve: (s) => (s.byok ? s.costUsd : null),
      }),
    };
  },
});

const ModelSeriesRef = builder.objectRef<DailySeries["models"][number]>("ModelDailyMessages").implement({
  fields: (t) => ({
    model: t.exposeString("model", { description: "Normalized model name" }),
    total: t.expose("total", { type: "SafeInt" }),
    messages: t.expose("messages", { type: ["SafeInt"], description: "Messages per day, aligned with UsageSeries.days" }),
  }),
});

const SeriesRef = builder.objectRef<DailySeries & { period: Period }>("UsageSeries").implement({
  description: "Messages per calendar day of the period (in its time zone), split by model.",
  fields: (t) => ({
    period: t.field({ type: PeriodRef, resolve: (s) => s.period }),
    days: t.field({ type: ["Date"], resolve: (s) => s.days }),
    models: t.field({ type: [ModelSeriesRef], description: "Busiest model first", resolve: (s) => s.models }),
  }),
});

function periodOf(args: { period: PeriodRequest }, ctx: GraphQLContext): Period {
  return resolvePeriodRequest(args.period, ctx.workspace, ctx.app.now());
}

builder.queryField("usageSummary", (t) =>
  t.field({
    type: SummaryRef,
    errors: {},
    authScopes: { query: true },
    extensions: FOLLOWS_DATA_VERSION,
    description: "The analytics page's headline numbers for a period.",
    args: { period: t.arg({ type: PeriodInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const period = periodOf(args, ctx);
      return { ...(await usageSummary(ctx.app.db, ctx.workspace.id, period)), period, byok: ctx.workspace.byok };
    },
  }),
);

builder.queryField("usageSeries", (t) =>
  t.field({
    type: SeriesRef,
    errors: {},
    authScopes: { query: true },
    extensions: FOLLOWS_DATA_VERSION,
    description: "Messages per day of a period, one series per model (the analytics page's chart).",
    args: { period: t.arg({ type: PeriodInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const period = periodOf(args, ctx);
      return { ...(await dailyMessagesByModel(ctx.app.db, ctx.workspace.id, period)), period };
    },
  }),
);
