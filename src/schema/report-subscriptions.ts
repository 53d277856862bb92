import type { InputFieldMap, InputShapeFromFields } from "@pothos/core";
import { AppError } from "../errors/app-error.ts";
import type { ReportRun, ReportSubscription } from "../generated/prisma/client.ts";
import { deliverRunNowTask } from "../reports/process-due-runs.ts";
import { MAX_ATTEMPTS } from "../reports/runs/claim-run.ts";
import {
  createSubscription,
  deleteSubscription,
  enqueueRun,
  findSubscription,
  previewRuns,
  setActive,
  updateSubscription,
  type SubscriptionInput,
} from "../reports/subscriptions.ts";
import { runBackgroundTask } from "../runtime/background-task.ts";
import { builder, COSTED_BY_DATA_LIST, type GraphQLContext } from "./builder.ts";
import { DataTypeEnum, GroupByEnum } from "./exports.ts";

const Cadence = builder.enumType("ReportCadence", { values: ["weekly", "monthly"] as const });
const Channel = builder.enumType("ReportChannel", { values: ["email", "slack"] as const });

// Subscriptions, their runs and each run's attempts are Prisma objects: a screen's
// list with its history is one findMany with its relations included (no query per row).

builder.prismaObject("DeliveryAttempt", {
  fields: (t) => ({
    attempt: t.exposeInt("attempt"),
    startedAt: t.expose("startedAt", { type: "DateTime" }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
    outcome: t.exposeString("outcome", {
      nullable: true,
      description:
        "delivered, retrying, failed, or abandoned (its worker crashed or was cut short; set when the run is taken over); null while running",
    }),
    error: t.exposeString("error", { nullable: true }),
    detail: t.exposeString("detail", { nullable: true, description: "SMTP message id or Slack file id" }),
  }),
});

/** How many runs a `runs(first:)` page holds (and is costed at). */
const runsPage = (first: number | null | undefined) => Math.max(0, Math.min(first ?? 20, 100));

const RunRef = builder.prismaObject("ReportRun", {
  fields: (t) => ({
    id: t.exposeID("id"),
    kind: t.exposeString("kind", { description: "scheduled, test or resend" }),
    periodStart: t.expose("periodStart", { type: "Date" }),
    periodEnd: t.expose("periodEnd", { type: "Date" }),
    dueAt: t.expose("dueAt", { type: "DateTime" }),
    status: t.exposeString("status", { description: "pending, running, delivered or failed" }),
    attempts: t.exposeInt("attempts"),
    deliveredAt: t.expose("deliveredAt", { type: "DateTime", nullable: true }),
    lastError: t.exposeString("lastError", { nullable: true }),
    attemptLog: t.relation("attemptLog", {
      query: { orderBy: { attempt: "asc" } },
      // Costed at its real bound, not the default list multiplier: a screen that
      // lists subscriptions with their history and attempts stays under the limit.
      complexity: { field: 1, multiplier: MAX_ATTEMPTS },
    }),
  }),
});

interface ReportDataType {
  dataType: string;
  groupBy: string | null;
}
const TypeRef = builder.objectRef<ReportDataType>("ReportDataType").implement({
  fields: (t) => ({ dataType: t.exposeString("dataType"), groupBy: t.exposeString("groupBy", { nullable: true }) }),
});

/** The stored `types` JSON (`[{ dataType, groupBy }]`, as src/reports/subscriptions.ts writes it), read back checked. */
function typesOf(stored: ReportSubscription["types"]): ReportDataType[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((t) =>
    typeof t === "object" && t !== null && "dataType" in t && typeof t.dataType === "string"
      ? [{ dataType: t.dataType, groupBy: "groupBy" in t && typeof t.groupBy === "string" ? t.groupBy : null }]
      : [],
  );
}

const SubscriptionRef = builder.prismaObject("ReportSubscription", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    cadence: t.expose("cadence", { type: Cadence }),
    weekday: t.exposeInt("weekday", { nullable: true }),
    dayOfMonth: t.exposeInt("dayOfMonth", { nullable: true }),
    time: t.exposeString("time"),
    timezone: t.exposeString("timezone"),
    types: t.field({ type: [TypeRef], resolve: (s) => typesOf(s.types) }),
    channel: t.expose("channel", { type: Channel }),
    recipients: t.exposeStringList("recipients"),
    slackChannelId: t.exposeString("slackChannelId", { nullable: true }),
    active: t.exposeBoolean("active"),
    nextRuns: t.field({
      type: ["DateTime"],
      args: { count: t.arg.int({ defaultValue: 5 }) },
      resolve: (s, { count }, ctx) => (s.active ? previewRuns(s, ctx.workspace, ctx.app.now(), Math.min(count ?? 5, 20)) : []),
    }),
    runs: t.relation("runs", {
      description: "Delivery history, newest first.",
      args: { first: t.arg.int({ defaultValue: 20 }) },
      complexity: (args) => ({ field: 1, multiplier: runsPage(args.first) }),
      query: ({ first }) => ({ orderBy: [{ dueAt: "desc" }, { createdAt: "desc" }], take: runsPage(first) }),
    }),
  }),
});

builder.queryField("reportSubscriptions", (t) =>
  t.prismaField({
    type: ["ReportSubscription"],
    errors: {},
    authScopes: { query: true },
    complexity: COSTED_BY_DATA_LIST,
    resolve: (query, _r, _a, ctx) =>
      ctx.app.db.prisma.reportSubscription.findMany({ ...query, where: { workspaceId: ctx.workspace.id }, orderBy: { createdAt: "asc" } }),
  }),
);

const TypeInput = builder.inputType("ReportDataTypeInput", {
  fields: (t) => ({ dataType: t.field({ type: DataTypeEnum, required: true }), groupBy: t.field({ type: GroupByEnum }) }),
});
const fieldsOf =
  <Required extends boolean>(required: Required) =>
  (t: PothosInputFieldBuilder) => ({
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

type MutationFieldBuilder = Parameters<Parameters<typeof builder.mutationField>[1]>[0];

/** A mutation for admin keys returning one subscription; `resolve` gets the arguments as `args` types them. */
function manage<Args extends InputFieldMap>(
  name: string,
  description: string,
  args: (t: MutationFieldBuilder) => Args,
  resolve: (args: InputShapeFromFields<Args>, ctx: GraphQLContext) => Promise<ReportSubscription>,
) {
  builder.mutationField(name, (t) =>
    t.field({
      type: SubscriptionRef,
      errors: {},
      authScopes: { manage: true },
      description,
      args: args(t),
      resolve: (_r, a, ctx) => resolve(a, ctx),
    }),
  );
}

const idArg = (t: MutationFieldBuilder) => ({ id: t.arg.id({ required: true }) });

/**
 * An update as `updateSubscription` takes it: a field every subscription has
 * (name, cadence, time, timezone, types, channel) is left unchanged when null,
 * as when omitted; null clears the others (weekday, dayOfMonth, recipients, slackChannelId).
 */
function patchOf(input: (typeof UpdateInput)["$inferInput"]): Partial<SubscriptionInput> {
  const { name, cadence, time, timezone, types, channel, ...clearable } = input;
  return {
    ...clearable,
    name: name ?? undefined,
    cadence: cadence ?? undefined,
    time: time ?? undefined,
    timezone: timezone ?? undefined,
    types: types ?? undefined,
    channel: channel ?? undefined,
  };
}

manage(
  "createReportSubscription",
  "Runs are due from now on; each covers the previous full week or month in its time zone.",
  (t) => ({ input: t.arg({ type: CreateInput, required: true }) }),
  ({ input }, ctx) => createSubscription(ctx.app.db, ctx.workspace, input, ctx.app.now()),
);
manage(
  "updateReportSubscription",
  "Changes any field; the whole subscription is checked again.",
  (t) => ({ id: t.arg.id({ required: true }), input: t.arg({ type: UpdateInput, required: true }) }),
  ({ id, input }, ctx) => updateSubscription(ctx.app.db, ctx.workspace, String(id), patchOf(input)),
);
manage("pauseReportSubscription", "No runs while paused.", idArg, ({ id }, ctx) =>
  setActive(ctx.app.db, ctx.workspace.id, String(id), false, ctx.app.now()),
);
manage(
  "resumeReportSubscription",
  "Runs are due again from now; periods that ended while paused are not delivered.",
  idArg,
  ({ id }, ctx) => setActive(ctx.app.db, ctx.workspace.id, String(id), true, ctx.app.now()),
);
manage("deleteReportSubscription", "Deletes it with its history.", idArg, ({ id }, ctx) =>
  deleteSubscription(ctx.app.db, ctx.workspace.id, String(id)),
);

/** Delivers a just-queued run in this request; other due runs stay with the scheduler. */
async function sendNow(ctx: GraphQLContext, run: ReportRun): Promise<ReportRun> {
  await runBackgroundTask(ctx.app, deliverRunNowTask(run));
  return ctx.app.db.prisma.reportRun.findUniqueOrThrow({ where: { workspaceId_id: { workspaceId: run.workspaceId, id: run.id } } });
}

builder.mutationField("sendReportSubscriptionTest", (t) =>
  t.field({
    type: RunRef,
    errors: {},
    authScopes: { manage: true },
    description: "Delivers the latest full period now, outside the schedule.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, { id }, ctx) => {
      const sub = await findSubscription(ctx.app.db, ctx.workspace.id, String(id));
      return sendNow(ctx, await enqueueRun(ctx.app.db, sub, ctx.workspace, "test", ctx.app.now()));
    },
  }),
);

builder.mutationField("resendReportRun", (t) =>
  t.field({
    type: RunRef,
    errors: {},
    authScopes: { manage: true },
    description: "Delivers a past run's period again (rebuilt from current data).",
    args: { runId: t.arg.id({ required: true }) },
    resolve: async (_r, { runId }, ctx) => {
      const past = await ctx.app.db.prisma.reportRun.findUnique({
        where: { workspaceId_id: { workspaceId: ctx.workspace.id, id: String(runId) } },
      });
      const sub = past && (await findSubscription(ctx.app.db, ctx.workspace.id, past.subscriptionId));
      if (!past || !sub) throw new AppError("NOT_FOUND", `Report run "${runId}" not found`);
      const period = { from: { date: past.periodStart, timezone: sub.timezone }, to: { date: past.periodEnd, timezone: sub.timezone } };
      return sendNow(ctx, await enqueueRun(ctx.app.db, sub, ctx.workspace, "resend", ctx.app.now(), period));
    },
  }),
);
