import type { InputFieldMap } from "@pothos/core";
import { requireCapability } from "../auth/permissions.ts";
import { AppError } from "../errors/app-error.ts";
import type { DeliveryAttempt, ReportRun, ReportSubscription } from "../generated/prisma/client.ts";
import { buildDeliverers } from "../reports/delivery/build-deliverer.ts";
import { deliverRunNow } from "../reports/process-due-runs.ts";
import { MAX_ATTEMPTS } from "../reports/runs/claim-run.ts";
import {
  createSubscription, deleteSubscription, enqueueRun, findSubscription, previewRuns, setActive, updateSubscription,
  type SubscriptionInput,
} from "../reports/subscriptions.ts";
import { builder, COSTED_BY_DATA_LIST, type GraphQLContext } from "./builder.ts";
import { DataTypeEnum, GroupByEnum } from "./exports.ts";

const Cadence = builder.enumType("ReportCadence", { values: ["weekly", "monthly"] as const });
const Channel = builder.enumType("ReportChannel", { values: ["email", "slack"] as const });

const AttemptRef = builder.objectRef<DeliveryAttempt>("DeliveryAttempt").implement({
  fields: (t) => ({
    attempt: t.exposeInt("attempt"),
    startedAt: t.expose("startedAt", { type: "DateTime" }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
    outcome: t.exposeString("outcome", { nullable: true, description: "delivered, retrying, failed, or abandoned (its worker crashed or was cut short; set when the run is taken over); null while running" }),
    error: t.exposeString("error", { nullable: true }),
    detail: t.exposeString("detail", { nullable: true, description: "SMTP message id or Slack file id" }),
  }),
});

/** How many runs a `runs(first:)` page holds (and is costed at). */
const runsPage = (first: number | null | undefined) => Math.max(0, Math.min(first ?? 20, 100));

const RunRef = builder.objectRef<ReportRun>("ReportRun").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    kind: t.exposeString("kind", { description: "scheduled, test or resend" }),
    periodStart: t.field({ type: "Date", resolve: (r) => r.periodStart }),
    periodEnd: t.field({ type: "Date", resolve: (r) => r.periodEnd }),
    dueAt: t.expose("dueAt", { type: "DateTime" }),
    status: t.exposeString("status", { description: "pending, running, delivered or failed" }),
    attempts: t.exposeInt("attempts"),
    deliveredAt: t.expose("deliveredAt", { type: "DateTime", nullable: true }),
    lastError: t.exposeString("lastError", { nullable: true }),
    attemptLog: t.field({
      type: [AttemptRef],
      // Costed at its real bound, not the default list multiplier: a screen that
      // lists subscriptions with their history and attempts stays under the limit.
      complexity: { field: 1, multiplier: MAX_ATTEMPTS },
      resolve: (r, _a, ctx) => ctx.app.db.prisma.deliveryAttempt.findMany({ where: { runId: r.id }, orderBy: { attempt: "asc" } }),
    }),
  }),
});

const TypeRef = builder.objectRef<{ dataType: string; groupBy: string | null }>("ReportDataType").implement({
  fields: (t) => ({ dataType: t.exposeString("dataType"), groupBy: t.exposeString("groupBy", { nullable: true }) }),
});

const SubscriptionRef = builder.objectRef<ReportSubscription>("ReportSubscription").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    cadence: t.expose("cadence", { type: Cadence }),
    weekday: t.exposeInt("weekday", { nullable: true }),
    dayOfMonth: t.exposeInt("dayOfMonth", { nullable: true }),
    time: t.exposeString("time"),
    timezone: t.exposeString("timezone"),
    types: t.field({ type: [TypeRef], resolve: (s) => s.types as { dataType: string; groupBy: string | null }[] }),
    channel: t.expose("channel", { type: Channel }),
    recipients: t.exposeStringList("recipients"),
    slackChannelId: t.exposeString("slackChannelId", { nullable: true }),
    active: t.exposeBoolean("active"),
    nextRuns: t.field({
      type: ["DateTime"],
      args: { count: t.arg.int({ defaultValue: 5 }) },
      resolve: (s, { count }, ctx) => (s.active ? previewRuns(s, ctx.workspace, ctx.app.now(), Math.min(count ?? 5, 20)) : []),
    }),
    runs: t.field({
      type: [RunRef],
      description: "Delivery history, newest first.",
      args: { first: t.arg.int({ defaultValue: 20 }) },
      complexity: (args) => ({ field: 1, multiplier: runsPage(args.first) }),
      resolve: (s, { first }, ctx) =>
        ctx.app.db.prisma.reportRun.findMany({ where: { subscriptionId: s.id }, orderBy: [{ dueAt: "desc" }, { createdAt: "desc" }], take: runsPage(first) }),
    }),
  }),
});

builder.queryField("reportSubscriptions", (t) =>
  t.field({
    type: [SubscriptionRef],
    errors: {},
    complexity: COSTED_BY_DATA_LIST,
    resolve: (_r, _a, ctx) => {
      requireCapability(ctx.key, "query");
      return ctx.app.db.prisma.reportSubscription.findMany({ where: { workspaceId: ctx.workspace.id }, orderBy: { createdAt: "asc" } });
    },
  }),
);

const TypeInput = builder.inputType("ReportDataTypeInput", {
  fields: (t) => ({ dataType: t.field({ type: DataTypeEnum, required: true }), groupBy: t.field({ type: GroupByEnum }) }),
});
const fieldsOf = (required: boolean) => (t: PothosInputFieldBuilder) => ({
  name: t.string({ required }),
  cadence: t.field({ type: Cadence, required }),
  weekday: t.int({ description: "weekly: 0 = Sunday … 6 = Saturday" }),
  dayOfMonth: t.int({ description: "monthly: 1 … 31 (the last day of shorter months)" }),
  time: t.string({ required, description: "HH:MM in timezone" }),
  timezone: t.string({ required }),
  types: t.field({ type: [TypeInput], required }),
  channel: t.field({ type: Channel, required }),
  recipients: t.stringList(),
  slackChannelId: t.string(),
});
type PothosInputFieldBuilder = Parameters<Parameters<typeof builder.inputType>[1]["fields"]>[0];
const CreateInput = builder.inputType("CreateReportSubscriptionInput", { fields: fieldsOf(true) });
const UpdateInput = builder.inputType("UpdateReportSubscriptionInput", { fields: fieldsOf(false) });

/** A mutation for admin keys returning one subscription. */
function manage<Args extends InputFieldMap>(
  name: string,
  args: (t: Parameters<Parameters<typeof builder.mutationField>[1]>[0]) => Args,
  resolve: (args: Record<string, unknown>, ctx: GraphQLContext) => Promise<ReportSubscription>,
  description: string,
) {
  builder.mutationField(name, (t) =>
    t.field({
      type: SubscriptionRef,
      errors: {},
      description,
      args: args(t),
      resolve: (_r, a, ctx) => {
        requireCapability(ctx.key, "manage");
        return resolve(a as Record<string, unknown>, ctx);
      },
    }),
  );
}

const idArg = (t: Parameters<Parameters<typeof builder.mutationField>[1]>[0]) => ({ id: t.arg.id({ required: true }) });

manage("createReportSubscription", (t) => ({ input: t.arg({ type: CreateInput, required: true }) }),
  (a, ctx) => createSubscription(ctx.app.db, ctx.workspace, a.input as SubscriptionInput, ctx.app.now()),
  "Runs are due from now on; each covers the previous full week or month in its time zone.");
manage("updateReportSubscription", (t) => ({ id: t.arg.id({ required: true }), input: t.arg({ type: UpdateInput, required: true }) }),
  (a, ctx) => updateSubscription(ctx.app.db, ctx.workspace, String(a.id), a.input as Partial<SubscriptionInput>), "Changes any field; the whole subscription is checked again.");
manage("pauseReportSubscription", idArg, (a, ctx) => setActive(ctx.app.db, ctx.workspace.id, String(a.id), false, ctx.app.now()), "No runs while paused.");
manage("resumeReportSubscription", idArg, (a, ctx) => setActive(ctx.app.db, ctx.workspace.id, String(a.id), true, ctx.app.now()),
  "Runs are due again from now; periods that ended while paused are not delivered.");
manage("deleteReportSubscription", idArg, (a, ctx) => deleteSubscription(ctx.app.db, ctx.workspace.id, String(a.id)), "Deletes it with its history.");

/** Delivers a just-queued run in this request; other due runs stay with the scheduler. */
async function sendNow(ctx: GraphQLContext, run: ReportRun): Promise<ReportRun> {
  const deliverers = buildDeliverers(ctx.app.env);
  try {
    await deliverRunNow(ctx.app, deliverers, run.id);
  } finally {
    deliverers.email?.close();
  }
  return ctx.app.db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } });
}

builder.mutationField("sendReportSubscriptionTest", (t) =>
  t.field({
    type: RunRef,
    errors: {},
    description: "Delivers the latest full period now, outside the schedule.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, { id }, ctx) => {
      requireCapability(ctx.key, "manage");
      const sub = await findSubscription(ctx.app.db, ctx.workspace.id, String(id));
      return sendNow(ctx, await enqueueRun(ctx.app.db, sub, ctx.workspace, "test", ctx.app.now()));
    },
  }),
);

builder.mutationField("resendReportRun", (t) =>
  t.field({
    type: RunRef,
    errors: {},
    description: "Delivers a past run's period again (rebuilt from current data).",
    args: { runId: t.arg.id({ required: true }) },
    resolve: async (_r, { runId }, ctx) => {
      requireCapability(ctx.key, "manage");
      const past = await ctx.app.db.prisma.reportRun.findFirst({ where: { id: String(runId), subscription: { workspaceId: ctx.workspace.id } } });
      const sub = past && (await findSubscription(ctx.app.db, ctx.workspace.id, past.subscriptionId));
      if (!past || !sub) throw new AppError("NOT_FOUND", `Report run "${runId}" not found`);
      const period = { from: { date: past.periodStart, timezone: sub.timezone }, to: { date: past.periodEnd, timezone: sub.timezone } };
      return sendNow(ctx, await enqueueRun(ctx.app.db, sub, ctx.workspace, "resend", ctx.app.now(), period));
    },
  }),
);
