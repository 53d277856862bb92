import type { Database } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import { Prisma, type Workspace } from "../generated/prisma/client.ts";
import type { Period } from "../periods/period.ts";
import { toWorkspace, WORKSPACE_COLUMNS, type WorkspaceColumns } from "../workspaces/workspace-row.ts";
import { DATA_TYPE_SLICES, type RowOf } from "./registry.ts";
import { cachedRows, type CachedInput, type RowOrder } from "./result-cache.ts";
import { selectColumns, type Column } from "./shared/column.ts";
import { checkGroupBy, type DataType } from "./shared/data-types.ts";
import type { UsageQueryInput } from "./shared/query-input.ts";
import { streamRows } from "./shared/usage-query.ts";

// The read service: a period's usage rows of one data type. GraphQL pages, CSV
// exports and scheduled report zips all read through `readUsage`, so they see
// the same rows and the same columns.

/** What the read service needs of the caller's context (the AppContext of every entry point has it). */
interface HasDatabase {
  db: Database;
}

/** A workspace as the read service needs it: its row (a GraphQL request's, read moments ago), or its id. */
export type WorkspaceOrId = CachedInput["workspace"] | string;

/** One data type's usage for one period, optionally in subgroup rows (`group_by`, checked here). */
export interface UsageRequest<T extends DataType> {
  workspace: WorkspaceOrId;
  dataType: T;
  period: Period;
  groupBy?: string | null;
}

/** A checked request: its query input, the columns it may see, and its rows on demand. */
export interface UsageRead<T extends DataType> {
  input: CachedInput;
  /** The visible columns, in CSV order (BYOK, privacy, grouping). */
  columns: Column<RowOf[T]>[];
  /** True when the workspace has any usage record in the period (else exports answer 404). */
  hasUsage(): Promise<boolean>;
  /** All rows at once, in `order` or else export order, cached until the workspace's data changes (GraphQL pages, scheduled report summaries). */
  rows(order?: RowOrder<RowOf[T]> | null): Promise<RowOf[T][]>;
  /** Rows batch by batch through a cursor, never cached (CSV files: memory stays flat however many rows). */
  batches(opts?: { batchSize?: number; onTotal?: (rows: number) => void }): AsyncGenerator<RowOf[T][], void, undefined>;
}

/**
 * Opens a read of `request`: reads the workspace when given its id (404 when
 * missing), checks `group_by` against the data type and workspace (400), and
 * picks the visible columns. No usage is read until `rows` or `batches` is called.
 */
export async function readUsage<T extends DataType>(app: HasDatabase, request: UsageRequest<T>): Promise<UsageRead<T>> {
  const { dataType } = request;
  const input = await usageInput(app, request.workspace, dataType, request.period, request.groupBy);
  const slice = DATA_TYPE_SLICES[dataType];
  return {
    input,
    columns: selectColumns(slice.columns, { ...input.workspace, groupBy: input.groupBy }),
    hasUsage: () => hasUsage(app.db, input),
    rows: (order) => cachedRows(app.db, dataType, input, order),
    batches: (opts) => streamRows(app.db.replica, slice.query, input, opts),
  };
}

/** Builds the query input for a workspace, checking `group_by` against it (400). */
export async function usageInput(
  app: HasDatabase,
  workspaceOrId: WorkspaceOrId,
  type: DataType,
  period: Period,
  groupBy: string | null | undefined,
): Promise<CachedInput> {
  // A GraphQL request passes the workspace its authentication read moments ago
  // (data version included): one database round trip fewer per dashboard request.
  const workspace = typeof workspaceOrId === "string" ? await readWorkspace(app.db, workspaceOrId) : workspaceOrId;
  return { workspace, period, groupBy: checkGroupBy(type, groupBy, workspace) };
}

/**
 * On the primary, not the replica: the workspace's settings decide which columns
 * an export may show (user-level data, BYOK), and a change to them must hold at once.
 */
async function readWorkspace(db: Database, workspaceId: string): Promise<Workspace> {
  const [row] = await db.read<WorkspaceColumns>(Prisma.sql`select ${WORKSPACE_COLUMNS} from workspaces w where w.id = ${workspaceId}`);
  if (!row) throw new AppError("NOT_FOUND", `Workspace "${workspaceId}" does not exist`);
  return toWorkspace(row);
}

/** True when the workspace has any usage record in the period: on the replica, as the rows it stands for. */
export async function hasUsage(db: Database, input: Pick<UsageQueryInput, "workspace" | "period">): Promise<boolean> {
  const [row] = await db.replica.read<{ found: boolean }>(Prisma.sql`select exists (
    select 1 from usage_records
    where workspace_id = ${input.workspace.id} and occurred_at >= ${input.period.from} and occurred_at <= ${input.period.to}
  ) as found`);
  return row?.found === true;
}
