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

export function canonicalDataType(name: DataTypeName): DataType {
  return name === "assistants" ? "agents" : name;
}

export function parseDataType(name: string): DataTypeName {
  if ((DATA_TYPES as readonly string[]).includes(name)) return name as DataTypeName;
  throw badRequest(`dataType "${name}" is not one of ${DATA_TYPES.join(", ")}`);
}

/** The groupings a workspace may use for a data type (what the dialog offers). */
export function groupByOptions(type: DataType, workspace: { byok: boolean }): GroupBy[] {
  return GROUP_BY_OPTIONS[type].filter((g) => g !== "deployment" || workspace.byok);
}

/** Checks `group_by` for a data type and workspace; returns it typed, or null when absent. */
export function checkGroupBy(
  type: DataType,
  groupBy: string | null | undefined,
  workspace: { byok: boolean },
): GroupBy | null {
  if (groupBy === null || groupBy === undefined) return null;
  const allowed = GROUP_BY_OPTIONS[type];
  if (!(allowed as readonly string[]).includes(groupBy)) {
    throw badRequest(
      allowed.length === 0
        ? `group_by is not available for ${type}`
        : `group_by "${groupBy}" is not valid for ${type} (expected ${allowed.join(" or ")})`,
    );
  }
  if (groupBy === "deployment" && !workspace.byok)
    throw badRequest('group_by "deployment" is only available for BYOK workspaces');
  return groupBy as GroupBy;
}
