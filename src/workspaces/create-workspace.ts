import { newAccessKey, randomId } from "../auth/access-keys.ts";
import type { Database } from "../db/client.ts";
import { badRequest } from "../errors/app-error.ts";
import { isValidTimezone } from "../periods/period.ts";

export interface CreateWorkspaceInput {
  name: string;
  /** IANA zone for presets and report periods; UTC when absent. */
  timezone?: string;
  byok?: boolean;
  /** Whether exports may name people (SPEC §4); on by default. */
  userLevelData?: boolean;
  /** 0 = Sunday … 6 = Saturday; Sunday when absent. */
  firstWeekday?: number;
}

/** Every problem with the input, each naming its field. */
export function workspaceInputProblems(input: CreateWorkspaceInput): string[] {
  const problems: string[] = [];
  if (typeof input.name !== "string" || input.name.trim() === "") problems.push("name must not be empty");
  else if (input.name.trim().length > 200) problems.push("name must be at most 200 characters");
  if (input.timezone !== undefined && !isValidTimezone(input.timezone))
    problems.push(`timezone "${input.timezone}" is not a known IANA time zone`);
  if (
    input.firstWeekday !== undefined &&
    !(Number.isInteger(input.firstWeekday) && input.firstWeekday >= 0 && input.firstWeekday <= 6)
  )
    problems.push(`firstWeekday must be an integer from 0 (Sunday) to 6 (Saturday), not ${input.firstWeekday}`);
  return problems;
}

/**
 * Creates a workspace with its first admin key, in one statement so there is
 * never a workspace nobody can administer. The key's secret is returned once.
 */
export async function createWorkspace(
  db: Database,
  input: CreateWorkspaceInput,
): Promise<{ workspaceId: string; apiKey: string }> {
  const problems = workspaceInputProblems(input);
  if (problems.length > 0) throw badRequest(problems);
  const workspaceId = randomId("ws_");
  const { apiKey, row } = newAccessKey("admin", "Initial admin key");
  await db.prisma.workspace.create({
    data: {
      id: workspaceId,
      name: input.name.trim(),
      timezone: input.timezone ?? "UTC",
      firstWeekday: input.firstWeekday ?? 0,
      byok: input.byok ?? false,
      userLevelData: input.userLevelData ?? true,
      accessKeys: { create: row },
    },
  });
  return { workspaceId, apiKey };
}
