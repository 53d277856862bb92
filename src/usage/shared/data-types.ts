import { z } from "zod";
import { badRequest } from "../../errors/app-error.ts";

/** Every name a data type may be requested by; `assistants` is an alias of `agents`. */
export const DATA_TYPES = ["users", "agents", "assistants", "api_keys", "projects", "models"] as const;
export type DataTypeName = (typeof DATA_TYPES)[number];
/** The five kinds of rows the service computes. */
export type DataType = Exclude<DataTypeName, "assistants">;

export const GROUP_BYS = ["model", "source", "deployment"] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** The subgroups each data type offers; `deployment` also needs a BYOK workspace. */
export const GROUP_BY_OPTIONS: Record<DataType, readonly GroupBy[]> = {
  users: ["model"],
  agents: ["model"],
  api_keys: ["model"],
  projects: [],
  models: ["source", "deployment"],
};

/**
 * The names an export's REST path takes: every data type name, and `api-keys`, the
 * reference service's spelling of `api_keys`. Like `assistants`, an alias is answered
 * under the name it was asked by. GraphQL enum values and CLI words keep DATA_TYPES
 * (a GraphQL name cannot hold "-").
 */
export const EXPORT_TYPES = [...DATA_TYPES, "api-keys"] as const;
export type ExportTypeName = (typeof EXPORT_TYPES)[number];

export function canonicalDataType(name: ExportTypeName): DataType {
  if (name === "assistants") return "agents";
  return name === "api-keys" ? "api_keys" : name;
}

/** The one rule for a data type's name: one of DATA_TYPES (a type guard, so no cast follows). */
export const isDataTypeName = (name: unknown): name is DataTypeName => DATA_TYPES.some((type) => type === name);

/** An export path's type name: one of EXPORT_TYPES. */
export const isExportTypeName = (name: unknown): name is ExportTypeName => EXPORT_TYPES.some((type) => type === name);

/** The one message for a name that is not a data type, without the field's name. */
export const dataTypeProblem = (name: unknown) => `"${String(name)}" is not one of ${DATA_TYPES.join(", ")}`;

/** A data type name field (a missing one "is required"); see src/errors/input.ts for how the field gets named. */
export const dataTypeName = z.enum(DATA_TYPES, {
  error: (issue) => (issue.input === undefined ? "is required" : dataTypeProblem(issue.input)),
});

const isGroupBy = (name: unknown): name is GroupBy => GROUP_BYS.some((g) => g === name);

/** A `group_by` field before it meets its data type: text, or absent. */
export const groupByName = z.string({ error: "must be a string" }).nullish();

/** The groupings a workspace may use for a data type (what the dialog offers). */
export function groupByOptions(type: DataType, workspace: { byok: boolean }): GroupBy[] {
  return GROUP_BY_OPTIONS[type].filter((g) => g !== "deployment" || workspace.byok);
}

/**
 * The one rule for `group_by`: what is wrong with it for a data type and workspace
 * (without the field's name), or null when it may be used.
 */
export function groupByProblem(type: DataType, groupBy: string, workspace: { byok: boolean }): string | null {
  const allowed = GROUP_BY_OPTIONS[type];
  if (!allowed.some((g) => g === groupBy))
    return allowed.length === 0
      ? `is not available for ${type}`
      : `"${groupBy}" is not valid for ${type} (expected ${allowed.join(" or ")})`;
  if (groupBy === "deployment" && !workspace.byok) return '"deployment" is only available for BYOK workspaces';
  return null;
}

/** Checks `group_by` for a data type and workspace; returns it typed, or null when absent. */
export function checkGroupBy(type: DataType, groupBy: string | null | undefined, workspace: { byok: boolean }): GroupBy | null {
  if (groupBy === null || groupBy === undefined) return null;
  const problem = groupByProblem(type, groupBy, workspace);
  if (problem !== null || !isGroupBy(groupBy)) throw badRequest(`group_by ${problem}`);
  return groupBy;
}
