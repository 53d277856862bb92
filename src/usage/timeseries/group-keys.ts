import { Prisma } from "../../generated/prisma/client.ts";
import { z } from "zod";
import { attributesAt } from "../shared/directory-sql.ts";

/** What a time series may be split by, as `group_by` names it. */
export const TIMESERIES_GROUP_KEYS = [
  "model",
  "provider",
  "source",
  "deployment",
  "user",
  "department",
  "agent",
  "project",
  "api_key",
] as const;
export type TimeSeriesGroupKey = (typeof TIMESERIES_GROUP_KEYS)[number];

/** A `group_by` list: known keys, each once; absent or empty is one result per bucket. */
export const timeSeriesGroupBy = z
  .array(
    z.enum(TIMESERIES_GROUP_KEYS, {
      error: (issue) => `"${String(issue.input)}" is not one of ${TIMESERIES_GROUP_KEYS.join(", ")}`,
    }),
    { error: "must be a list of keys" },
  )
  .nullish()
  .transform((keys) => keys ?? [])
  .superRefine((keys, ctx) => {
    const repeated = keys.filter((key, i) => keys.indexOf(key) !== i);
    for (const key of new Set(repeated)) ctx.addIssue({ code: "custom", message: `names "${key}" more than once` });
  });

/**
 * How each key is read. `column`: the usage unit column it is grouped on first
 * (per bucket); `value`: the result key, from that first aggregate `a`.
 * Directory attributes are those in force at the bucket's end (`a.last_at`), as
 * the exports read them at the period's end.
 */
const KEY_SQL: Record<TimeSeriesGroupKey, { column: string; value: (ws: string) => Prisma.Sql }> = {
  model: { column: "model", value: () => Prisma.sql`a.model` },
  provider: { column: "provider", value: () => Prisma.sql`a.provider` },
  source: { column: "source", value: () => Prisma.sql`a.source` },
  // Its name, as the models export writes it (the id when the directory does not know it); null for non-BYOK records.
  deployment: {
    column: "deployment_id",
    value: (ws) =>
      Prisma.sql`case when a.deployment_id is not null then coalesce((${attributesAt(ws, "deployment", Prisma.sql`a.deployment_id`, Prisma.sql`a.last_at`)})->>'name', a.deployment_id) end`,
  },
  user: { column: "user_id", value: () => Prisma.sql`a.user_id` },
  department: {
    column: "user_id",
    value: (ws) => Prisma.sql`(${attributesAt(ws, "user", Prisma.sql`a.user_id`, Prisma.sql`a.last_at`)})->>'department'`,
  },
  agent: { column: "agent_id", value: () => Prisma.sql`a.agent_id` },
  project: { column: "project_id", value: () => Prisma.sql`a.project_id` },
  api_key: { column: "api_key_id", value: () => Prisma.sql`a.api_key_id` },
};

/** The unit columns the first aggregate groups on (each once: `user` and `department` share `user_id`). */
export function keyColumns(keys: readonly TimeSeriesGroupKey[]): Prisma.Sql[] {
  return [...new Set(keys.map((k) => KEY_SQL[k].column))].map((c) => Prisma.raw(c));
}

/** The result keys as `k0`, `k1`, … in the order given. */
export function keyValues(workspaceId: string, keys: readonly TimeSeriesGroupKey[]): Prisma.Sql[] {
  return keys.map((k, i) => Prisma.sql`${KEY_SQL[k].value(workspaceId)} as ${Prisma.raw(`k${i}`)}`);
}
