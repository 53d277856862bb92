import { deliverDueReports } from "../../reports/process-due-runs.ts";
import { runBackgroundTask } from "../../runtime/background-task.ts";
import { AppError } from "../../errors/app-error.ts";
import { timeZone } from "../../periods/time-zone.ts";
import { createSubscription, previewRuns, type SubscriptionInput } from "../../reports/subscriptions.ts";
import { defineCommand, defineWorkspaceCommand } from "./command.ts";
import { flag, given, instant, text } from "./flags.ts";

/** `reports run-due [--now ISO]`: delivers every report due at that instant, then exits. */
export const reportsRunDue = defineCommand({
  name: "reports run-due",
  description: "Deliver every report due at that instant, then exit; prints counts",
  flags: { now: flag({ value: "<iso>", help: "the instant to act as now (default: the clock)" }, instant.optional()) },
  async run(app, { now }) {
    const at = now ?? app.now();
    return runBackgroundTask({ ...app, now: () => at }, deliverDueReports);
  },
});

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** `monday`, `mon` or `1` → 1; anything else → -1 (rejected by the subscription check). */
export function parseWeekday(text: string): number {
  const t = text.trim().toLowerCase();
  if (/^[0-6]$/.test(t)) return Number(t);
  return WEEKDAYS.findIndex((d) => t.length >= 3 && d.startsWith(t));
}

/** `users,agents:model,models:source` → data types with their group_by. */
export function parseTypes(text: string): { dataType: string; groupBy: string | null }[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [dataType, groupBy] = s.split(":");
      return { dataType: dataType!, groupBy: groupBy ?? null };
    });
}

/**
 * `reports create --workspace ID --name N (--weekly DAY | --monthly DAY_OF_MONTH) --at HH:MM --tz TZ
 *  --types users,agents:model (--email a@x.io,b@x.io | --slack CHANNEL_ID)` → `{ subscriptionId }`.
 */
export const reportsCreate = defineWorkspaceCommand({
  name: "reports create",
  description: "Create a weekly or monthly report; prints { subscriptionId }",
  flags: {
    name: flag({ value: "<name>", help: "report name (names the zip)" }, text),
    weekly: flag({ value: "<day>", help: "weekday: sunday … saturday (or 0 … 6)" }, text.optional()),
    monthly: flag({ value: "<day>", help: "day of month 1 … 31 (the last day of shorter months)" }, text.optional()),
    at: flag({ value: "<HH:MM>", help: "time of day in --tz" }, text),
    tz: flag({ value: "<zone>", help: "IANA time zone of the schedule and periods" }, text.pipe(timeZone)),
    types: flag({ value: "<list>", help: "data types, each optionally :group_by, e.g. users,agents:model,models:source" }, text),
    email: flag({ value: "<addresses>", help: "comma-separated recipients" }, text.optional()),
    slack: flag({ value: "<channel>", help: "Slack channel id" }, text.optional()),
  },
  rules: (args) => [
    ...(given(args, "weekly") === given(args, "monthly") ? ["give exactly one of --weekly DAY or --monthly DAY_OF_MONTH"] : []),
    ...(given(args, "email") === given(args, "slack") ? ["give exactly one of --email ADDRESSES or --slack CHANNEL_ID"] : []),
  ],
  async run(app, workspace, flags) {
    const input: SubscriptionInput = {
      name: flags.name,
      cadence: flags.weekly !== undefined ? "weekly" : "monthly",
      weekday: flags.weekly !== undefined ? parseWeekday(flags.weekly) : null,
      dayOfMonth: flags.monthly !== undefined ? (/^\d+$/.test(flags.monthly) ? Number(flags.monthly) : -1) : null,
      time: flags.at,
      timezone: flags.tz,
      types: parseTypes(flags.types),
      channel: flags.email !== undefined ? "email" : "slack",
      recipients: flags.email?.split(",").map((r) => r.trim()) ?? null,
      slackChannelId: flags.slack ?? null,
    };
    const sub = await createSubscription(app.db, workspace, input, app.now());
    return { subscriptionId: sub.id };
  },
});

/** `reports list --workspace ID` → the subscriptions with their next run times. */
export const reportsList = defineWorkspaceCommand({
  name: "reports list",
  description: "List a workspace's reports with their next run times",
  flags: {},
  async run(app, workspace) {
    const subs = await app.db.prisma.reportSubscription.findMany({ where: { workspaceId: workspace.id }, orderBy: { createdAt: "asc" } });
    return subs.map((s) => ({
      id: s.id,
      name: s.name,
      cadence: s.cadence,
      weekday: s.weekday,
      dayOfMonth: s.dayOfMonth,
      time: s.time,
      timezone: s.timezone,
      types: s.types,
      channel: s.channel,
      recipients: s.recipients,
      slackChannelId: s.slackChannelId,
      active: s.active,
      nextRuns: s.active ? previewRuns(s, workspace, app.now(), 3) : [],
    }));
  },
});

/** `reports history --subscription ID` → its runs, newest first, each with every attempt. */
export const reportsHistory = defineCommand({
  name: "reports history",
  description: "A report's deliveries, newest first, with every attempt",
  flags: { subscription: flag({ value: "<id>", help: "subscription id" }, text) },
  async run(app, { subscription: subscriptionId }) {
    // By id alone (the command names no workspace): the one look-up across workspaces; the rest is the subscription's.
    const sub = await app.db.prisma.reportSubscription.findFirst({ where: { id: subscriptionId } });
    if (!sub) throw new AppError("NOT_FOUND", `Report subscription "${subscriptionId}" not found`);
    const runs = await app.db.prisma.reportRun.findMany({
      where: { workspaceId: sub.workspaceId, subscriptionId },
      orderBy: [{ dueAt: "desc" }, { createdAt: "desc" }],
      include: { attemptLog: { orderBy: { attempt: "asc" } } },
    });
    return runs.map((r) => ({
      id: r.id,
      kind: r.kind,
      periodStart: r.periodStart,
      periodEnd: r.periodEnd,
      dueAt: r.dueAt,
      status: r.status,
      attempts: r.attemptLog.map((x) => ({
        attempt: x.attempt,
        startedAt: x.startedAt,
        outcome: x.outcome,
        error: x.error,
        detail: x.detail,
      })),
    }));
  },
});
