import { Prisma } from "../generated/prisma/client.ts";
import type { Workspace } from "../generated/prisma/client.ts";

/**
 * The workspace row read on the driver (`Database.read`) rather than through
 * Prisma: every GraphQL request reads it (for its data version), and Prisma's
 * per-query overhead capped the dashboard at ~50 requests/s (BENCHMARKS.md).
 */
export const WORKSPACE_COLUMNS = Prisma.raw(`w.id as w_id, w.name as w_name, w.timezone as w_timezone,
  w.first_weekday as w_first_weekday, w.byok as w_byok, w.user_level_data as w_user_level_data,
  w.created_at as w_created_at, w.data_version as w_data_version`);

export interface WorkspaceColumns {
  w_id: string;
  w_name: string;
  w_timezone: string;
  w_first_weekday: number;
  w_byok: boolean;
  w_user_level_data: boolean;
  w_created_at: Date;
  w_data_version: number;
}

export function toWorkspace(r: WorkspaceColumns): Workspace {
  return {
    id: r.w_id,
    name: r.w_name,
    timezone: r.w_timezone,
    firstWeekday: r.w_first_weekday,
    byok: r.w_byok,
    userLevelData: r.w_user_level_data,
    createdAt: new Date(r.w_created_at),
    dataVersion: r.w_data_version,
  };
}
