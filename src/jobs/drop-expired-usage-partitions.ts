import type { AppContext } from "../runtime/context.ts";
import { applyUsageRetention, type RetentionResult } from "../usage/partitions/retention.ts";
import type { Job } from "./job.ts";

/**
 * Drops the usage months past USAGE_RETENTION_MONTHS (SPEC §12): whole month
 * partitions of the records and rollups, then those records' keys
 * (src/usage/partitions/retention.ts). `app.now()` decides the month, so tests
 * move the clock instead of waiting for it.
 */
export async function dropExpiredUsagePartitions(app: AppContext, signal?: AbortSignal): Promise<RetentionResult> {
  const result = await applyUsageRetention(app.db, { now: app.now(), months: app.env.usageRetentionMonths, signal });
  if (result.postponed)
    app.log.warn({ firstKept: result.firstKept }, "usage retention postponed: the usage tables stayed busy; the next run tries again");
  else if (result.dropped.length + result.keysDeleted > 0)
    app.log.info({ firstKept: result.firstKept, dropped: result.dropped, keysDeleted: result.keysDeleted }, "dropped expired usage months");
  return result;
}

export const dropExpiredUsagePartitionsJob: Job = {
  name: "drop-expired-usage-partitions",
  // Every day at 03:23 UTC: a month goes on its expiry's first night, and a postponed run is retried a day later.
  schedule: "23 3 * * *",
  run: dropExpiredUsagePartitions,
};
