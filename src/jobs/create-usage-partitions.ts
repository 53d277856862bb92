import type { AppContext } from "../runtime/context.ts";
import { ensureUsagePartitions } from "../usage/partitions/ensure-partitions.ts";
import { monthOf, monthsFrom } from "../usage/partitions/months.ts";
import type { Job } from "./job.ts";

/** This month and the next two: a month's partitions exist well before its first record. */
const MONTHS_AHEAD = 3;

/**
 * Creates the usage tables' partitions of the coming months ahead of time, so
 * ingestion at a month's turn finds them: it would create a missing one itself
 * (src/ingest/store-usage.ts), but attaching a partition waits for other
 * attaches and for maintenance of the tables, which is better done now.
 */
export async function createUsagePartitions(app: AppContext): Promise<{ months: string[] }> {
  const months = monthsFrom(monthOf(app.now()), MONTHS_AHEAD);
  await ensureUsagePartitions(app.db, months);
  return { months };
}

export const createUsagePartitionsJob: Job = {
  name: "create-usage-partitions",
  // Every day at 00:13 UTC.
  schedule: "13 0 * * *",
  run: createUsagePartitions,
};
