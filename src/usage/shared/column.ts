import type { GroupBy } from "./data-types.ts";

/**
 * How a value is typed in GraphQL and written in a CSV cell:
 * text → String (formula-escaped in CSV); date → YYYY-MM-DD; int → Int;
 * money → Decimal string, up to 6 decimals; average → 2 decimals; ratio → 4
 * decimals; bool → true/false; json → `{key: count}` ordered by count, then key.
 */
export type ColumnKind = "text" | "date" | "int" | "money" | "average" | "ratio" | "bool" | "json";

/** One `{ key: count }` entry of a JSON breakdown column. */
export interface KeyCount {
  key: string;
  count: number;
}

export interface Column<Row> {
  /** CSV header, exactly as in the export guide. */
  name: string;
  /** The row property it reads, also the GraphQL field name. */
  field: keyof Row & string;
  kind: ColumnKind;
  description: string;
  /** Only for BYOK workspaces. */
  byok?: true;
  /** Identifies a person: removed when the workspace turns user-level data off. */
  personal?: true;
  /** Left out of subgroup rows. */
  ungroupedOnly?: true;
  /** The subgroup column itself: present only under this `group_by`. */
  subgroup?: GroupBy;
}

export interface ColumnSelection {
  byok: boolean;
  userLevelData: boolean;
  groupBy: GroupBy | null;
}

/** The columns of one export, in order, for a workspace's settings and a grouping. */
export function selectColumns<Row>(columns: readonly Column<Row>[], s: ColumnSelection): Column<Row>[] {
  return columns.filter(
    (c) =>
      (!c.byok || s.byok) &&
      (!c.personal || s.userLevelData) &&
      (!c.ungroupedOnly || s.groupBy === null) &&
      (!c.subgroup || c.subgroup === s.groupBy),
  );
}

/** Period columns every export starts with. */
export interface PeriodFields {
  periodStart: string;
  periodEnd: string;
  orgId: string;
}

export function periodColumns<Row extends PeriodFields>(): Column<Row>[] {
  return [
    { name: "period_start", field: "periodStart", kind: "date", description: "Start date of the report" },
    { name: "period_end", field: "periodEnd", kind: "date", description: "End date of the report" },
    { name: "org_id", field: "orgId", kind: "text", description: "ID of the workspace" },
  ];
}
