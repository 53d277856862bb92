import type { AppContext } from "../../runtime/context.ts";
import { AppError, badRequest } from "../../errors/app-error.ts";
import type { Workspace } from "../../generated/prisma/client.ts";
import { flag, text } from "./flags.ts";

/** Arguments of a command: plain JSON, as commander parsed them or as they crossed the wire. */
export type CommandArgs = Record<string, unknown>;

/** `--workspace ID`, which most commands take (required). */
export const workspaceFlag = flag({ value: "<id>", help: "workspace id" }, text);

/**
 * Re-labels the fields named in a service's 400 (the period's `from`, `to`)
 * with the CLI flags that carried them; other errors pass through unchanged.
 */
export function relabel(error: unknown, labels: Record<string, string>): unknown {
  if (!(error instanceof AppError) || error.code !== "BAD_REQUEST") return error;
  return badRequest(
    error.problems.map((problem) =>
      Object.entries(labels).reduce(
        // A field opens a problem ("from.date \"X\" is…", "from: …") or closes a comparison ("…than to").
        (p, [field, flagName]) => p.replace(new RegExp(`(^|than )${field}(\\.date)?(?=[ :]|$)`), (_m, lead: string) => lead + flagName),
        problem,
      ),
    ),
  );
}

/** The workspace named by `--workspace`, or 404. */
export async function loadWorkspace(app: AppContext, workspaceId: string): Promise<Workspace> {
  const workspace = await app.db.prisma.workspace.findUnique({ where: { id: workspaceId } });
  if (!workspace) throw new AppError("NOT_FOUND", `Workspace "${workspaceId}" not found`);
  return workspace;
}
