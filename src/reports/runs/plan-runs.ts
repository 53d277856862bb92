import { randomUUID } from "node:crypto";
import type { Database } from "../../db/client.ts";
import type { ReportSubscription } from "../../generated/prisma/client.ts";
import { dueRuns, type ReportSchedule } from "./schedule.ts";

/** A subscription's schedule, in the shape schedule.ts computes with. */
export function scheduleOf(sub: ReportSubscription, workspace: { firstWeekday: number }): ReportSchedule {
  const cadence =
    sub.cadence === "weekly"
      ? { kind: "weekly" as const, weekday: sub.weekday ?? 1, time: sub.time }
      : { kind: "monthly" as const, dayOfMonth: sub.dayOfMonth ?? 1, time: sub.time };
  return { cadence, timezone: sub.timezone, firstWeekday: workspace.firstWeekday };
}

const dedupeKey = (subscriptionId: string, periodStart: string) => `${subscriptionId}:${periodStart}`;

/**
 * Inserts a pending run for every scheduled slot due by `now` that has none:
 * after downtime, every missed period. Several instances may plan at once: the
 * unique dedupe key makes the second insert of a slot a no-op. Returns how many
 * runs this call created. With `onError`, a subscription that cannot be planned
 * is reported and skipped, so it does not hold back every other one.
 */
export async function planDueRuns(
  db: Database,
  now: Date,
  opts: { onError?: (subscriptionId: string, error: unknown) => void } = {},
): Promise<number> {
  // Every workspace's active subscriptions: a scan across workspaces by design (docs/scale-out.md).
  const subs = await db.prisma.reportSubscription.findMany({
    where: { active: true },
    include: {
      workspace: { select: { firstWeekday: true } },
      runs: { where: { kind: "scheduled" }, orderBy: { dueAt: "desc" }, take: 1, select: { dueAt: true } },
    },
  });
  let created = 0;
  for (const sub of subs) {
    try {
      created += await planSubscription(db, sub, now);
    } catch (error) {
      if (!opts.onError) throw error;
      opts.onError(sub.id, error);
    }
  }
  return created;
}

type PlannedSubscription = ReportSubscription & { workspace: { firstWeekday: number }; runs: { dueAt: Date }[] };

/** Inserts the missing runs of one subscription; returns how many. */
async function planSubscription(db: Database, sub: PlannedSubscription, now: Date): Promise<number> {
  const last = sub.runs[0]?.dueAt;
  const since = last && last > sub.scheduledFrom ? last : sub.scheduledFrom;
  const slots = dueRuns(scheduleOf(sub, sub.workspace), since, now);
  if (slots.length === 0) return 0;
  const { count } = await db.prisma.reportRun.createMany({
    data: slots.map((slot) => ({
      workspaceId: sub.workspaceId,
      id: randomUUID(),
      subscriptionId: sub.id,
      kind: "scheduled" as const,
      dedupeKey: dedupeKey(sub.id, slot.period.from.date),
      periodStart: slot.period.from.date,
      periodEnd: slot.period.to.date,
      dueAt: slot.runAt,
      nextAttemptAt: slot.runAt,
    })),
    skipDuplicates: true,
  });
  return count;
}
