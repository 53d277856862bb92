import { DateTime } from "luxon";
import type { Database } from "../../db/client.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import type { Period } from "../../periods/period.ts";

/** Messages per calendar day of the period (in its time zone), one series per normalized model. */
export interface DailySeries {
  /** Every day of the period, YYYY-MM-DD, including days without messages. */
  days: string[];
  /** Busiest model first (ties by name); `messages[i]` belongs to `days[i]`. */
  models: { model: string; total: number; messages: number[] }[];
}

/** Every date from `startDate` to `endDate` inclusive. */
function datesBetween(startDate: string, endDate: string): string[] {
  const days: string[] = [];
  const last = DateTime.fromISO(endDate, { zone: "UTC" });
  for (let d = DateTime.fromISO(startDate, { zone: "UTC" }); d <= last; d = d.plus({ days: 1 })) days.push(d.toISODate()!);
  return days;
}

/**
 * Reads raw message records: the daily rollups are UTC days, and a period in
 * another time zone splits its days elsewhere. One indexed range scan per call
 * (workspace_id, occurred_at); a local-day rollup would be the next step for
 * year-long ranges of very large workspaces.
 */
export async function dailyMessagesByModel(db: Database, workspaceId: string, period: Period): Promise<DailySeries> {
  const rows = await db.prisma.$queryRaw<{ day: string; model: string; messages: number }[]>(Prisma.sql`
    select to_char(occurred_at at time zone ${period.timezone}, 'YYYY-MM-DD') as day, model, count(*)::int as messages
    from usage_records
    where workspace_id = ${workspaceId} and kind = 'message' and occurred_at >= ${period.from} and occurred_at <= ${period.to}
    group by 1, 2`);
  const days = datesBetween(period.startDate, period.endDate);
  const index = new Map(days.map((d, i) => [d, i]));
  const byModel = new Map<string, number[]>();
  for (const r of rows) {
    const i = index.get(r.day);
    if (i === undefined) continue;
    let series = byModel.get(r.model);
    if (!series) {
      series = days.map(() => 0);
      byModel.set(r.model, series);
    }
    series[i] = (series[i] ?? 0) + r.messages;
  }
  const models = [...byModel].map(([model, messages]) => ({ model, messages, total: messages.reduce((a, b) => a + b, 0) }));
  models.sort((a, b) => b.total - a.total || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  return { days, models };
}
