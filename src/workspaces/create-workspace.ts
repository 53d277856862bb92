import type { z } from "zod";
import { newAccessKey, randomId } from "../auth/secrets/key-secrets.ts";
import type { Database } from "../db/client.ts";
import { parseInput } from "../errors/input.ts";
import { newWorkspaceSettings } from "./workspace-settings.ts";

/**
 * A new workspace's settings (rules in src/workspaces/workspace-settings.ts): a
 * name; an IANA `timezone` for presets and report periods (UTC when absent);
 * `byok`; `userLevelData`, whether exports may name people (SPEC §4, on by
 * default); `firstWeekday`, 0 = Sunday … 6 = Saturday (Sunday when absent).
 */
export type CreateWorkspaceInput = z.input<typeof newWorkspaceSettings>;

/**
 * Creates a workspace with its first admin key, in one statement so there is
 * never a workspace nobody can administer. The key's secret is returned once.
 * Bad settings are a 400 listing every problem, each naming its field.
 */
export async function createWorkspace(db: Database, input: CreateWorkspaceInput): Promise<{ workspaceId: string; apiKey: string }> {
  const settings = parseInput(newWorkspaceSettings, input);
  const workspaceId = randomId("ws_");
  const { apiKey, row } = newAccessKey("admin", "Initial admin key");
  await db.prisma.workspace.create({
    data: {
      id: workspaceId,
      name: settings.name,
      timezone: settings.timezone ?? "UTC",
      firstWeekday: settings.firstWeekday ?? 0,
      byok: settings.byok ?? false,
      userLevelData: settings.userLevelData ?? true,
      accessKeys: { create: row },
    },
  });
  return { workspaceId, apiKey };
}
