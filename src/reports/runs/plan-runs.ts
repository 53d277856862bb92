import { randomUUID } from "node:crypto";
import type { Database } from "../../db/client.ts";
import type { ReportSubscription } from "../../generated/prisma/client.ts";
import { dueRuns, type ReportSchedule } from "../schedule.ts";

/** A subscription's schedule, in the shape src/reports/schedule.ts computes with. */
export function scheduleOf(sub: ReportSubscription, workspace: { firstWeekday: number }): ReportSchedule {
  const cadence =
    sub.cadence === "weekly"
      ? { kind: "weekly" as const, weekday: sub.weekday ?? 1, time: sub.time }
      : { kind: "monthly" as const, dayOfMonth: sub.dayOfMonth ?? 1, time: sub.time };
  return { cadence, timezone: sub.timezone, firstWeekday: workspace.firstWeekday };
}

export const dedupeKey = (subscriptionId: string, periodStart: string) => `${subscriptionId}:${periodStart}`;

/**
 * Inserts a pending run for every scheduled slot due by `now` that has none:
 * after downtime, every missed period. Several instances may plan at once: the
 * unique dedupe key makes the second insert of a slot a no-op. Returns how many
 * runs this call created.
 */
export async function planDueRuns(db: Database, now: Date): Promise<number> {
  const subs = await db.prisma.reportSubscription.findMany({
    where: { active: true },
    include: {
      workspace: { select: { firstWeekday: true } },
      runs: { where: { kind: "scheduled" }, orderBy: { dueAt: "desc" }, take: 1, select: { dueAt: true } },
    },
  });
  let created = 0;
  for (const sub of subs) {
    const last = sub.runs[0]?.dueAt;
    const since = last && last > sub.scheduledFrom ? last : sub.scheduledFrom;
    const slots = dueRuns(scheduleOf(sub, sub.workspace), since, now);
    if (slots.length === 0) continue;
    const { count } = await db.prisma.reportRun.createMany({
      data: slots.map((slot) => ({
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
    created += count;
  }
  return created;
}
