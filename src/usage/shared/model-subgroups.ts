import { Prisma } from "../../generated/prisma/client.ts";
import { type Column, columnsFor, type PeriodFields, periodColumns } from "./column.ts";
import type { UsageQueryInput } from "./query-input.ts";

// `group_by=model` for users, agents and API keys: shared so the three split
// their rows per model alike (SPEC: subgroup rows).

/** The columns that key a row: the period's, the entity's id, then `model` (on subgroup rows only). */
export function keyColumns<Row extends PeriodFields & { model: string | null }>(id: Column<Row>): Column<Row>[] {
  const model = columnsFor<Row>().text("model", "Normalized model name (subgroup rows)", { subgroup: "model" });
  return [...periodColumns<Row>(), id, model];
}

type SubgroupId = "user_id" | "agent_id" | "api_key_id";

/** How a query groups its `agg` (`groupKey`) and joins it to its rows (`joinAgg` joins `agg a` to `base b`). */
export function subgroupKeys(input: UsageQueryInput, id: SubgroupId) {
  const grouped = input.groupBy === "model";
  const key = Prisma.raw(id);
  return {
    grouped,
    groupKey: grouped ? Prisma.sql`${key}, model` : key,
    joinAgg: Prisma.sql`left join agg a on a.${key} = b.${key} ${grouped ? Prisma.sql`and a.model = b.model` : Prisma.empty}`,
  };
}

/**
 * The SQL of rows per entity, or per (entity, model) with `group_by=model`
 * (subgroupKeys). Its `base` lists the rows: ungrouped,
 * every entity in `existing` (ids as `entity_id`, e.g. existingDuring) or in
 * `agg`, with a null model; grouped, the (entity, model) pairs of `agg`.
 */
export function modelSubgroups(input: UsageQueryInput, id: SubgroupId, existing: Prisma.Sql) {
  const keys = subgroupKeys(input, id);
  const key = Prisma.raw(id);
  return {
    ...keys,
    base: keys.grouped
      ? Prisma.sql`select ${key}, model from agg`
      : // A full join, not a union: a union hashes every member to drop duplicates; this hashes agg's few rows.
        Prisma.sql`select coalesce(k.entity_id, a.${key}) as ${key}, null::text as model
          from (${existing}) k full join agg a on a.${key} = k.entity_id`,
  };
}
