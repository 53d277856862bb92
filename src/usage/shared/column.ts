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

/** Where a column appears: the optional fields of `Column`. */
type ColumnFlags = Pick<Column<unknown>, "byok" | "personal" | "ungroupedOnly" | "subgroup">;

type DeclareColumn<Row> = (field: keyof Row & string, description: string, flags?: ColumnFlags) => Column<Row>;

/** `sumNoCacheTokens` → `sum_no_cache_tokens`. */
const snakeCase = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Declares a row type's columns one a line, by kind:
 * `col.int("messagesTotal", "Total messages sent by the user")`. The CSV header is
 * the field in snake_case (`messages_total`), as for every column of the export guide.
 */
export function columnsFor<Row>(): Record<ColumnKind, DeclareColumn<Row>> {
  const of =
    (kind: ColumnKind): DeclareColumn<Row> =>
    (field, description, flags = {}) => ({ name: snakeCase(field), field, kind, description, ...flags });
  return {
    text: of("text"),
    date: of("date"),
    int: of("int"),
    money: of("money"),
    average: of("average"),
    ratio: of("ratio"),
    bool: of("bool"),
    json: of("json"),
  };
}

/** Period columns every export starts with. */
export interface PeriodFields {
  periodStart: string;
  periodEnd: string;
  orgId: string;
}

export function periodColumns<Row extends PeriodFields>(): Column<Row>[] {
  const col = columnsFor<Row>();
  return [
    col.date("periodStart", "Start date of the report"),
    col.date("periodEnd", "End date of the report"),
    col.text("orgId", "ID of the workspace"),
  ];
}
