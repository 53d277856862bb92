import { randomUUID } from "node:crypto";
import type { Database } from "../db/client.ts";
import { z } from "zod";
import { AppError } from "../errors/app-error.ts";
import { type FieldLabel, parseInput } from "../errors/input.ts";
import type { ReportRun, ReportSubscription, Workspace } from "../generated/prisma/client.ts";
import {
  canonicalDataType,
  checkGroupBy,
  dataTypeProblem,
  isDataTypeName,
  type DataTypeName,
  type GroupBy,
} from "../usage/shared/data-types.ts";
import { checkRecipients } from "./delivery/email.ts";
import { scheduleOf } from "./runs/plan-runs.ts";
import { uniqueTypes } from "./unique-types.ts";
import { nextRunTimes, reportPeriod, scheduleProblems } from "./runs/schedule.ts";

/** A report's data types as GraphQL, the CLI and the stored row hold them (checked against the workspace below). */
const reportTypes = z.array(z.object({ dataType: z.string(), groupBy: z.string().nullish() }));

/** A subscription's fields as they cross a boundary: GraphQL's input, the CLI's flags, a stored row being changed. */
const subscriptionFields = z.object({
  name: z.string(),
  cadence: z.enum(["weekly", "monthly"]),
  weekday: z.number().nullish(),
  dayOfMonth: z.number().nullish(),
  time: z.string(),
  timezone: z.string(),
  types: reportTypes,
  channel: z.enum(["email", "slack"]),
  recipients: z.array(z.string()).nullish(),
  slackChannelId: z.string().nullish(),
});

export type SubscriptionInput = z.input<typeof subscriptionFields>;

/**
 * The subscription input check for a workspace: its fields, then every problem
 * at once, each naming its field (the schedule's own problems from
 * `scheduleProblems`, data types and group_by by their one rule in
 * src/usage/shared/data-types.ts); the row's values when none.
 */
const subscriptionFor = (workspace: Pick<Workspace, "byok" | "firstWeekday">) =>
  subscriptionFields.transform((input, ctx) => {
    const problems: string[] = [];
    if (!input.name.trim()) problems.push("name: must not be empty");
    const cadence =
      input.cadence === "weekly"
        ? { kind: "weekly" as const, weekday: input.weekday ?? -1, time: input.time }
        : { kind: "monthly" as const, dayOfMonth: input.dayOfMonth ?? -1, time: input.time };
    problems.push(...scheduleProblems({ cadence, timezone: input.timezone, firstWeekday: workspace.firstWeekday }));
    if (input.types.length === 0) problems.push("types: choose at least one data type");
    const types: { dataType: DataTypeName; groupBy: GroupBy | null }[] = [];
    for (const { dataType, groupBy } of input.types) {
      if (!isDataTypeName(dataType)) {
        problems.push(`types: ${dataTypeProblem(dataType)}`);
        continue;
      }
      try {
        types.push({ dataType, groupBy: checkGroupBy(canonicalDataType(dataType), groupBy, workspace) });
      } catch (error) {
        problems.push(`types: ${messageOf(error)}`);
      }
    }
    const recipients = input.channel === "email" ? (input.recipients ?? []) : [];
    if (input.channel === "email") {
      try {
        checkRecipients(recipients);
      } catch (error) {
        problems.push(`recipients: ${messageOf(error)}`);
      }
    }
    if (input.channel === "slack" && !input.slackChannelId?.trim()) problems.push("slackChannelId: required for Slack delivery");
    for (const message of problems) ctx.addIssue({ code: "custom", message });
    if (problems.length > 0) return z.NEVER;
    return {
      name: input.name.trim(),
      cadence: input.cadence,
      weekday: input.cadence === "weekly" ? input.weekday! : null,
      dayOfMonth: input.cadence === "monthly" ? input.dayOfMonth! : null,
      time: input.time,
      timezone: input.timezone,
      types: uniqueTypes(types),
      channel: input.channel,
      recipients,
      slackChannelId: input.channel === "slack" ? input.slackChannelId!.trim() : null,
    };
  });

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** GraphQL mutations (and the CLI, which relabels) name a field as `field:`; the checks above name their own. */
const subscriptionLabel: FieldLabel = (path) => (path.length > 0 ? `${path.map(String).join(".")}:` : "");

const checkSubscription = (input: unknown, workspace: Pick<Workspace, "byok" | "firstWeekday">) =>
  parseInput(subscriptionFor(workspace), input, subscriptionLabel);

export async function createSubscription(db: Database, workspace: Workspace, input: SubscriptionInput, now: Date) {
  const values = checkSubscription(input, workspace);
  // Runs are due from now on: a new subscription does not deliver the past.
  return db.prisma.reportSubscription.create({
    data: { id: `sub_${randomUUID().slice(0, 12)}`, workspaceId: workspace.id, ...values, scheduledFrom: now },
  });
}

/** A subscription of the workspace, or 404 (another workspace's is reported as unknown). */
export async function findSubscription(db: Database, workspaceId: string, id: string): Promise<ReportSubscription> {
  const sub = await db.prisma.reportSubscription.findFirst({ where: { id, workspaceId } });
  if (!sub) throw new AppError("NOT_FOUND", `Report subscription "${id}" not found`);
  return sub;
}

export async function updateSubscription(db: Database, workspace: Workspace, id: string, patch: Partial<SubscriptionInput>) {
  const sub = await findSubscription(db, workspace.id, id);
  const current: SubscriptionInput = { ...sub, types: reportTypes.parse(sub.types) };
  const values = checkSubscription(
    { ...current, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) },
    workspace,
  );
  return db.prisma.reportSubscription.update({ where: { workspaceId_id: { workspaceId: workspace.id, id } }, data: values });
}

/** Pauses, or resumes from `now`: periods that ended while paused are not delivered. */
export async function setActive(db: Database, workspaceId: string, id: string, active: boolean, now: Date) {
  const sub = await findSubscription(db, workspaceId, id);
  if (sub.active === active) return sub;
  return db.prisma.reportSubscription.update({
    where: { workspaceId_id: { workspaceId, id } },
    data: active ? { active, scheduledFrom: now } : { active },
  });
}

export async function deleteSubscription(db: Database, workspaceId: string, id: string) {
  const sub = await findSubscription(db, workspaceId, id);
  await db.prisma.reportSubscription.delete({ where: { workspaceId_id: { workspaceId, id } } });
  return sub;
}

/**
 * Queues an extra run, due now: a test of the latest full period, or a re-send
 * of a past run's period. It carries no dedupe key, so it never blocks or
 * replaces the scheduled delivery of that period.
 */
export async function enqueueRun(
  db: Database,
  sub: ReportSubscription,
  workspace: Pick<Workspace, "firstWeekday">,
  kind: "test" | "resend",
  now: Date,
  period = reportPeriod(scheduleOf(sub, workspace), now),
): Promise<ReportRun> {
  return db.prisma.reportRun.create({
    data: {
      workspaceId: sub.workspaceId,
      id: randomUUID(),
      subscriptionId: sub.id,
      kind,
      periodStart: period.from.date,
      periodEnd: period.to.date,
      dueAt: now,
      nextAttemptAt: now,
    },
  });
}

/** The next run instants of a subscription (its preview). */
export function previewRuns(sub: ReportSubscription, workspace: Pick<Workspace, "firstWeekday">, now: Date, count = 5): Date[] {
  return nextRunTimes(scheduleOf(sub, workspace), now > sub.scheduledFrom ? now : sub.scheduledFrom, count);
}
