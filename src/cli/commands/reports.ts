import { buildDeliverers } from "../../reports/delivery/build-deliverer.ts";
import { processDueRuns } from "../../reports/process-due-runs.ts";
import { AppError } from "../../errors/app-error.ts";
import { createSubscription, previewRuns, type SubscriptionInput } from "../../reports/subscriptions.ts";
import { ArgReader, loadWorkspace, parseWorkspaceOnly } from "./args.ts";
import { defineCommand } from "./command.ts";

/** `reports run-due [--now ISO]`: delivers every report due at that instant, then exits. */
export const reportsRunDue = defineCommand({
  name: "reports run-due",
  parse(args) {
    const a = new ArgReader(args);
    const text = a.string("now");
    const now = text === undefined ? null : new Date(text);
    if (now && Number.isNaN(now.getTime())) a.problem(`--now "${text}" is not an ISO 8601 date-time`);
    a.check();
    return { now };
  },
  async run(app, { now }) {
    const at = now ?? app.now();
    const deliverers = buildDeliverers(app.env);
    try {
      return await processDueRuns({ ...app, now: () => at }, deliverers);
    } finally {
      deliverers.email?.close();
    }
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
export const reportsCreate = defineCommand({
  name: "reports create",
  parse(args) {
    const a = new ArgReader(args);
    const workspaceId = a.string("workspace", { required: true });
    const name = a.string("name", { required: true });
    const weekly = a.string("weekly");
    const monthly = a.string("monthly");
    if ((weekly === undefined) === (monthly === undefined)) a.problem("give exactly one of --weekly DAY or --monthly DAY_OF_MONTH");
    const email = a.string("email");
    const slack = a.string("slack");
    if ((email === undefined) === (slack === undefined)) a.problem("give exactly one of --email ADDRESSES or --slack CHANNEL_ID");
    const input: SubscriptionInput = {
      name,
      cadence: weekly !== undefined ? "weekly" : "monthly",
      weekday: weekly !== undefined ? parseWeekday(weekly) : null,
      dayOfMonth: monthly !== undefined ? (/^\d+$/.test(monthly) ? Number(monthly) : -1) : null,
      time: a.string("at", { required: true }),
      timezone: a.string("tz", { required: true }),
      types: parseTypes(a.string("types", { required: true }) ?? ""),
      channel: email !== undefined ? "email" : "slack",
      recipients: email?.split(",").map((r) => r.trim()) ?? null,
      slackChannelId: slack ?? null,
    };
    a.check();
    return { workspaceId, input };
  },
  async run(app, { workspaceId, input }) {
    const workspace = await loadWorkspace(app, workspaceId);
    const sub = await createSubscription(app.db, workspace, input, app.now());
    return { subscriptionId: sub.id };
  },
});

/** `reports list --workspace ID` → the subscriptions with their next run times. */
export const reportsList = defineCommand({
  name: "reports list",
  parse: parseWorkspaceOnly,
  async run(app, { workspaceId }) {
    const workspace = await loadWorkspace(app, workspaceId);
    const subs = await app.db.prisma.reportSubscription.findMany({ where: { workspaceId }, orderBy: { createdAt: "asc" } });
    return subs.map((s) => ({
      id: s.id, name: s.name, cadence: s.cadence, weekday: s.weekday, dayOfMonth: s.dayOfMonth, time: s.time, timezone: s.timezone,
      types: s.types, channel: s.channel, recipients: s.recipients, slackChannelId: s.slackChannelId, active: s.active,
      nextRuns: s.active ? previewRuns(s, workspace, app.now(), 3) : [],
    }));
  },
});

/** `reports history --subscription ID` → its runs, newest first, each with every attempt. */
export const reportsHistory = defineCommand({
  name: "reports history",
  parse(args) {
    const a = new ArgReader(args);
    const subscriptionId = a.string("subscription", { required: true });
    a.check();
    return { subscriptionId };
  },
  async run(app, { subscriptionId }) {
    const sub = await app.db.prisma.reportSubscription.findUnique({ where: { id: subscriptionId } });
    if (!sub) throw new AppError("NOT_FOUND", `Report subscription "${subscriptionId}" not found`);
    const runs = await app.db.prisma.reportRun.findMany({
      where: { subscriptionId },
      orderBy: [{ dueAt: "desc" }, { createdAt: "desc" }],
      include: { attemptLog: { orderBy: { attempt: "asc" } } },
    });
    return runs.map((r) => ({
      id: r.id, kind: r.kind, periodStart: r.periodStart, periodEnd: r.periodEnd, dueAt: r.dueAt, status: r.status,
      attempts: r.attemptLog.map((x) => ({ attempt: x.attempt, startedAt: x.startedAt, outcome: x.outcome, error: x.error, detail: x.detail })),
    }));
  },
});
