import { Prisma } from "../../generated/prisma/client.ts";
import type { Database } from "../../db/client.ts";

/** The partitioned usage tables, in the order writers and retention lock them. */
export const USAGE_PARTITIONED_TABLES = ["usage_records", "usage_daily", "usage_daily_models", "usage_daily_conversations"] as const;

export interface UsagePartition {
  /** `<table>_pYYYYMM`, as usage_partitions_ensure names them. */
  name: string;
  table: (typeof USAGE_PARTITIONED_TABLES)[number];
  /** Its month's first day, `YYYY-MM-01`. */
  month: string;
}

const PARTITION_NAME = /^(usage_records|usage_daily|usage_daily_models|usage_daily_conversations)_p(\d{4})(\d{2})$/;

/** Every month partition of the usage tables (from pg_inherits), by month, then table. Tables named otherwise are not ours to touch. */
export async function listUsagePartitions(db: Database): Promise<UsagePartition[]> {
  const rows = await db.read<{ name: string }>(Prisma.sql`
    select c.relname::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = any(array[${Prisma.join([...USAGE_PARTITIONED_TABLES])}]::regclass[])`);
  return rows
    .flatMap(({ name }) => {
      const m = PARTITION_NAME.exec(name);
      const table = USAGE_PARTITIONED_TABLES.find((t) => t === m?.[1]);
      return m && table ? [{ name, table, month: `${m[2]}-${m[3]}-01` }] : [];
    })
    .sort(
      (a, b) => a.month.localeCompare(b.month) || USAGE_PARTITIONED_TABLES.indexOf(a.table) - USAGE_PARTITIONED_TABLES.indexOf(b.table),
    );
}
