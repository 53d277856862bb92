import { randomUUID } from "node:crypto";
import type { Database } from "../db/client.ts";
import { AppError, badRequest } from "../errors/app-error.ts";
import type { ReportRun, ReportSubscription, Workspace } from "../generated/prisma/client.ts";
import { canonicalDataType, checkGroupBy, DATA_TYPES, type DataTypeName, type GroupBy } from "../usage/shared/data-types.ts";
import { checkRecipients } from "./delivery/email.ts";
import { scheduleOf } from "./runs/plan-runs.ts";
import { uniqueTypes } from "./unique-types.ts";
import { nextRunTimes, reportPeriod, scheduleProblems } from "./schedule.ts";

export interface SubscriptionInput {
  name: string;
  cadence: "weekly" | "monthly";
  weekday?: number | null;
  dayOfMonth?: number | null;
  time: string;
  timezone: string;
  types: { dataType: string; groupBy?: string | null }[];
  channel: "email" | "slack";
  recipients?: string[] | null;
  slackChannelId?: string | null;
}

/** Every problem of a subscription for this workspace, each naming its field; the row's values when none. */
export function checkSubscription(input: SubscriptionInput, workspace: Pick<Workspace, "byok" | "firstWeekday">) {
  const problems: string[] = [];
  if (!input.name?.trim()) problems.push("name: must not be empty");
  const cadence =
    input.cadence === "weekly"
      ? { kind: "weekly" as const, weekday: input.weekday ?? -1, time: input.time }
      : { kind: "monthly" as const, dayOfMonth: input.dayOfMonth ?? -1, time: input.time };
  problems.push(...scheduleProblems({ cadence, timezone: input.timezone, firstWeekday: workspace.firstWeekday }));
  if (input.types.length === 0) problems.push("types: choose at least one data type");
  const types: { dataType: DataTypeName; groupBy: GroupBy | null }[] = [];
  for (const t of input.types) {
    if (!(DATA_TYPES as readonly string[]).includes(t.dataType)) {
      problems.push(`types: "${t.dataType}" is not one of ${DATA_TYPES.join(", ")}`);
      continue;
    }
    try {
      const dataType = t.dataType as DataTypeName;
      types.push({ dataType, groupBy: checkGroupBy(canonicalDataType(dataType), t.groupBy, workspace) });
    } catch (error) {
      problems.push(`types: ${(error as Error).message}`);
    }
  }
  const recipients = input.channel === "email" ? (input.recipients ?? []) : [];
  if (input.channel === "email") {
    try {
      checkRecipients(recipients);
    } catch (error) {
      problems.push(`recipients: ${(error as Error).message}`);
    }
  }
  if (input.channel === "slack" && !input.slackChannelId?.trim()) problems.push("slackChannelId: required for Slack delivery");
  if (problems.length > 0) throw badRequest(problems);
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
}

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
  const current: SubscriptionInput = { ...sub, types: sub.types as SubscriptionInput["types"] };
  const values = checkSubscription({ ...current, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) }, workspace);
  return db.prisma.reportSubscription.update({ where: { id }, data: values });
}

/** Pauses, or resumes from `now`: periods that ended while paused are not delivered. */
export async function setActive(db: Database, workspaceId: string, id: string, active: boolean, now: Date) {
  const sub = await findSubscription(db, workspaceId, id);
  if (sub.active === active) return sub;
  return db.prisma.reportSubscription.update({ where: { id }, data: active ? { active, scheduledFrom: now } : { active } });
}

export async function deleteSubscription(db: Database, workspaceId: string, id: string) {
  const sub = await findSubscription(db, workspaceId, id);
  await db.prisma.reportSubscription.delete({ where: { id } });
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
      id: randomUUID(), subscriptionId: sub.id, kind,
      periodStart: period.from.date, periodEnd: period.to.date, dueAt: now, nextAttemptAt: now,
    },
  });
}

/** The next run instants of a subscription (its preview). */
export function previewRuns(sub: ReportSubscription, workspace: Pick<Workspace, "firstWeekday">, now: Date, count = 5): Date[] {
  return nextRunTimes(scheduleOf(sub, workspace), now > sub.scheduledFrom ? now : sub.scheduledFrom, count);
}
